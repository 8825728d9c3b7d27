"""Migration 0009 on SQLite and PostgreSQL: feedback events get the pattern sent instead, and lose it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from advisor.store.engine import make_engine
from advisor.store.migrate import alembic_config, upgrade
from tests.conftest import Database


def test_migration_0009_adds_and_removes_the_used_pattern(database: Database) -> None:
    engine = make_engine(database.url)
    upgrade(engine)
    columns = {c["name"]: c for c in inspect(engine).get_columns("feedback_events")}
    assert columns["used_pattern_id"]["nullable"] is True
    command.downgrade(alembic_config(engine), "0009_feedback_correction@-1")  # this branch only
    assert "used_pattern_id" not in {c["name"] for c in inspect(engine).get_columns("feedback_events")}
    assert "learned_examples" in inspect(engine).get_table_names()  # the other branches stay
    upgrade(engine)
    assert "used_pattern_id" in {c["name"] for c in inspect(engine).get_columns("feedback_events")}
    engine.dispose()
