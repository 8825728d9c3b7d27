"""The app's own background drain delivers feedback events without the request waiting for it."""

from __future__ import annotations

import threading

import httpx
import pytest
import respx
from fastapi.testclient import TestClient

from advisor.app import create_app
from advisor.settings import Settings
from advisor.webhooks import verify_signature
from tests.builders import Keys, auth, make_context, seed_tenants
from tests.conftest import Database, make_settings

HOOK = "https://crm.example.com/advisor-events"


@pytest.fixture
def settings(database: Database) -> Settings:
    """The background drain on, polling often."""
    return make_settings(database.url, webhooks={"enabled": True, "poll_s": 0.05})


def test_feedback_reaches_the_subscriber_in_the_background(settings: Settings) -> None:
    delivered = threading.Event()
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        delivered.set()
        return httpx.Response(200)

    with respx.mock, TestClient(create_app(settings)) as client:
        respx.post(HOOK).mock(side_effect=receiver)
        keys: Keys = seed_tenants(settings.database_url)
        hook = {"url": HOOK, "events": ["feedback.recorded"]}
        secret = client.post("/v1/webhooks", json=hook, headers=auth(keys.acme_admin)).json()["secret"]
        recs = client.post("/v1/recommendations", json=make_context(), headers=auth(keys.acme_agent)).json()
        event = {
            "recommendation_id": recs["recommendations"][0]["recommendation_id"],
            "client_event_id": "bg-1",
            "action": "accepted",
        }
        assert client.post("/v1/feedback", json=event, headers=auth(keys.acme_agent)).status_code == 201
        assert delivered.wait(timeout=30), "the background drain did not deliver the event"
    [request] = received
    assert verify_signature(secret, request.content, request.headers["Advisor-Signature"])
