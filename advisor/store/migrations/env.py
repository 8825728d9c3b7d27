"""Alembic environment: runs on the engine advisor passes in (render_as_batch for SQLite)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from advisor.store.tables.base import Base

config = context.config
engine: Engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
