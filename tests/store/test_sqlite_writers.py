"""SQLite writers of one process queue on a lock that every way of ending a transaction frees."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from advisor.store.engine import WRITER_LOCKS, Engine, make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.tables.tenancy import TenantRow
from tests.builders import run_together


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def test_commit_rollback_and_failure_each_free_the_writer_lock(engine: Engine) -> None:
    lock = WRITER_LOCKS[engine]
    factory = make_sessionmaker(engine)
    with factory() as session, session.begin():
        session.add(TenantRow(id="acme", name="Acme"))
        session.flush()
        assert lock.locked()  # held from the first write ...
    assert not lock.locked()  # ... to the commit
    with factory() as session:
        session.add(TenantRow(id="globex", name="Globex"))
        session.flush()
        session.rollback()
    assert not lock.locked()
    with pytest.raises(IntegrityError), factory() as session, session.begin():
        session.add(TenantRow(id="acme", name="Acme again"))  # duplicate key: the write fails
    assert not lock.locked()
    with factory() as session:
        session.add(TenantRow(id="initech", name="Initech"))
        session.flush()  # closed without commit or rollback: closing rolls back and frees it
    assert not lock.locked()
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(TenantRow)) == 1


def test_concurrent_writers_all_land(engine: Engine) -> None:
    factory = make_sessionmaker(engine)

    def write() -> None:
        for _ in range(20):
            with factory() as session, session.begin():
                session.add(TenantRow(id=uuid.uuid4().hex, name="tenant"))

    errors = run_together(write, 8)
    assert errors == []
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(TenantRow)) == 160
    assert not WRITER_LOCKS[engine].locked()
