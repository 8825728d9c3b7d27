"""Roll-ups are kept current in bounded steps, by report requests and by the service in the background."""

from __future__ import annotations

import time
from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from advisor.app import create_app
from advisor.metrics.coverage import recount_coverage
from advisor.metrics.models import Filters
from advisor.metrics.refresher import ReportReader, refresh_rollups
from advisor.metrics.rollup import recount
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.reports import ReportsRepository
from advisor.store.tables.metrics import MetricDailyCoverageRow, MetricOutcomeRow
from advisor.store.writer import DecisionWriter
from tests.builders import seed_tenants
from tests.conftest import Database, make_settings
from tests.metrics.factory import EventFactory
from tests.metrics.scenario import seed_scenario


def _counts(url: str) -> tuple[Counter[str], int, int]:
    """Return (decisions in the roll-up, interactions in the coverage cube, interactions recounted)."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        decisions = Counter(dict(session.execute(
            select(MetricOutcomeRow.decision, func.count()).group_by(MetricOutcomeRow.decision)
        ).all()))  # fmt: skip
        cube = int(session.scalar(select(func.coalesce(func.sum(MetricDailyCoverageRow.n), 0))) or 0)
        requests = ReportsRepository(session).requests_page(None, None, 1_000_000)
    engine.dispose()
    return decisions, cube, len(recount_coverage(requests))


def test_small_steps_fold_everything(database: Database) -> None:
    engine = make_engine(database.url)
    upgrade(engine)
    seed_tenants(database.url)
    seed_scenario(database.url)
    refresh_rollups(make_sessionmaker(engine), lag_s=0, step=5)
    decisions, cube, interactions = _counts(database.url)
    with make_sessionmaker(engine)() as session:
        repo = ReportsRepository(session)
        events = repo.events_after(0, 1_000_000)
        texts = repo.rendered_texts({e.recommendation_id for e in events})
    engine.dispose()
    assert decisions == Counter(o.decision for o in recount(events, texts).values())
    assert decisions["ignored"] == 1
    assert sum(decisions.values()) > 5 * 5
    assert cube == interactions > 0


def test_the_service_refreshes_in_the_background(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, metrics={"refresh_interval_s": 0.2, "refresh_lag_s": 0})
    with TestClient(create_app(settings)):
        seed_tenants(sqlite_url)
        f = EventFactory(sqlite_url)
        f.decided("accepted")
        f.decided("rejected", reason="tone")
        f.close()
        deadline = time.monotonic() + 60  # generous: only a hung refresher fails this
        while time.monotonic() < deadline:
            decisions, cube, _ = _counts(sqlite_url)
            if sum(decisions.values()) == 2 and cube == 2:
                break
            time.sleep(0.1)
    assert decisions == Counter({"accepted": 1, "rejected": 1})
    assert cube == 2  # no report was asked for: the service folded them itself


def test_a_report_reads_what_was_folded_just_before(database: Database) -> None:
    engine = make_engine(database.url)
    upgrade(engine)
    seed_tenants(database.url)
    seed_scenario(database.url)
    factory = make_sessionmaker(engine)
    assert _counts(database.url)[:2] == (Counter(), 0)  # nothing folded yet
    writer = DecisionWriter(factory, 0.01)
    reader = ReportReader(factory, writer, lag_s=0)
    counts = reader.read(lambda reports: reports.outcome_counts(Filters("acme"), []))
    covered = reader.read(lambda reports: reports.coverage_counts(Filters("acme"), []), coverage=True)
    writer.close()
    with factory() as session:
        acme = session.scalar(select(func.count()).where(MetricOutcomeRow.tenant_id == "acme"))
    engine.dispose()
    _, cube, interactions = _counts(database.url)
    assert sum(c.n for c in counts) == acme > 0
    assert sum(c.n for c in covered) > 0
    assert cube == interactions
