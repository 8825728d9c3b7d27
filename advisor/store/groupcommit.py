"""Group commit: many callers' writes in one transaction, each caller answered only once it committed.

A caller on the event loop ``submit``s an item and awaits its result. One thread of the committer's own
takes everything queued (up to ``max_batch``), runs ``work(session, items)`` in one transaction and
commits, then settles each caller's future with the result ``work`` gave for its item. There is no
gathering window: items that arrive while a batch is being written form the next batch, so a lone caller
waits for one transaction and a busy process writes larger batches, not more of them.

``work`` returns one outcome per item, in order: a result, or an exception for that item alone (a
business refusal such as a 404), which is raised to its caller; the others still commit. When ``work``
or the commit itself raises, nothing of the batch is kept and each item is run again in a transaction of
its own by ``single`` (the one-item path), so that one item that breaks a constraint fails alone. A
caller's future is settled only after its transaction committed or failed, never before: an answered
write is durable. A crash before that answers nobody.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger("advisor.store")

I = TypeVar("I")  # noqa: E741  (the item type)
R = TypeVar("R")

Batch = Callable[[Session, Sequence[I]], list[R | BaseException]]
Single = Callable[[Session, I], R]


@dataclass
class _Waiting(Generic[I, R]):
    item: I
    future: asyncio.Future[R]
    loop: asyncio.AbstractEventLoop


class GroupCommitter(Generic[I, R]):
    """Writes submitted items in batches, one transaction each, from one thread of its own."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        work: Batch[I, R],
        single: Single[I, R],
        *,
        name: str,
        max_batch: int = 256,
    ) -> None:
        self._factory = factory
        self._work = work
        self._single = single
        self._max_batch = max_batch
        self._queue: list[_Waiting[I, R]] = []
        self._cond = threading.Condition()
        self._closing = False
        self.batches = 0
        self.items = 0
        self.flush_seconds = 0.0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    async def submit(self, item: I) -> R:
        """Queue one item and return its result once the transaction holding it has committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        with self._cond:
            if self._closing:
                raise RuntimeError(f"{self._thread.name} is closed")
            self._queue.append(_Waiting(item, future, loop))
            first = len(self._queue) == 1
        if first:
            # Wake the writer on the loop's next turn, not now: the requests this turn is still serving
            # then join the same batch (a turn runs every request whose data the last poll read).
            loop.call_soon(self._wake)
        return await future

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def queue_depth(self) -> int:
        """Return how many items wait for a batch."""
        return len(self._queue)

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
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            started = time.perf_counter()
            outcomes = self._write([w.item for w in batch])
            self.flush_seconds += time.perf_counter() - started
            self.batches += 1
            self.items += len(batch)
            _settle(batch, outcomes)

    def _write(self, items: list[I]) -> list[R | BaseException]:
        try:
            with self._factory() as session, session.begin():
                outcomes = self._work(session, items)
            if len(outcomes) != len(items):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(items)} items")  # a bug in work
            return outcomes
        except Exception as exc:  # the batch is rolled back; each item is tried alone below
            if len(items) > 1:
                logger.warning(
                    "batch of %d not committed (%s); writing one by one", len(items), type(exc).__name__
                )
            else:
                return [exc]
        alone: list[R | BaseException] = []
        for item in items:
            try:
                with self._factory() as session, session.begin():
                    alone.append(self._single(session, item))
            except Exception as exc:  # raised to this item's caller only
                alone.append(exc)
        return alone


def _settle(batch: list[_Waiting[I, R]], outcomes: list[R | BaseException]) -> None:
    """Hand each caller its outcome on its own loop (one wake-up per loop and batch)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[R], R | BaseException]]] = {}
    for waiting, outcome in zip(batch, outcomes, strict=True):
        by_loop.setdefault(waiting.loop, []).append((waiting.future, outcome))
    for loop, pairs in by_loop.items():
        # A closed loop's callers are gone (their writes are committed or rolled back).
        with suppress(RuntimeError):
            loop.call_soon_threadsafe(_resolve, pairs)


def _resolve(pairs: list[tuple[asyncio.Future[R], R | BaseException]]) -> None:
    for future, outcome in pairs:
        if future.done():
            continue  # the caller was cancelled (client gone); the write stands, a resend is a duplicate
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
