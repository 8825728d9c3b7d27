"""Open the configured store for a CLI command: migrated, one transaction, closed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from advisor.settings import Settings
from advisor.store import Session
from advisor.tenancy.models import ApiRole, Principal

CLI_KEY_ID = "cli"


@contextmanager
def transaction() -> Iterator[Session]:
    """Yield a session on the configured store in one transaction (committed on success)."""
    from advisor.store.engine import make_engine, make_sessionmaker
    from advisor.store.migrate import upgrade

    engine = make_engine(Settings().database_url)
    try:
        upgrade(engine)
        with make_sessionmaker(engine)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


def operator(tenant_id: str) -> Principal:
    """Return the principal of the person at the console: an admin of ``tenant_id`` (audited as admin:cli)."""
    return Principal(tenant_id=tenant_id, role=ApiRole.admin, key_id=CLI_KEY_ID, agent_id=CLI_KEY_ID)
