"""Admission control: at most ``limit`` requests are served at once; the others wait briefly, then get a 503.

A request served by advisor may use a pool thread and a database connection. The app sizes both pools above
the admission limit (``app.py``), so an admitted request never waits for one of them while it holds the
other, and overload turns into prompt 503s with ``Retry-After`` instead of a lock-up. Waiting happens here,
on the event loop, before any thread or connection is taken. ``/healthz``, ``/readyz`` and ``/metrics``
are never queued.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

from advisor.api.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE
from advisor.errors import Overloaded

EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})
PACED = frozenset({"/v1/recommendations"})
"""Routes that rank on the event loop (a usual library is ranked without a thread hop)."""


class Gate:
    """A FIFO counting gate whose waits are bounded; the event loop's only, so it needs no lock.

    At most ``limit`` requests are in flight. Besides, at most ``per_turn`` *paced* requests are let in
    per turn of the event loop: a request ranked on the loop runs from admission to answer without
    yielding, so letting every waiting one in at once made one turn of the loop last as long as all of
    them together (800 ms under 200 clients), and the loop reads its sockets (new connections,
    ``/healthz``) only between turns. Other requests yield while they wait for a thread or a commit and
    are not paced: pacing them only made the feedback group commit gather fewer events per transaction.
    """

    def __init__(self, limit: int, per_turn: int) -> None:
        self.limit = limit
        self.per_turn = per_turn
        self.in_flight = 0
        self.shed = 0
        self._started = 0
        """Paced requests let in since the loop last came round (``_next_turn``)."""
        self._waiters: dict[bool, deque[asyncio.Future[None]]] = {True: deque(), False: deque()}
        """Waiting requests, paced and not, each in arrival order."""

    def _free(self, paced: bool) -> bool:
        return self.in_flight < self.limit and (not paced or self._started < self.per_turn)

    def _admit(self, paced: bool) -> None:
        self.in_flight += 1
        if paced:
            if self._started == 0:
                asyncio.get_running_loop().call_soon(self._next_turn)
            self._started += 1

    def _next_turn(self) -> None:
        self._started = 0
        self._wake()

    def _wake(self) -> None:
        """Hand free slots to the longest waiters still waiting (unpaced first: they need no allowance)."""
        for paced in (False, True):
            waiters = self._waiters[paced]
            while waiters and self._free(paced):
                waiter = waiters.popleft()
                if not waiter.done():
                    self._admit(paced)
                    waiter.set_result(None)

    async def enter(self, wait_s: float, *, paced: bool = False) -> bool:
        """Take a slot, waiting at most ``wait_s``; return False when none came free in time."""
        waiters = self._waiters[paced]
        if self._free(paced) and not waiters:
            self._admit(paced)
            return True
        if wait_s <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiters.append(waiter)
        try:
            async with asyncio.timeout(wait_s):
                await waiter
            return True
        except TimeoutError:
            # The slot may have been handed over in the same loop turn as the timeout fired.
            return waiter.done() and not waiter.cancelled()
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.leave()
            raise

    def leave(self) -> None:
        """Free a slot and hand it to the longest waiter, within this turn's allowance."""
        self.in_flight -= 1
        self._wake()


class AdmissionMiddleware:
    """Admit at most ``gate.limit`` requests at once; answer the rest 503 problem+json after ``wait_s``."""

    def __init__(self, app: ASGIApp, gate: Gate, wait_s: float, retry_after_s: int) -> None:
        self.app = app
        self.gate = gate
        self.wait_s = wait_s
        self.retry_after_s = retry_after_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        if not await self.gate.enter(self.wait_s, paced=scope["path"] in PACED):
            await self._reject(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.gate.leave()

    async def _reject(self, scope: Scope, send: Send) -> None:
        self.gate.shed += 1
        body = json.dumps(
            {
                "type": PROBLEM_TYPE_BASE + Overloaded.type_slug,
                "title": Overloaded.title,
                "status": Overloaded.status,
                "detail": f"advisor is serving {self.gate.limit} requests already; retry shortly",
                "instance": scope.get("path"),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": Overloaded.status,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(self.retry_after_s).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
