"""Migration 0008: keys made before owners keep their actor, and learn who created them from the audit log."""

from __future__ import annotations

from sqlalchemy import text

from advisor.store.engine import make_engine
from advisor.store.migrate import upgrade
from tests.conftest import Database

AGENT_KEY = "11111111-aaaa-4000-8000-000000000001"
ADMIN_KEY = "22222222-bbbb-4000-8000-000000000002"


def test_existing_keys_get_an_owner_and_their_creator(database: Database) -> None:
    engine = make_engine(database.url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO tenants (id, name, created_at) VALUES ('acme', 'Acme', CURRENT_TIMESTAMP)")
        )
        for key_id, role, agent, digest in (
            (AGENT_KEY, "agent", "a-1", "h1"),
            (ADMIN_KEY, "admin", None, "h2"),
        ):
            conn.execute(
                text(
                    "INSERT INTO api_keys (id, tenant_id, role, agent_id, prefix, key_hash, created_at)"
                    " VALUES (:id, 'acme', :role, :agent, 'adv_x', :digest, CURRENT_TIMESTAMP)"
                ),
                {"id": key_id, "role": role, "agent": agent, "digest": digest},
            )
        conn.execute(
            text(
                "INSERT INTO audit_log (tenant_id, at, actor, action, subject_type, subject_id)"
                " VALUES ('acme', CURRENT_TIMESTAMP, 'admin:key-22222222', 'key.create', 'api_key', :id)"
            ),
            {"id": AGENT_KEY},
        )
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, owner, created_by FROM api_keys ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (AGENT_KEY, "a-1", "admin:key-22222222"),
        (ADMIN_KEY, "key-22222222", None),  # its actor before the migration: audit history keeps its meaning
    ]
