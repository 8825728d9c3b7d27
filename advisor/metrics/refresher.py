"""Keep the metric roll-ups current: fold new feedback and requests in bounded, separately committed steps.

Reports are read through ``ReportReader``, which folds before it reads, and the service runs
``run_refresher`` in the background, so that a report rarely finds more than a few seconds of backlog. A
large backlog (after an import or an outage) is folded ``step`` events at a time, each step in its own
transaction: memory stays bounded, the write lock is released between steps, and progress survives an
interrupted request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from advisor.metrics.coverage import refresh_coverage
from advisor.metrics.rollup import refresh
from advisor.store import Session, sessionmaker
from advisor.store.reports import ReportsRepository
from advisor.store.writer import DecisionWriter

logger = logging.getLogger("advisor.metrics")
STEP = 50_000
Fold = Callable[[ReportsRepository, int | None], tuple[int, bool]]
"""Fold up to ``limit`` new rows (None: all) into a roll-up; return how many, and whether the cursor moved."""
T = TypeVar("T")


def refresh_rollups(
    factory: sessionmaker[Session], *, lag_s: float, coverage: bool = True, step: int = STEP
) -> None:
    """Fold every new feedback event into the outcome roll-up, and (``coverage``) every new request."""

    def outcomes(reports: ReportsRepository, limit: int | None) -> tuple[int, bool]:
        folded = refresh(reports, lag_s=lag_s, max_events=limit)
        return folded.events, folded.advanced

    def requests(reports: ReportsRepository, limit: int | None) -> tuple[int, bool]:
        covered = refresh_coverage(reports, now=datetime.now(UTC), lag_s=lag_s, max_requests=limit)
        return covered.requests, covered.advanced

    _in_steps(factory, outcomes, step)
    if coverage:
        _in_steps(factory, requests, step)


def _in_steps(factory: sessionmaker[Session], fold: Fold, step: int) -> None:
    """Run ``fold`` ``step`` rows at a time, each step in its own transaction, until the backlog is read."""
    while True:
        with factory() as session, session.begin():
            done, advanced = fold(ReportsRepository(session), step)
        if done < step or not advanced:
            break
    if done >= step:  # the cursor is held back by the lag: finish in one go
        with factory() as session, session.begin():
            fold(ReportsRepository(session), None)


class ReportReader:
    """Runs reports on current roll-ups: what this process served is written and folded in first."""

    def __init__(self, factory: sessionmaker[Session], writer: DecisionWriter, *, lag_s: float) -> None:
        self.factory = factory
        self.writer = writer
        self.lag_s = lag_s

    def read(self, report: Callable[[ReportsRepository], T], *, coverage: bool = False) -> T:
        """Fold new feedback (with ``coverage``, new requests too), then run ``report`` in one transaction."""
        self.writer.drain()
        refresh_rollups(self.factory, lag_s=self.lag_s, coverage=coverage)
        with self.factory() as session, session.begin():
            return report(ReportsRepository(session))


async def run_refresher(factory: sessionmaker[Session], *, lag_s: float, interval_s: float) -> None:
    """Refresh every roll-up every ``interval_s`` seconds until cancelled (in a worker thread)."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await asyncio.to_thread(refresh_rollups, factory, lag_s=lag_s)
        except Exception:
            # The store may be briefly unavailable or locked; the next round folds what this one missed.
            logger.exception("metric roll-up refresh failed")
