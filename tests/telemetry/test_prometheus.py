"""GET /metrics: what an operator's Prometheus scrapes after real traffic."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from advisor.app import create_app
from advisor.settings import Settings
from advisor.store.engine import make_engine
from advisor.store.migrate import upgrade
from tests.builders import Keys, auth, make_context, seed_tenants


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_counts_requests_outcomes_feedback_and_reloads(client: TestClient, keys: Keys) -> None:
    served = client.post("/v1/recommendations", json=make_context(), headers=auth(keys.acme_agent)).json()
    off_topic = make_context("what's the weather like in Paris tomorrow?")
    assert client.post("/v1/recommendations", json=off_topic, headers=auth(keys.acme_agent)).json()[
        "escalate"
    ]
    rec = served["recommendations"][0]["recommendation_id"]
    body = {"recommendation_id": rec, "client_event_id": "e-1", "action": "accepted"}
    assert client.post("/v1/feedback", json=body, headers=auth(keys.acme_agent)).status_code == 201
    assert client.post("/v1/feedback", json=body, headers=auth(keys.acme_agent)).status_code == 200  # resend
    assert client.get("/v1/patterns/nope", headers=auth(keys.acme_admin)).status_code == 404

    found = samples(client)
    assert value(found, "advisor_recommendations_total", outcome="suggested") == 1
    assert value(found, "advisor_recommendations_total", outcome="escalated") == 1
    assert value(found, "advisor_feedback_events_total", action="accepted") == 1  # the resend is not counted
    assert value(found, "advisor_library_reloads_total") == 1  # one tenant, library unchanged
    assert value(found, "advisor_ranking_duration_seconds_count") == 2
    route = {"method": "POST", "route": "/v1/recommendations", "status": "2xx"}
    assert value(found, "advisor_http_request_duration_seconds_count", **route) == 2
    # Route templates, not raw paths: a pattern id never becomes a label value.
    missing = {"method": "GET", "route": "/v1/patterns/{pattern_id}", "status": "4xx"}
    assert value(found, "advisor_http_request_duration_seconds_count", **missing) == 1
    assert not any("nope" in dict(labels).get("route", "") for _, labels in found)


def test_needs_no_key_and_exposes_no_tenant(client: TestClient, keys: Keys) -> None:
    client.post("/v1/recommendations", json=make_context(), headers=auth(keys.acme_agent))
    text = client.get("/metrics").text
    assert "acme" not in text
    assert "agent-1" not in text


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """A served app freezes the heap (``gc.freeze``); give the test process its collector back."""
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_a_served_process_builds_libraries_before_its_first_request(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    keys = seed_tenants(settings.database_url)  # acme and globex: two libraries in the store
    with TestClient(create_app(settings, served=True)) as served:
        assert value(samples(served), "advisor_library_reloads_total") == 2
        answer = served.post("/v1/recommendations", json=make_context(), headers=auth(keys.acme_agent))
        assert answer.json()["recommendations"]
        assert value(samples(served), "advisor_library_reloads_total") == 2  # served from memory
    one = settings.model_copy(update={"server": settings.server.model_copy(update={"warm_libraries": 1})})
    with TestClient(create_app(one, served=True)) as served:
        assert value(samples(served), "advisor_library_reloads_total") == 1
        served.post("/v1/recommendations", json=make_context(), headers=auth(keys.acme_agent))
        served.post("/v1/recommendations", json=make_context(), headers=auth(keys.globex_agent))
        assert value(samples(served), "advisor_library_reloads_total") == 2  # the other one, when asked
