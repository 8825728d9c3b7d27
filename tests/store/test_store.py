"""The store on SQLite and PostgreSQL: migrations, serving set, stamps, idempotent feedback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from advisor.patterns.files import load_patterns
from advisor.patterns.models import FlowStep, Status
from advisor.patterns.service import add_patterns
from advisor.store import Session
from advisor.store.decisions import DecisionLog
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.patterns import PatternRepository
from advisor.store.tables.base import Base
from advisor.store.tables.decisions import FeedbackEventRow, RecommendationRequestRow, RecommendationRow
from advisor.store.tenancy import TenancyRepository
from advisor.utc import utcnow
from tests.builders import TEST_PACK
from tests.conftest import Database


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    engine = make_engine(database.url)
    upgrade(engine)
    with make_sessionmaker(engine)() as s:
        yield s
    engine.dispose()


def test_migrations_create_every_table(database: Database) -> None:
    engine = make_engine(database.url)
    upgrade(engine)
    upgrade(engine)  # idempotent
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "tenants",
        "api_keys",
        "pattern_versions",
        "pattern_heads",
        "recommendations",
        "feedback_events",
        "recommendation_requests",
        "audit_log",
        "library_stamps",
    } <= names


def test_migrations_match_the_models(database: Database) -> None:
    """The schema Alembic builds is the one the code maps (no column, index or nullability drift)."""
    engine = make_engine(database.url)
    upgrade(engine)
    with engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert drift == []


def test_only_approved_current_versions_serve(session: Session) -> None:
    TenancyRepository(session).ensure_tenant("acme")
    repo = PatternRepository(session)
    specs = load_patterns(TEST_PACK)
    add_patterns(repo, "acme", specs)
    draft = specs[0].model_copy(update={"version": 2, "status": Status.draft, "body": "new wording"})
    repo.add_version("acme", draft)
    session.commit()
    serving = {s.id: s for s in repo.serving("acme")}
    assert serving[specs[0].id].version == 1
    assert len(serving) == len(specs)
    assert repo.serving("globex") == []
    # the picker's list is the same versions, by id, with their titles, owners and intents
    titles = repo.serving_titles("acme")
    assert [(pid, version) for pid, version, *_ in titles] == sorted(
        (s.id, s.version) for s in serving.values()
    )
    assert {pid: (title, owner, intents) for pid, _, title, owner, intents in titles} == {
        s.id: (s.title, s.owner, s.intents) for s in serving.values()
    }
    assert repo.serving_titles("globex") == []


def test_flows_are_stored(session: Session) -> None:
    TenancyRepository(session).ensure_tenant("acme")
    repo = PatternRepository(session)
    spec = load_patterns(TEST_PACK)[0]
    placed = spec.model_copy(
        update={"flows": [FlowStep(name="lost_parcel", step=2)], "collects": ["order.id", "customer.email"]}
    )
    repo.add_version("acme", placed)
    session.commit()
    stored = {s.id: s for s in repo.serving("acme")}[spec.id]
    assert stored.flows == [FlowStep(name="lost_parcel", step=2)]
    assert stored.collects == ["order.id", "customer.email"]


def test_stamp_moves_on_change(session: Session) -> None:
    TenancyRepository(session).ensure_tenant("acme")
    repo = PatternRepository(session)
    assert repo.stamp("acme") == 0
    first = repo.bump_stamp("acme")
    assert repo.bump_stamp("acme") == first + 1


def test_keys_are_hashed_and_revocable(session: Session) -> None:
    tenancy = TenancyRepository(session)
    tenancy.ensure_tenant("acme")
    row, secret = tenancy.create_key("acme", "agent", agent_id="a1")
    assert secret not in row.key_hash
    assert tenancy.find_active_key(secret) is not None
    tenancy.revoke(row)
    assert tenancy.find_active_key(secret) is None


def test_feedback_is_idempotent_per_client_event(session: Session) -> None:
    TenancyRepository(session).ensure_tenant("acme")
    add_patterns(PatternRepository(session), "acme", load_patterns(TEST_PACK))
    log = DecisionLog(session)
    request = RecommendationRequestRow(
        id="req-1",
        tenant_id="acme",
        interaction_id="i",
        agent_id="a",
        team_id=None,
        channel="chat",
        locale="en-US",
        context_hash="0" * 64,
        ranker_version="r",
        library_stamp=1,
        escalate=False,
        reason=None,
        candidates=[],
        latency_ms=1.0,
    )
    rec = RecommendationRow(
        id="rec-1",
        request_id="req-1",
        tenant_id="acme",
        interaction_id="i",
        agent_id="a",
        team_id=None,
        channel="chat",
        rank=1,
        pattern_id="lost_package",
        pattern_version=1,
        intent="lost_package",
        score=0.5,
        confidence=0.9,
        text="t",
        approved_text="t",
        unfilled=[],
        risk="low",
    )
    log.add_request(request, [rec])

    def event() -> FeedbackEventRow:
        return FeedbackEventRow(
            tenant_id="acme",
            client_event_id="e1",
            recommendation_id="rec-1",
            interaction_id="i",
            agent_id="a",
            team_id=None,
            channel="chat",
            pattern_id="lost_package",
            pattern_version=1,
            intent="lost_package",
            action="accepted",
            occurred_at=utcnow(),
        )

    first, created = log.add_feedback(event())
    again, created_again = log.add_feedback(event())
    session.commit()
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert len(log.feedback_for("acme", "rec-1")) == 1
