"""Served requests reach the decision log through the batching writer without losing a decision:
feedback sent at once is never a 404 (same process or another), and shutdown writes what is queued."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from advisor.app import create_app
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.tables.decisions import RecommendationRequestRow, RecommendationRow
from tests.builders import auth, make_context, seed_tenants
from tests.conftest import Database, make_settings

SLOW_FLUSH = {"server": {"decision_flush_s": 0.4}}  # a wide batch window makes the race certain


def serve(client: TestClient, key: str) -> str:
    response = client.post("/v1/recommendations", json=make_context(), headers=auth(key))
    assert response.status_code == 200
    return str(response.json()["recommendations"][0]["recommendation_id"])


def feedback(client: TestClient, key: str, rec_id: str, event: str) -> int:
    body = {"recommendation_id": rec_id, "client_event_id": event, "action": "accepted"}
    return client.post("/v1/feedback", json=body, headers=auth(key)).status_code


def count(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        requests = session.scalar(select(func.count()).select_from(RecommendationRequestRow))
        suggestions = session.scalar(select(func.count()).select_from(RecommendationRow))
    engine.dispose()
    return int(requests or 0), int(suggestions or 0)


def test_feedback_at_once_waits_for_the_batch(database: Database) -> None:
    with TestClient(create_app(make_settings(database.url, **SLOW_FLUSH))) as client:
        keys = seed_tenants(database.url)
        rec_id = serve(client, keys.acme_agent)
        assert feedback(client, keys.acme_agent, rec_id, "e-1") == 201


def test_feedback_to_another_process_waits_for_the_batch(database: Database) -> None:
    with (
        TestClient(create_app(make_settings(database.url, **SLOW_FLUSH))) as first,
        TestClient(create_app(make_settings(database.url, **SLOW_FLUSH))) as second,
    ):
        keys = seed_tenants(database.url)
        rec_id = serve(first, keys.acme_agent)
        assert feedback(second, keys.acme_agent, rec_id, "e-1") == 201


def test_unknown_suggestion_is_still_a_404(database: Database) -> None:
    with TestClient(create_app(make_settings(database.url))) as client:
        keys = seed_tenants(database.url)
        assert feedback(client, keys.acme_agent, "no-such-id", "e-1") == 404


def test_shutdown_writes_what_is_queued(database: Database) -> None:
    settings = make_settings(database.url, server={"decision_flush_s": 5.0})
    with TestClient(create_app(settings)) as client:
        keys = seed_tenants(database.url)
        for _ in range(3):
            serve(client, keys.acme_agent)
        assert count(database.url) == (0, 0)  # still in the batch window
    requests, suggestions = count(database.url)
    assert requests == 3
    assert suggestions >= 3
