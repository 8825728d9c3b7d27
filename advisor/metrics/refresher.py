"""Keep the metric roll-ups current: fold new feedback and requests in bounded, separately committed steps.

Reports call ``refresh_rollups`` before they read, and the service runs ``run_refresher`` in the background,
so that a report rarely finds more than a few seconds of backlog. A large backlog (after an import or an
outage) is folded ``step`` events at a time, each step in its own transaction: memory stays bounded, the
write lock is released between steps, and progress survives an interrupted request.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from advisor.metrics.coverage import refresh_coverage
from advisor.metrics.rollup import refresh
from advisor.store import Session, sessionmaker
from advisor.store.reports import ReportsRepository

logger = logging.getLogger("advisor.metrics")
STEP = 50_000


def refresh_rollups(
    factory: sessionmaker[Session], *, lag_s: float, coverage: bool = True, step: int = STEP
) -> None:
    """Fold every new feedback event into the outcome roll-up, and (``coverage``) every new request."""
    while True:
        with factory() as session, session.begin():
            folded = refresh(ReportsRepository(session), lag_s=lag_s, max_events=step)
        if folded.events < step or not folded.advanced:
            break
    if folded.events >= step:  # the cursor is held back by the lag: finish in one go
        with factory() as session, session.begin():
            refresh(ReportsRepository(session), lag_s=lag_s)
    if not coverage:
        return
    while True:
        with factory() as session, session.begin():
            covered = refresh_coverage(
                ReportsRepository(session), now=datetime.now(UTC), lag_s=lag_s, max_requests=step
            )
        if covered.requests < step or not covered.advanced:
            break
    if covered.requests >= step:
        with factory() as session, session.begin():
            refresh_coverage(ReportsRepository(session), now=datetime.now(UTC), lag_s=lag_s)


async def run_refresher(factory: sessionmaker[Session], *, lag_s: float, interval_s: float) -> None:
    """Refresh every roll-up every ``interval_s`` seconds until cancelled (in a worker thread)."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await asyncio.to_thread(refresh_rollups, factory, lag_s=lag_s)
        except Exception:
            # The store may be briefly unavailable or locked; the next round folds what this one missed.
            logger.exception("metric roll-up refresh failed")
