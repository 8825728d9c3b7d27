"""Served requests reach the decision log in batches, off the request path.

Durability contract (docs/decisions.md): a served request and its suggestions are written by a background
thread within ``flush_s`` of being served, in one transaction per batch (so never half-written: no
suggestion without its request). A crash loses at most the requests of the last window, which are then
absent from every metric, never counted half. Feedback has its own writer (``groupcommit``): an event is
acknowledged only once the batch holding it committed. Feedback for a suggestion this process has not
written yet waits for it (``pending``), and the feedback route retries a not-found suggestion for
``2 × flush_s`` plus a margin before a 404, for a suggestion served by another process. Shutdown flushes
what is queued (``close``).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from advisor.store.privacy import redact_for_insert
from advisor.store.tables.decisions import RecommendationRequestRow, RecommendationRow
from advisor.utc import utcnow

logger = logging.getLogger("advisor.store")

Served = tuple[RecommendationRequestRow, list[RecommendationRow]]


class DecisionWriter:
    """Queues served requests and writes them in batches from one thread of its own."""

    def __init__(self, factory: sessionmaker[Session], flush_s: float, retry_s: float = 1.0) -> None:
        self.flush_s = flush_s
        self._factory = factory
        self._retry_s = retry_s
        self._queue: list[Served] = []
        self._pending: set[str] = set()
        self._cond = threading.Condition()
        self._submitted = 0
        self._written = 0
        self._closing = False
        self.batches = 0
        self.flush_seconds = 0.0
        self._thread = threading.Thread(target=self._run, name="advisor-decision-writer", daemon=True)
        self._thread.start()

    def add_request(
        self, request: RecommendationRequestRow, recommendations: list[RecommendationRow]
    ) -> None:
        """Queue a served request with its suggestions (the ``DecisionLog.add_request`` of the hot path)."""
        with self._cond:
            if self._closing:
                raise RuntimeError("the decision writer is closed")
            self._queue.append((request, recommendations))
            self._pending.update(r.id for r in recommendations)
            self._pending.add(request.id)
            self._submitted += 1
            if len(self._queue) == 1:
                # Only the first of a batch wakes the writer: it then gathers for ``flush_s`` anyway, and
                # waking it per request hands it the GIL in the middle of every other request.
                self._cond.notify_all()

    def queue_depth(self) -> int:
        """Return how many served requests wait to be written."""
        return len(self._queue)

    def pending(self, row_id: str) -> bool:
        """Return whether a request or suggestion id served here is not in the store yet."""
        return row_id in self._pending

    def drain(self, timeout_s: float = 30.0) -> bool:
        """Wait until everything queued so far is written (a process reads its own writes)."""
        with self._cond:
            target = self._submitted
            return self._cond.wait_for(lambda: self._written >= target, timeout=timeout_s)

    def close(self, timeout_s: float = 30.0) -> None:
        """Write what is queued and stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout=timeout_s)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._queue) or self._closing)
                if not self._queue:
                    return
                # Gather a batch (one transaction for all served meanwhile); closing cuts the wait short.
                self._cond.wait_for(lambda: self._closing, timeout=self.flush_s)
                batch, self._queue = self._queue, []
                target = self._submitted
            started = time.perf_counter()
            self._write(batch)
            self.flush_seconds += time.perf_counter() - started
            self.batches += 1
            with self._cond:
                for request, rows in batch:
                    self._pending.discard(request.id)
                    self._pending.difference_update(r.id for r in rows)
                self._written = target
                self._cond.notify_all()

    def _write(self, batch: list[Served]) -> None:
        """Write one batch in one transaction, retrying while the store is unreachable."""
        while True:
            try:
                self._insert(batch)
                return
            except IntegrityError:
                break  # one served request breaks a constraint (its tenant was removed): write one by one
            except Exception as exc:  # the store is down or refused: keep the batch, try again
                logger.warning("decision log batch of %d not written (%s); retrying", len(batch), exc)
                time.sleep(self._retry_s)
        for served in batch:
            try:
                self._insert([served])
            except IntegrityError as exc:
                logger.error("served request %s not logged: %s", served[0].id, type(exc).__name__)

    def _insert(self, batch: list[Served]) -> None:
        # Core multi-row inserts (executemany): the ORM's unit of work cost several times the statements,
        # holding the GIL that the event loop's requests wait for. Text is redacted as the ORM hook would.
        with self._factory() as session, session.begin():
            now = utcnow()
            requests = [_values(session, request, _REQUEST_COLUMNS, now) for request, _ in batch]
            suggestions = [
                _values(session, row, _SUGGESTION_COLUMNS, now) for _, rows in batch for row in rows
            ]
            session.execute(insert(_REQUESTS), requests)
            if suggestions:
                session.execute(insert(_SUGGESTIONS), suggestions)


_REQUESTS = cast(Table, RecommendationRequestRow.__table__)
_SUGGESTIONS = cast(Table, RecommendationRow.__table__)
_REQUEST_COLUMNS = [c.key for c in _REQUESTS.columns]
_SUGGESTION_COLUMNS = [c.key for c in _SUGGESTIONS.columns]


def _values(session: Session, row: Any, columns: list[str], now: datetime) -> dict[str, Any]:
    if row.created_at is None:
        row.created_at = now
    redact_for_insert(session, row)
    return {key: getattr(row, key) for key in columns}
