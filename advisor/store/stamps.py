"""What the store says changed, kept in memory: each tenant's library stamp and a version of the API keys.

A request reads both from memory; the store is asked again at most every ``poll_s`` seconds, so a change
made by another process (a pattern approved, a key revoked or rotated) reaches this one within that
delay. A change committed through this process's own sessionmaker is seen at once: the repositories that
make one mark the session (``mark_changed``) and the commit hook below makes the next request re-read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from advisor.store.tables.patterns import LibraryStampRow
from advisor.store.tables.tenancy import ApiKeyRow

CHANGED = "advisor.stamps_changed"


def mark_changed(session: Session) -> None:
    """Note that this transaction changes the library or the keys (seen at once when it commits)."""
    session.info[CHANGED] = True


class StoreStamps:
    """The library stamps and key version as last read, re-read when older than ``poll_s``."""

    def __init__(self, factory: sessionmaker[Session], poll_s: float) -> None:
        self.poll_s = poll_s
        self._library: dict[str, int] = {}
        self.keys_version: tuple[int, int] = (-1, -1)
        self._read_at = float("-inf")
        self._invalid_at = float("-inf")
        self._lock = threading.Lock()
        self.reading = 0
        """Reads of the store in flight that the event loop started (the loop's only): one at a time."""
        event.listen(factory, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(CHANGED, False):
            self._invalid_at = time.monotonic()

    def fresh(self) -> bool:
        """Return whether the copy in memory may be used without asking the store."""
        read_at = self._read_at
        return read_at > self._invalid_at and time.monotonic() - read_at < self.poll_s

    def usable(self) -> bool:
        """Return whether a request may use the copy in memory: fresh, or merely old (it is then re-read in
        the background); never after a change made here, which every request waits for, nor with a poll
        interval of 0 (read on every request)."""
        return self.fresh() or (self.poll_s > 0 and self._read_at > self._invalid_at)

    @contextmanager
    def read_in_flight(self) -> Iterator[None]:
        """Count a store read the event loop started for as long as it runs (``deps.read_later`` starts
        no background read meanwhile)."""
        self.reading += 1
        try:
            yield
        finally:
            self.reading -= 1

    def refresh(self, session: Session) -> None:
        """Re-read the stamps unless fresh.

        When the copy is merely old, a thread that finds another one re-reading uses it as it is; after a
        change made here (or before the first read) it waits for a read that started after the change.
        """
        if self.fresh():
            return
        if not self._lock.acquire(blocking=self._read_at <= self._invalid_at):
            return
        try:
            if self.fresh():
                return
            started = time.monotonic()
            rows = session.execute(select(LibraryStampRow.tenant_id, LibraryStampRow.stamp))
            library = {row.tenant_id: row.stamp for row in rows}
            total, revoked = session.execute(
                select(func.count(ApiKeyRow.id), func.count(ApiKeyRow.revoked_at))
            ).one()
            self._library = library
            self.keys_version = (int(total), int(revoked))
            self._read_at = started
        finally:
            self._lock.release()

    def library(self, tenant_id: str) -> int:
        """Return the tenant's library stamp as last read (0 when never changed)."""
        return self._library.get(tenant_id, 0)

    def close(self, factory: sessionmaker[Session]) -> None:
        """Stop listening to the sessionmaker's commits."""
        event.remove(factory, "after_commit", self._after_commit)


__all__ = ["CHANGED", "StoreStamps", "mark_changed"]
