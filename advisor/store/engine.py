"""Engine factory: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL, picked by the URL."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event

__all__ = ["Engine", "make_engine", "make_sessionmaker"]
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, connections: int | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the pragmas advisor relies on.

    ``connections``: the pool's size (a server sizes it above its admission limit); default 10 + 10 overflow.
    """
    if connections is not None and ":memory:" not in url:
        kwargs = {"pool_size": connections, "max_overflow": 0, **kwargs}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        _queue_writers(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    kwargs = {"pool_size": 10, "max_overflow": 10, **kwargs}
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory; sessions do not expire objects on commit."""
    return sessionmaker(engine, expire_on_commit=False)


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
WRITER_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def _queue_writers(engine: Engine, wait_s: float = 30.0) -> None:
    """Make this process's SQLite writers queue on a lock instead of SQLite's busy sleeps.

    SQLite admits one writer at a time; a second one polls with sleeps that grow to 100 ms, so under
    concurrent requests a thread that lost the race waits far longer than the winner's transaction takes.
    A transaction takes this lock at its first write and frees it when it ends, so the next writer in the
    process starts the moment the previous one commits. Writers in other processes still meet SQLite's own
    busy timeout; a writer that cannot get the lock within ``wait_s`` goes ahead and meets it too.
    """
    lock = WRITER_LOCKS[engine] = threading.Lock()

    @event.listens_for(engine, "before_cursor_execute")
    def _take(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "writer" not in conn.info and statement.lstrip()[:7].upper().startswith(WRITES):
            conn.info["writer"] = lock.acquire(timeout=wait_s)

    def _free(info: dict[str, Any]) -> None:
        if info.pop("writer", False):
            lock.release()

    @event.listens_for(engine, "commit")
    def _on_commit(conn: Any) -> None:
        _free(conn.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn: Any) -> None:
        _free(conn.info)

    @event.listens_for(engine.pool, "reset")
    def _on_reset(_dbapi: Any, record: Any, _state: Any) -> None:
        _free(record.info)

    @event.listens_for(engine.pool, "invalidate")
    def _on_invalidate(_dbapi: Any, record: Any, _exception: Any) -> None:
        _free(record.info)
