"""A savepoint's rows belong to the outer transaction: unseen before its commit, gone on its rollback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from advisor.app import create_app
from advisor.patterns.models import PatternSpec, Status
from advisor.store.decisions import DecisionLog
from advisor.store.engine import Engine, make_engine, make_sessionmaker
from advisor.store.patterns import PatternRepository
from advisor.store.tables.decisions import FeedbackEventRow, RecommendationRow
from advisor.store.tables.patterns import PatternVersionRow
from advisor.utc import utcnow
from tests.builders import auth, make_context, seed_tenants
from tests.conftest import Database, make_settings


@pytest.fixture
def engine(database: Database) -> Iterator[Engine]:
    """The store of a running app, seeded with tenants and one served suggestion."""
    with TestClient(create_app(make_settings(database.url))) as client:
        keys = seed_tenants(database.url)
        served = client.post("/v1/recommendations", json=make_context(), headers=auth(keys.acme_agent))
        assert served.status_code == 200, served.text
    engine = make_engine(database.url)
    yield engine
    engine.dispose()


def _feedback(rec: RecommendationRow) -> FeedbackEventRow:
    return FeedbackEventRow.on(rec, client_event_id="desk-savepoint", action="accepted", occurred_at=utcnow())


def _spec() -> PatternSpec:
    return PatternSpec(
        id="savepoint_probe",
        version=1,
        title="Probe",
        body="Hello {customer.first_name}.",
        intents=["probe"],
        owner="team-a",
        status=Status.draft,
        change_note="probe",
    )


def _feedback_count(engine: Engine) -> int:
    with make_sessionmaker(engine)() as other:
        query = select(func.count()).select_from(FeedbackEventRow)
        return other.scalar(query.where(FeedbackEventRow.client_event_id == "desk-savepoint")) or 0


def _pattern_count(engine: Engine) -> int:
    with make_sessionmaker(engine)() as other:
        query = select(func.count()).select_from(PatternVersionRow)
        return other.scalar(query.where(PatternVersionRow.pattern_id == "savepoint_probe")) or 0


def test_feedback_is_unseen_until_the_outer_commit_and_gone_on_its_rollback(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory() as session:
        session.begin()
        rec = session.scalars(select(RecommendationRow)).first()
        assert rec is not None
        _, created = DecisionLog(session).add_feedback(_feedback(rec))
        assert created
        assert _feedback_count(engine) == 0  # another connection does not see it yet
        session.rollback()
    assert _feedback_count(engine) == 0  # the outer rollback took it away


def test_new_pattern_is_unseen_until_the_outer_commit_and_gone_on_its_rollback(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory() as session:
        session.begin()
        assert PatternRepository(session).add_new_pattern("acme", _spec()) is not None
        assert _pattern_count(engine) == 0
        session.rollback()
    assert _pattern_count(engine) == 0


def test_feedback_lands_on_the_outer_commit(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory() as session, session.begin():
        rec = session.scalars(select(RecommendationRow)).first()
        assert rec is not None
        DecisionLog(session).add_feedback(_feedback(rec))
    assert _feedback_count(engine) == 1
