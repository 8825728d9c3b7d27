"""Agents' decisions folded into per-pattern-version acceptance tallies the ranker reads.

Each process keeps one book per tenant, read incrementally from the decision log (events after the
last one folded in), at most every ``refresh_s`` seconds (setting ``ranking.decisions_refresh_s``)
and at most ``BATCH`` events per refresh,
so a request never waits for a large backlog: a restarted process catches up over its first requests.
One agent cannot outweigh a team: on one pattern version and kind of request, an agent's decisions
count as at most ``AGENT_CAP`` (scaled down in proportion beyond that).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from advisor.ranking.acceptance import Tally
from advisor.store.decisions import Decision, DecisionLog

AGENT_CAP = 10
BATCH = 5000
TAKEN = frozenset({"accepted", "edited"})

Key = tuple[str, int, str, str]
"""(pattern id, pattern version, intent, channel)."""


class AcceptanceBook:
    """Decisions per pattern version and kind of request, per agent; tallies with the agent cap."""

    def __init__(self, refresh_s: float = 2.0) -> None:
        self.refresh_s = refresh_s
        self.cursor = 0
        self._per_agent: dict[Key, dict[str, list[int]]] = {}
        self._tallies: dict[Key, Tally] = {}
        self._refreshed = float("-inf")
        self._lock = threading.Lock()

    def fold(self, decisions: Iterable[Decision]) -> None:
        """Count decisions in (the caller holds them in id order; ids at or below the cursor are skipped)."""
        for d in decisions:
            if d.id <= self.cursor:
                continue
            key = (d.pattern_id, d.pattern_version, d.intent, d.channel)
            counts = self._per_agent.setdefault(key, {}).setdefault(d.agent_id, [0, 0, 0])
            counts[0] += 1
            counts[1] += d.action in TAKEN
            counts[2] += d.reason == "wrong_intent"
            self._tallies.pop(key, None)
            self.cursor = d.id

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
            self.fold(log.decisions_after(tenant_id, self.cursor, BATCH))
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
