"""``advisor demo seed`` fills the demo tenant through the real services, so the dashboard has numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from advisor.cli import app
from advisor.metrics import service
from advisor.metrics.models import Dimension, Filters
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.reports import ReportsRepository
from advisor.store.tables.decisions import FeedbackEventRow
from advisor.store.tables.learned import LearnedExampleRow


def test_seed_makes_a_living_month(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("ADVISOR_DATABASE_URL", url)
    monkeypatch.setenv("ADVISOR_PORT", "8123")  # where `advisor serve` listens
    result = CliRunner().invoke(app, ["demo", "seed", "--days", "4", "--per-day", "30"])
    assert result.exit_code == 0, result.output
    assert "open http://127.0.0.1:8123/dashboard and paste a lead key" in result.output
    assert "got a better version 2" in result.output
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        repo = ReportsRepository(session)
        agents = service.rates(repo, Filters("demo"), [Dimension.agent]).rows
        coverage = service.coverage(repo, Filters("demo"), []).rows[0]
        versions = service.versions(repo, Filters("demo"), 0.01).rows
        corrections = session.scalars(
            select(FeedbackEventRow.used_pattern_id).where(FeedbackEventRow.used_pattern_id.is_not(None))
        ).all()
        candidates = session.scalars(
            select(LearnedExampleRow.pattern_id).where(LearnedExampleRow.status == "pending")
        ).all()
    engine.dispose()
    # Agents name the reply they sent instead of a wrong-topic suggestion, so the review queue has
    # candidates of patterns the ranking missed, not only of those it got right.
    assert corrections
    assert set(corrections) & set(candidates)
    assert len(agents) >= 5
    assert len({round(a["acceptance_rate"] or 0, 2) for a in agents}) > 1  # different habits
    assert sum(a["edited"] for a in agents) > 0
    assert 0 < coverage["escalated"] < coverage["interactions"]
    assert any(v["pattern_version"] == 2 for v in versions)
