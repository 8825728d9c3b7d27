"""The feedback service publishes what it stores, whoever calls it (API, demo simulation)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from advisor.feedback.models import Action, FeedbackIn
from advisor.feedback.service import record
from advisor.store.decisions import DecisionLog
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.learned import LearnedExampleRepository
from advisor.store.migrate import upgrade
from advisor.store.tables.webhooks import WebhookDeliveryRow
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.models import ApiRole, Principal
from tests.builders import seed_tenants, subscribe_in_store
from tests.metrics.factory import EventFactory


def test_a_stored_event_is_published_once_and_a_resend_is_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'advisor.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_tenants(url)
    subscribe_in_store(url, "acme", ["feedback.recorded"])
    factory = EventFactory(url, "acme")
    rec_id = factory.suggestion()
    factory.close()
    agent = Principal("acme", ApiRole.agent, key_id="k", agent_id="agent-1")
    event = FeedbackIn(recommendation_id=rec_id, client_event_id="c-1", action=Action.accepted)
    sessions = make_sessionmaker(engine)
    for _ in range(2):
        with sessions() as session, session.begin():
            log = DecisionLog(session)
            record(event, agent, log, LearnedExampleRepository(session), WebhookRepository(session))
    with sessions() as session:
        payloads = [row.payload for row in session.scalars(select(WebhookDeliveryRow))]
    engine.dispose()
    assert [(p["type"], p["data"]["recommendation_id"]) for p in payloads] == [("feedback.recorded", rec_id)]
