"""Every report runs on both engines and gives the same, known numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from advisor.metrics import service
from advisor.metrics.models import Dimension, Filters, Thresholds
from advisor.metrics.refresher import refresh_rollups
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.reports import ReportsRepository
from tests.builders import seed_tenants
from tests.conftest import Database
from tests.metrics.scenario import seed_scenario

WEEK1 = (datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 9, tzinfo=UTC))
THRESHOLDS = Thresholds(5, 0.5, 0.8, 5, 0.35, 0.25)


def test_reports_on_both_engines(database: Database) -> None:
    engine = make_engine(database.url)
    upgrade(engine)
    seed_tenants(database.url)
    seed_scenario(database.url)
    refresh_rollups(make_sessionmaker(engine), lag_s=0)
    with make_sessionmaker(engine)() as session, session.begin():
        repo = ReportsRepository(session)
        acme = Filters("acme")
        week1 = Filters("acme", *WEEK1)
        rates = {r["agent"]: r for r in service.rates(repo, acme, [Dimension.agent]).rows}
        delay = service.delay(repo, Filters("acme", *WEEK1, agent="agent-1", pattern="lost_package"), []).rows
        by_day = service.delay(repo, acme, [Dimension.day, Dimension.channel]).rows
        edits = service.edits(repo, acme, 50, 3).rows
        coverage = {r["channel"]: r for r in service.coverage(repo, acme, [Dimension.channel]).rows}
        ready = {
            (r["pattern"], r["pattern_version"]): r["status"]
            for r in service.readiness(repo, acme, THRESHOLDS).rows
        }
        choices = service.choice_consistency(repo, week1, "team").rows
        outliers = service.outliers(repo, week1, 0.01).rows
        versions = service.versions(repo, Filters("acme", pattern="lost_package"), 0.01).rows
        corrections = service.corrections(repo, week1).rows
    engine.dispose()
    assert (rates["agent-1"]["shown"], rates["agent-2"]["rejected"]) == (32, 3)
    [d] = delay
    assert (d["n"], d["mean_ms"]) == (9, pytest.approx(42000 / 9, abs=0.1))
    assert d["p50_ms"] == pytest.approx(4000, rel=0.13)
    assert {(r["day"], r["channel"]) for r in by_day} >= {("2026-11-02", "email"), ("2026-11-09", "chat")}
    assert edits[0]["change"] == "~ 48 → 24"
    assert (coverage["voice"]["escalated"], coverage["chat"]["covered"]) == (1, 40)
    assert ready[("refund_status", 1)] == "ready"
    assert ready[("lost_package", 2)] == "weak"
    team_a = next(r for r in choices if r["team"] == "team-a" and r["intent"] == "lost_package")
    assert team_a["patterns_used"] == 2
    assert {r["agent"] for r in outliers} == {"agent-1", "agent-2", "agent-3"}
    assert [v["pattern_version"] for v in versions] == [1, 2]
    assert [(c["pattern"], c["used_pattern"], c["n"], c["agents"], c["rejections"]) for c in corrections] == [
        ("lost_package", "refund_status", 2, 1, 4)
    ]
