"""Per-process cache of each tenant's ranker, rebuilt when the store's library stamp moves."""

from __future__ import annotations

import threading
from collections.abc import Callable

from advisor.patterns.models import PatternSpec
from advisor.ranking.eligibility import StagePolicy
from advisor.ranking.rank import HybridRanker
from advisor.store.patterns import PatternRepository

RankerFactory = Callable[[list[PatternSpec], str, StagePolicy], HybridRanker]


class LibraryCache:
    """Holds one ranker per tenant; a cheap stamp read per request keeps every process current."""

    def __init__(self, factory: RankerFactory) -> None:
        self._factory = factory
        self._rankers: dict[str, tuple[int, HybridRanker]] = {}
        self._lock = threading.Lock()

    def ranker(self, tenant_id: str, repo: PatternRepository) -> tuple[HybridRanker, int]:
        """Return the tenant's ranker for the library as the store has it now, and that library's stamp."""
        stamp = repo.stamp(tenant_id)
        cached = self._rankers.get(tenant_id)
        if cached is not None and cached[0] == stamp:
            return cached[1], stamp
        with self._lock:
            cached = self._rankers.get(tenant_id)
            if cached is not None and cached[0] == stamp:
                return cached[1], stamp
            policy = repo.stage_policy(tenant_id)
            ranker = self._factory(repo.serving(tenant_id), f"{tenant_id}@{stamp}", policy)
            self._rankers[tenant_id] = (stamp, ranker)
            return ranker, stamp
