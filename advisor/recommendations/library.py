"""Per-process cache of each tenant's ranker, rebuilt when the store's library stamp moves, and of
the acceptance book its rankings read (agents' decisions, folded in incrementally)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from advisor.feedback.acceptance import AcceptanceBook
from advisor.patterns.models import PatternSpec
from advisor.ranking.eligibility import StagePolicy
from advisor.ranking.rank import HybridRanker
from advisor.store.decisions import DecisionLog
from advisor.store.patterns import PatternRepository

logger = logging.getLogger("advisor")

RankerFactory = Callable[[list[PatternSpec], str, StagePolicy], HybridRanker]


class LibraryCache:
    """Holds one ranker per tenant, rebuilt when the tenant's library stamp moves."""

    def __init__(
        self,
        factory: RankerFactory,
        *,
        learn: bool = True,
        decisions_refresh_s: float = 2.0,
        on_reload: Callable[[], None] | None = None,
    ) -> None:
        self._factory = factory
        self._learn = learn
        self._refresh_s = decisions_refresh_s
        """How often agents' decisions are folded in; 0: before every request, never in the background."""
        self._rankers: dict[str, tuple[int, HybridRanker]] = {}
        self._books: dict[str, AcceptanceBook] = {}
        self._lock = threading.Lock()
        self._on_reload = on_reload

    def acceptance(self, tenant_id: str, log: DecisionLog) -> AcceptanceBook | None:
        """Return the tenant's acceptance book, brought up to date with the decision log (None when
        ranking does not learn from decisions)."""
        if not self._learn:
            return None
        book = self._books.get(tenant_id)
        if book is None:
            book = self._books.setdefault(tenant_id, AcceptanceBook(self._refresh_s))
        book.refresh(tenant_id, log)
        return book

    def in_memory(self, tenant_id: str, stamp: int) -> tuple[HybridRanker, AcceptanceBook | None] | None:
        """Return the tenant's ranker for ``stamp`` and its acceptance book when neither needs the store
        now (the usual request); None when the ranker must be built or the book read first. A book due
        for a refresh is returned as it is (the caller refreshes it in the background), unless decisions
        are folded in before every request (a refresh interval of 0)."""
        cached = self._rankers.get(tenant_id)
        if cached is None or cached[0] != stamp:
            return None
        if not self._learn:
            return cached[1], None
        book = self._books.get(tenant_id)
        if book is None or (book.due() and self._refresh_s == 0):
            return None
        return cached[1], book

    def warm(self, repo: PatternRepository, log: DecisionLog, limit: int, until: float) -> int:
        """Build the rankers and read the acceptance books of up to ``limit`` tenants, the most recently
        changed libraries first, until ``time.monotonic()`` passes ``until``; return how many were built.
        A library that fails is logged and left to its first request, as the ones not reached."""
        built = 0
        for tenant_id, stamp in repo.recently_changed(limit) if limit > 0 else []:
            if time.monotonic() > until:
                break
            try:
                self.ranker(tenant_id, repo, stamp)
                self.acceptance(tenant_id, log)
            except Exception:
                logger.exception("library of tenant %s not built at start-up", tenant_id)
                repo.session.rollback()
                continue
            built += 1
        return built

    def ranker(
        self, tenant_id: str, repo: PatternRepository, stamp: int | None = None
    ) -> tuple[HybridRanker, int]:
        """Return the tenant's ranker for the library at ``stamp`` (default: read from the store now)."""
        if stamp is None:
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
            if self._on_reload is not None:
                self._on_reload()
            return ranker, stamp
