"""Governance use cases on SQLite and PostgreSQL: serving set, locks across sessions, policy, audit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from advisor.patterns import service
from advisor.patterns.lifecycle import StaleVersion, Transition
from advisor.patterns.models import RiskLevel
from advisor.patterns.schemas import PatternContent, PatternCreate, RollbackIn, TransitionIn
from advisor.ranking.eligibility import StagePolicy
from advisor.store.audit import AuditLog
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.patterns import PatternRepository
from advisor.store.policy import PolicyRepository
from advisor.store.tenancy import TenancyRepository
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.audit import AuditFilter
from advisor.tenancy.models import ApiRole, Principal
from tests.builders import make_pattern_body
from tests.conftest import Database

AUTHOR = Principal("acme", ApiRole.lead, "k1", team_id="team-a", agent_id="ann")
REVIEWER = Principal("acme", ApiRole.lead, "k2", team_id="team-a", agent_id="bob")


@pytest.fixture
def factory(database: Database) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database.url)
    upgrade(engine)
    made = make_sessionmaker(engine)
    with made() as session, session.begin():
        TenancyRepository(session).ensure_tenant("acme")
    yield made
    engine.dispose()


def gov(session: Session) -> service.Governance:
    return service.Governance(
        patterns=PatternRepository(session), audit=AuditLog(session), webhooks=WebhookRepository(session)
    )


def content(**overrides: Any) -> PatternContent:
    body = make_pattern_body(**overrides)
    del body["id"]
    return PatternContent.model_validate(body)


def approved_v1(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        g = gov(session)
        service.create_pattern(g, AUTHOR, PatternCreate.model_validate(make_pattern_body()))
        service.transition(g, AUTHOR, "late_parcel", 1, Transition.submit, TransitionIn(note="go"))
        service.transition(g, REVIEWER, "late_parcel", 1, Transition.approve, TransitionIn(note="ok"))


def test_serving_follows_approval_and_rollback(factory: sessionmaker[Session]) -> None:
    approved_v1(factory)
    with factory() as session, session.begin():
        g = gov(session)
        stamp = g.patterns.stamp("acme")
        service.new_version(g, REVIEWER, "late_parcel", content(title="v2"))
        assert [s.title for s in g.patterns.serving("acme")] == ["Parcel late: carrier trace"]
        service.transition(g, REVIEWER, "late_parcel", 2, Transition.submit, TransitionIn(note="go"))
        service.transition(g, AUTHOR, "late_parcel", 2, Transition.approve, TransitionIn(note="ok"))
        assert [s.version for s in g.patterns.serving("acme")] == [2]
        service.rollback(g, AUTHOR, "late_parcel", RollbackIn(version=1, note="back"))
        assert [s.version for s in g.patterns.serving("acme")] == [1]
        assert g.patterns.stamp("acme") == stamp + 2


def test_lock_is_checked_in_the_store_across_sessions(factory: sessionmaker[Session]) -> None:
    approved_v1(factory)
    first, second = factory(), factory()
    try:
        with first.begin():
            head = PatternRepository(first).head("acme", "late_parcel")
            assert head is not None
            seen = head.lock_version
            assert PatternRepository(first).claim("acme", "late_parcel", seen)
        with second.begin():
            assert not PatternRepository(second).claim("acme", "late_parcel", seen)
    finally:
        first.close()
        second.close()
    with factory() as session, session.begin(), pytest.raises(StaleVersion):
        service.new_version(gov(session), AUTHOR, "late_parcel", content(expected_lock_version=seen))


def test_policy_round_trip_and_audit_filters(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        repo = PolicyRepository(session)
        assert repo.get("acme") == StagePolicy()
        repo.put("acme", StagePolicy(allowed=frozenset({RiskLevel.low}), high_with_review=False), "admin:x")
    with factory() as session, session.begin():
        assert PolicyRepository(session).get("acme").allowed == frozenset({RiskLevel.low})
        log = AuditLog(session)
        for n in range(5):
            log.append("acme", f"a{n % 2}", "pattern.edit", "pattern", f"p{n}")
        assert len(list(log.stream("acme", AuditFilter(), batch=2))) == 5
        assert [r.subject_id for r in log.find("acme", AuditFilter(actor="a1"))] == ["p1", "p3"]
