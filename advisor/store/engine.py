"""Engine factory: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL, picked by the URL."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

__all__ = ["Engine", "make_engine", "make_sessionmaker"]
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, connections: int | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with advisor's pragmas; SQL parameters never reach errors or logs.

    ``connections``: the pool's size (a server sizes it above its admission limit); default 10 + 10 overflow.
    """
    kwargs.setdefault("hide_parameters", True)  # parameters carry customer text (invariant 5)
    if connections is not None and ":memory:" not in url:
        kwargs = {"pool_size": connections, "max_overflow": 0, **kwargs}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own BEGIN comes only before DML, so a SAVEPOINT opened first ran outside any
            # transaction and its RELEASE committed; advisor emits BEGIN itself (see _queue_writers).
            dbapi_connection.isolation_level = None
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


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")
WRITER_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def _queue_writers(engine: Engine, wait_s: float = 30.0) -> None:
    """Begin SQLite write transactions ourselves, and queue this process's writers on a lock.

    SQLAlchemy's documented fix for pysqlite (the driver's ``isolation_level`` off, our own ``BEGIN``) is
    applied at a transaction's first write or savepoint, as ``BEGIN IMMEDIATE``: a deferred ``BEGIN`` at the
    first read would pin a WAL snapshot, and upgrading a stale snapshot to a writer fails at once with
    ``database is locked`` instead of waiting. Reads before the first write run as they did under pysqlite.

    SQLite admits one writer at a time; a second one polls with sleeps that grow to 100 ms, so under
    concurrent requests a thread that lost the race waits far longer than the winner's transaction takes.
    A transaction takes this lock at its first write and frees it when it ends, so the next writer in the
    process starts the moment the previous one commits. Writers in other processes still meet SQLite's own
    busy timeout; a writer that cannot get the lock within ``wait_s`` goes ahead and meets it too.
    """
    lock = WRITER_LOCKS[engine] = threading.Lock()

    @event.listens_for(engine, "before_cursor_execute")
    def _take(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip()[:9].upper().startswith(WRITES):
            return
        if "writer" not in conn.info:
            conn.info["writer"] = lock.acquire(timeout=wait_s)
        dbapi_connection = conn.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise DBAPIError.instance("BEGIN IMMEDIATE", None, exc, sqlite3.Error) from exc

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
