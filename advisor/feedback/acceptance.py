"""Agents' decisions folded into per-pattern-version acceptance tallies the ranker reads.

Each process keeps one book per tenant, read incrementally from the decision log, at most every
``refresh_s`` seconds (setting ``ranking.decisions_refresh_s``) and at most ``BATCH`` new events per
refresh, so a request never waits for a large backlog: a restarted process catches up over its first
requests. One agent cannot outweigh a team: on one pattern version and kind of request, an agent's
decisions count as at most ``AGENT_CAP`` (scaled down in proportion beyond that).

Late commits. Event ids are given out at insert, and on PostgreSQL transactions commit in any order: a
read can return id 105 while 104's transaction is still open, so reading on from the highest id read
would skip 104 for good. So the book keeps a ``cursor`` below which everything is settled (counted, or
never to be), and the decisions it counted above it with their ``received_at``; each refresh re-reads the
ids above the cursor up to the highest counted (ids only), counts the rows of those it has not counted,
then reads new decisions beyond. The cursor moves up to a counted decision once that decision was
received more than ``late_s`` seconds before a read that went past it: every id below it was given out
before it (one sequence, no per-session cache), so a transaction still holding one has been open longer.
The bound: **every decision is counted exactly once if its transaction commits within ``late_s``
(``LATE_S``, 30 s) of its insert**, less how far the writer's clock runs behind the reader's
(``received_at`` is stamped by the writer, compared with the reader's clock) and the milliseconds
between stamping ``received_at`` and the insert. A decision committing later still is skipped by the
processes that settled past it meanwhile (it stays in the store; a restarted process counts it). A
decision is never counted twice: it is counted only above the cursor and when not already held. On
SQLite one writer commits at a time, in id order, so nothing commits late there.

Cost: besides at most ``BATCH`` new decisions, a refresh reads the ids of the tenant's decisions
received in about the last ``late_s`` seconds, never the whole log. 30 s is also what the metric roll-ups
allow for late commits (``metrics.refresh_lag_s``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from advisor.ranking.acceptance import Tally
from advisor.store.decisions import Decision, DecisionLog
from advisor.utc import as_utc, utcnow

AGENT_CAP = 10
BATCH = 5000
LATE_S = 30.0
"""How long after its insert a decision's transaction may commit and still be counted (module docstring)."""
TAKEN = frozenset({"accepted", "edited"})

Key = tuple[str, int, str, str]
"""(pattern id, pattern version, intent, channel)."""


class AcceptanceBook:
    """Decisions per pattern version and kind of request, per agent; tallies with the agent cap."""

    def __init__(self, refresh_s: float = 2.0, late_s: float = LATE_S) -> None:
        self.refresh_s = refresh_s
        self.late_s = late_s
        self.cursor = 0
        """Every decision at or below this id is counted or never will be; reads start above it."""
        self._unsettled: dict[int, datetime] = {}
        """Counted decisions above the cursor: id → received at (re-read, never counted again)."""
        self._per_agent: dict[Key, dict[str, list[int]]] = {}
        self._tallies: dict[Key, Tally] = {}
        self._refreshed = float("-inf")
        self._lock = threading.Lock()

    def fold(
        self, decisions: Iterable[Decision], *, read_at: datetime | None = None, read_to: int | None = None
    ) -> None:
        """Count in the decisions not counted yet, then move the cursor as far as the read allows.

        ``decisions``: what a read of the log found above the cursor, in id order; ``read_at``: the time
        (UTC) taken just before that read (default: now); ``read_to``: the highest id it checked (default:
        the last decision's).
        """
        horizon = (utcnow() if read_at is None else as_utc(read_at)) - timedelta(seconds=self.late_s)
        last = None
        for d in decisions:
            last = d.id
            if d.id <= self.cursor or d.id in self._unsettled:
                continue
            key = (d.pattern_id, d.pattern_version, d.intent, d.channel)
            counts = self._per_agent.setdefault(key, {}).setdefault(d.agent_id, [0, 0, 0])
            counts[0] += 1
            counts[1] += d.action in TAKEN
            counts[2] += d.reason == "wrong_intent"
            self._tallies.pop(key, None)
            self._unsettled[d.id] = as_utc(d.received_at)
        read_to = last if read_to is None else read_to
        if read_to is not None:
            self._settle(horizon, read_to)

    def _settle(self, horizon: datetime, read_to: int) -> None:
        # Only ids this read went past are settled: a read cut by its limit re-checked nothing above.
        settled = max(
            (i for i, received in self._unsettled.items() if i <= read_to and received <= horizon),
            default=self.cursor,
        )
        if settled > self.cursor:
            self.cursor = settled
            self._unsettled = {i: r for i, r in self._unsettled.items() if i > settled}

    def due(self, now: float | None = None) -> bool:
        """Return whether the next request should fold in new decisions (the book is ``refresh_s`` old)."""
        now = time.monotonic() if now is None else now
        return now - self._refreshed >= self.refresh_s

    def refresh(self, tenant_id: str, log: DecisionLog, *, now: float | None = None) -> None:
        """Fold in new decisions from the log unless the book was refreshed in the last ``refresh_s``."""
        now = time.monotonic() if now is None else now
        if not self.due(now):
            return
        with self._lock:
            if now - self._refreshed < self.refresh_s:
                return
            read_at = utcnow()  # before the reads: a transaction open during them was open at this time
            head = max(self._unsettled, default=self.cursor)
            late: list[Decision] = []
            if self._unsettled:
                # The window is re-read as ids (up to late_s seconds of decisions, nearly all counted):
                # whole rows only for the ids not counted yet, which committed late.
                seen = log.decision_ids(tenant_id, self.cursor, head)
                missing = [i for i in seen if i not in self._unsettled]
                late = log.decisions_by_id(tenant_id, missing) if missing else []
            new = log.decisions_after(tenant_id, head, BATCH)
            self.fold([*late, *new], read_at=read_at, read_to=new[-1].id if new else head)
            self._refreshed = now

    def tally(self, pattern_id: str, version: int, intent: str, channel: str) -> Tally | None:
        """Return the capped tally for one pattern version and kind of request (None: no decision yet)."""
        key = (pattern_id, version, intent, channel)
        cached = self._tallies.get(key)
        if cached is not None:
            return cached
        agents = self._per_agent.get(key)
        if not agents:
            return None
        decisions = taken = wrong = 0.0
        for n, took, wrong_intent in list(agents.values()):
            share = min(1.0, AGENT_CAP / n)
            decisions += n * share
            taken += took * share
            wrong += wrong_intent * share
        tally = Tally(decisions=decisions, taken=taken, wrong_intent=wrong)
        self._tallies[key] = tally
        return tally
