"""Privacy: stored conversation text is redacted by default, scrubbed after the retention period with
metrics unchanged, and one customer's interactions can be erased (admins, audited) without a trace."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from advisor.app import create_app
from advisor.privacy.service import scrub_expired
from advisor.settings import Settings
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.privacy import SCRUBBED
from advisor.store.tables.base import Base
from advisor.store.tables.decisions import (
    FeedbackEventRow,
    RecommendationRequestRow,
    RecommendationRow,
    WrittenReplyRow,
)
from advisor.utc import utcnow
from tests.builders import Keys, auth, make_context, seed_tenants
from tests.conftest import Database, make_settings

SECRET_TEXT = "reach me at dana.k@example.com or +44 7700 900123, card 4111 1111 1111 1111"
MESSAGE = "the driver left my package for order A1001 somewhere and I cannot find it"


@pytest.fixture
def settings(database: Database) -> Settings:
    """SQLite and PostgreSQL; metric roll-ups refreshed by the reports themselves."""
    return make_settings(database.url, metrics={"refresh_interval_s": 0, "refresh_lag_s": 0})


def decide(client: TestClient, keys: Keys, interaction: str, n: int = 1, text: str = MESSAGE) -> list[str]:
    """Serve one suggestion in ``interaction`` and record ``n`` decisions on it (accepted, then edited)."""
    body = make_context(text, interaction_id=interaction)
    recs = client.post("/v1/recommendations", json=body, headers=auth(keys.acme_agent)).json()
    rec_id = recs["recommendations"][0]["recommendation_id"]
    events = [{"action": "accepted"}] + [
        {"action": "edited", "final_text": f"Hi Dana, {SECRET_TEXT} ({i})"} for i in range(1, n)
    ]
    for i, event in enumerate(events):
        event |= {"recommendation_id": rec_id, "client_event_id": f"{interaction}-{i}"}
        assert client.post("/v1/feedback", json=event, headers=auth(keys.acme_agent)).status_code == 201
    return [rec_id]


def rates(client: TestClient, keys: Keys) -> Any:
    response = client.get("/v1/metrics/rates", headers=auth(keys.acme_admin))
    assert response.status_code == 200, response.text
    return response.json()


def dump(url: str) -> str:
    """Every value of every row of every table, as one string."""
    engine = make_engine(url)
    parts: list[str] = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            parts.extend(repr(tuple(row)) for row in conn.execute(select(table)))
    engine.dispose()
    return "\n".join(parts)


def final_texts(url: str) -> list[str | None]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        texts = list(session.scalars(select(FeedbackEventRow.final_text).order_by(FeedbackEventRow.id)))
    engine.dispose()
    return texts


class TestRedaction:
    def test_stored_text_is_redacted_by_default(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        decide(client, keys, "chat-1", n=2)
        stored = final_texts(settings.database_url)[1]
        assert stored is not None
        for secret in ("dana.k@example.com", "4111", "7700"):
            assert secret not in stored
        assert "[EMAIL]" in stored
        assert "Hi Dana" in stored
        assert "dana.k@example.com" not in dump(settings.database_url)

    def test_full_text_when_configured(self, database: Database) -> None:
        settings = make_settings(database.url, privacy={"redact_stored_text": False})
        with TestClient(create_app(settings)) as client:
            keys = seed_tenants(settings.database_url)
            decide(client, keys, "chat-1", n=2)
        assert SECRET_TEXT in (final_texts(settings.database_url)[1] or "")


class TestRetention:
    def test_old_text_goes_and_metrics_stay(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        decide(client, keys, "old-chat", n=3)
        engine = make_engine(settings.database_url)
        factory = make_sessionmaker(engine)
        long_ago = utcnow() - timedelta(days=40)
        with factory() as session, session.begin():
            session.execute(update(FeedbackEventRow).values(received_at=long_ago))
            session.execute(update(RecommendationRow).values(created_at=long_ago))
            session.execute(update(RecommendationRequestRow).values(created_at=long_ago))
        decide(client, keys, "new-chat", n=2)
        before = rates(client, keys)  # rolls every decision up
        assert scrub_expired(factory, retention_days=30) > 0
        with factory() as session:
            old = session.scalars(
                select(FeedbackEventRow.final_text).where(FeedbackEventRow.interaction_id == "old-chat")
            ).all()
            new = session.scalars(
                select(FeedbackEventRow.final_text).where(FeedbackEventRow.interaction_id == "new-chat")
            ).all()
            old_recs = session.scalars(
                select(RecommendationRow.text).where(RecommendationRow.interaction_id == "old-chat")
            ).all()
            topics = session.scalars(
                select(RecommendationRequestRow.topic_text).where(
                    RecommendationRequestRow.interaction_id == "old-chat"
                )
            ).all()
        engine.dispose()
        assert list(old) == [None, None, None]
        assert set(old_recs) == {SCRUBBED}
        assert set(topics) == {None}
        assert [t is not None for t in new] == [False, True]  # recent text is kept
        assert rates(client, keys) == before  # every figure is unchanged

    def test_old_written_replies_are_scrubbed(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        served = client.post(
            "/v1/recommendations", json=make_context("do you sell gift cards"), headers=auth(keys.acme_agent)
        ).json()
        reply = {
            "request_id": served["request_id"],
            "client_event_id": "r-old",
            "text": "Yes, from 10 pounds.",
        }
        assert client.post("/v1/replies", json=reply, headers=auth(keys.acme_agent)).status_code == 201
        engine = make_engine(settings.database_url)
        factory = make_sessionmaker(engine)
        with factory() as session, session.begin():
            session.execute(update(WrittenReplyRow).values(received_at=utcnow() - timedelta(days=40)))
        assert scrub_expired(factory, retention_days=30) > 0
        with factory() as session:
            texts = session.scalars(select(WrittenReplyRow.text)).all()
        engine.dispose()
        assert list(texts) == [SCRUBBED]

    def test_the_app_runs_retention_when_configured(self, database: Database) -> None:
        settings = make_settings(database.url, privacy={"retention_days": 1, "retention_check_s": 0.05})
        with TestClient(create_app(settings)) as client:
            keys = seed_tenants(settings.database_url)
            decide(client, keys, "old-chat", n=2)
            engine = make_engine(settings.database_url)
            with make_sessionmaker(engine)() as session, session.begin():
                session.execute(update(FeedbackEventRow).values(received_at=utcnow() - timedelta(days=2)))
            engine.dispose()
            for _ in range(100):
                if final_texts(settings.database_url) == [None, None]:
                    break
                time.sleep(0.05)
        assert final_texts(settings.database_url) == [None, None]


class TestErasure:
    def test_nothing_of_the_customer_remains(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        decide(client, keys, "cust-dana-1", n=3)
        decide(client, keys, "cust-dana-2", n=1)
        decide(client, keys, "cust-other", n=2, text="my parcel never arrived and tracking is stuck")
        before = rates(client, keys)
        assert "cust-dana-1" in dump(settings.database_url)
        body = {"interaction_ids": ["cust-dana-1", "cust-dana-2"], "note": "GDPR request 2026-117"}
        response = client.post("/v1/erasures", json=body, headers=auth(keys.acme_admin))
        assert response.status_code == 200, response.text
        erased = response.json()["erased"]
        assert (erased["feedback_events"], erased["requests"], erased["learned_examples"]) == (4, 2, 1)
        everything = dump(settings.database_url)
        for trace in ("cust-dana-1", "cust-dana-2", "the driver left my package"):
            assert trace not in everything, trace
        assert "cust-other" in everything  # another customer's data stays
        assert rates(client, keys) == before  # aggregates are unchanged
        [entry] = client.get(
            "/v1/audit", params={"action": "customer.erase"}, headers=auth(keys.acme_admin)
        ).json()
        assert entry["note"] == "GDPR request 2026-117"
        assert entry["after"]["erased"] == erased
        assert "cust-dana" not in str(entry)

    def test_what_an_agent_wrote_on_an_escalated_request_goes_too(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        for interaction in ("cust-gift", "cust-keep"):
            body = make_context("do you sell gift cards", interaction_id=interaction)
            served = client.post("/v1/recommendations", json=body, headers=auth(keys.acme_agent)).json()
            assert served["escalate"] is True
            reply = {
                "request_id": served["request_id"],
                "client_event_id": interaction,
                "text": f"Yes, {interaction}",
            }
            assert client.post("/v1/replies", json=reply, headers=auth(keys.acme_agent)).status_code == 201
        body = {"interaction_ids": ["cust-gift"], "note": "erasure"}
        response = client.post("/v1/erasures", json=body, headers=auth(keys.acme_admin))
        assert response.status_code == 200, response.text
        assert (response.json()["erased"]["written_replies"], response.json()["erased"]["requests"]) == (1, 1)
        everything = dump(settings.database_url)
        assert "Yes, cust-gift" not in everything
        assert "Yes, cust-keep" in everything

    def test_admins_only_and_own_tenant_only(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        decide(client, keys, "cust-dana-1")
        body = {"interaction_ids": ["cust-dana-1"], "note": "request"}
        for key in (keys.acme_agent, keys.acme_lead):
            response = client.post("/v1/erasures", json=body, headers=auth(key))
            assert response.status_code == 403
            assert response.headers["content-type"] == "application/problem+json"
        other = client.post("/v1/erasures", json=body, headers=auth(keys.globex_admin))
        assert other.status_code == 200
        assert set(other.json()["erased"].values()) == {0}
        assert "cust-dana-1" in dump(settings.database_url)

    @pytest.mark.parametrize(
        ("payload", "field"),
        [({"interaction_ids": [], "note": "x"}, "interaction_ids"), ({"interaction_ids": ["a"]}, "note")],
    )
    def test_malformed(self, client: TestClient, keys: Keys, payload: dict[str, Any], field: str) -> None:
        response = client.post("/v1/erasures", json=payload, headers=auth(keys.acme_admin))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field
