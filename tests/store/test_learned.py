"""Learned examples in the store on SQLite and PostgreSQL: migrations 0007 and 0010, what the ranker reads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, inspect, select

from advisor.bootstrap import build_ranker_factory
from advisor.learned.capture import text_key
from advisor.learned.models import MAX_APPROVED_PER_PATTERN, LearnedStatus
from advisor.patterns.files import load_patterns
from advisor.patterns.models import PatternSpec, Status
from advisor.patterns.service import add_patterns
from advisor.ranking.eligibility import StagePolicy
from advisor.store import Session
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.learned import LearnedExampleRepository
from advisor.store.migrate import alembic_config, upgrade
from advisor.store.patterns import PatternRepository
from advisor.store.tables.decisions import RecommendationRequestRow
from advisor.store.tables.learned import LearnedExampleRow
from advisor.store.tenancy import TenancyRepository
from advisor.utc import utcnow
from tests.builders import TEST_PACK
from tests.conftest import Database, make_settings

BEFORE_0007 = ["0002_governance", "0004_webhooks", "0005_metrics_coverage", "0006_pattern_flows"]


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    engine = make_engine(database.url)
    upgrade(engine)
    with make_sessionmaker(engine)() as s:
        TenancyRepository(s).ensure_tenant("acme")
        add_patterns(PatternRepository(s), "acme", load_patterns(TEST_PACK))
        s.commit()
        yield s
    engine.dispose()


def test_migration_0007_upgrades_a_store_that_has_served_requests(database: Database) -> None:
    engine = make_engine(database.url)
    for head in BEFORE_0007:
        upgrade(engine, head)
    old = MetaData()
    tenants = Table("tenants", old, autoload_with=engine)
    requests = Table("recommendation_requests", old, autoload_with=engine)
    assert "topic_text" not in requests.c
    with engine.begin() as conn:
        conn.execute(tenants.insert().values(id="acme", name="Acme", created_at=utcnow()))
        conn.execute(
            requests.insert().values(
                id="req-old",
                tenant_id="acme",
                interaction_id="i",
                agent_id="a",
                channel="chat",
                locale="en-US",
                context_hash="0" * 64,
                ranker_version="r",
                library_stamp=1,
                escalate=False,
                candidates=[],
                latency_ms=1.0,
                created_at=utcnow(),
            )
        )

    upgrade(engine)
    columns = {c["name"]: c for c in inspect(engine).get_columns("recommendation_requests")}
    assert columns["topic_text"]["nullable"] is True
    assert {"learned_examples", "learned_example_agents"} <= set(inspect(engine).get_table_names())
    with make_sessionmaker(engine)() as s:
        row = s.get(RecommendationRequestRow, "req-old")
        assert row is not None
        assert row.topic_text is None

    # this branch only: 0010 (the corrections count) sits on 0007, so both go
    command.downgrade(alembic_config(engine), "0007_learned_examples@-2")
    assert "learned_examples" not in inspect(engine).get_table_names()
    assert "topic_text" not in {c["name"] for c in inspect(engine).get_columns("recommendation_requests")}
    upgrade(engine)
    with make_sessionmaker(engine)() as s:
        assert s.scalar(select(RecommendationRequestRow.id)) == "req-old"
    engine.dispose()


def test_migration_0010_counts_corrections_from_zero(database: Database) -> None:
    engine = make_engine(database.url)
    upgrade(engine)
    with make_sessionmaker(engine)() as s:
        TenancyRepository(s).ensure_tenant("acme")
        pattern = load_patterns(TEST_PACK)[0]
        add_patterns(PatternRepository(s), "acme", [pattern])
        s.commit()
    command.downgrade(alembic_config(engine), "0010_learned_corrections@-1")  # this branch only
    assert "corrections" not in {c["name"] for c in inspect(engine).get_columns("learned_examples")}
    learned = Table("learned_examples", MetaData(), autoload_with=engine)
    with engine.begin() as conn:  # a candidate counted before the column existed
        conn.execute(
            learned.insert().values(
                tenant_id="acme",
                pattern_id=pattern.id,
                pattern_version=1,
                text="where is my parcel",
                text_key=text_key("where is my parcel"),
                status="pending",
                decisions=3,
                agents=2,
                first_seen=utcnow(),
                last_seen=utcnow(),
                created_at=utcnow(),
            )
        )
    upgrade(engine)
    with make_sessionmaker(engine)() as s:
        row = s.scalars(select(LearnedExampleRow)).one()
        assert (row.decisions, row.agents, row.corrections) == (3, 2, 0)
    engine.dispose()


def _learned(session: Session, pattern_id: str, text: str, status: LearnedStatus, decisions: int = 1) -> int:
    repo = LearnedExampleRepository(session)
    row = repo.add("acme", pattern_id, 1, text, text_key(text), utcnow())
    row.decisions = decisions
    if status is not LearnedStatus.pending:
        repo.set_status(row, "pending", status, "admin:test", None)
    session.commit()
    return row.id


def _serving(session: Session) -> dict[str, PatternSpec]:
    return {s.id: s for s in PatternRepository(session).serving("acme")}


def test_only_approved_examples_are_added_and_nothing_else_changes(session: Session) -> None:
    untouched = _serving(session)
    before = untouched["lost_package"]
    _learned(session, "lost_package", "the driver left it somewhere", LearnedStatus.approved)
    for status in (LearnedStatus.pending, LearnedStatus.rejected, LearnedStatus.withdrawn):
        _learned(session, "lost_package", f"a {status.value} text", status)
    _learned(session, "lost_package", "MY PACKAGE NEVER ARRIVED", LearnedStatus.approved)  # an own example
    after = _serving(session)["lost_package"]
    assert after.examples == [*before.examples, "the driver left it somewhere"]
    assert after.model_dump(exclude={"examples"}) == before.model_dump(exclude={"examples"})
    assert _serving(session)["refund_status"] == untouched["refund_status"]


def test_examples_are_bounded_per_pattern_most_confirmed_first(session: Session) -> None:
    for n in range(MAX_APPROVED_PER_PATTERN + 5):
        _learned(session, "lost_package", f"parcel story {n:02d}", LearnedStatus.approved, decisions=n)
    own = len(load_patterns(TEST_PACK)[0].examples)
    learned = _serving(session)["lost_package"].examples[own:]
    assert len(learned) == MAX_APPROVED_PER_PATTERN
    assert learned[0] == f"parcel story {MAX_APPROVED_PER_PATTERN + 4:02d}"
    assert "parcel story 00" not in learned


def test_a_pattern_that_does_not_serve_brings_no_examples(session: Session) -> None:
    _learned(session, "lost_package", "the driver left it somewhere", LearnedStatus.approved)
    repo = PatternRepository(session)
    head = repo.head("acme", "lost_package")
    assert head is not None
    repo.set_suspended(head, True, "carrier strike")
    session.commit()
    assert "lost_package" not in _serving(session)
    repo.set_suspended(head, False, None)
    row = repo.get_version("acme", "lost_package", 1)
    assert row is not None
    repo.set_status(row, Status.retired)
    repo.set_serving(head, None)
    session.commit()
    assert "lost_package" not in _serving(session)
    assert all("driver" not in e for spec in _serving(session).values() for e in spec.examples)
    stored = session.scalars(select(LearnedExampleRow.status)).all()
    assert stored == ["approved"]  # kept for when the pattern serves again


def test_a_full_library_pattern_with_learned_examples_still_builds_a_ranker(session: Session) -> None:
    """200 own examples (the API's maximum) plus the learned maximum pass the spec's validation and index."""
    spec = load_patterns(TEST_PACK)[1].model_copy(
        update={
            "version": 2,
            "examples": [f"refund question {n}" for n in range(200)],
            "status": Status.approved,
        }
    )
    PatternRepository(session).add_version("acme", spec)
    for n in range(MAX_APPROVED_PER_PATTERN):
        _learned(session, "refund_status", f"money back story {n}", LearnedStatus.approved)
    served = _serving(session)["refund_status"]
    assert (served.version, len(served.examples)) == (2, 200 + MAX_APPROVED_PER_PATTERN)
    factory = build_ranker_factory(make_settings("sqlite://"))
    ranker = factory(list(_serving(session).values()), "acme@test", StagePolicy())
    assert ranker.version
