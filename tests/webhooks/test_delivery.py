"""Outbox → signed HTTP deliveries: payload shape, signature, retries, dead endpoint isolation."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import respx
from fastapi.testclient import TestClient

from advisor.settings import WebhookSettings
from advisor.store import Session, sessionmaker
from advisor.store.webhooks import WebhookRepository
from advisor.utc import utcnow
from advisor.webhooks import verify_signature
from advisor.webhooks.dispatcher import WebhookDispatcher
from advisor.webhooks.service import publish_pattern_change
from tests.builders import Keys, auth, make_context
from tests.webhooks.conftest import ZERO_WAIT

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "webhook"
HEALTHY = "https://healthy.example.com/hooks"
DEAD = "https://dead.example.com/hooks"


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


def subscribe(client: TestClient, keys: Keys, url: str, events: list[str] | None = None) -> dict[str, Any]:
    body = {"url": url, "events": events or ["feedback.recorded"]}
    response = client.post("/v1/webhooks", json=body, headers=auth(keys.acme_admin))
    assert response.status_code == 201
    return dict(response.json())


def give_feedback(client: TestClient, keys: Keys, n: int = 1, action: str = "accepted") -> list[int]:
    recs = client.post("/v1/recommendations", json=make_context(), headers=auth(keys.acme_agent)).json()
    rec_id = recs["recommendations"][0]["recommendation_id"]
    ids = []
    for i in range(n):
        event = {"recommendation_id": rec_id, "client_event_id": f"evt-{i}", "action": action}
        if action == "edited":
            event["final_text"] = "Hi Dana, we are on it."
        response = client.post("/v1/feedback", json=event, headers=auth(keys.acme_agent))
        assert response.status_code == 201
        ids.append(response.json()["event_id"])
    return ids


def counting(responses: list[httpx.Response], seen: list[httpx.Request]) -> Any:
    def side_effect(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return side_effect


class TestDelivery:
    async def test_payload_shape_and_signature(
        self, client: TestClient, keys: Keys, dispatcher: WebhookDispatcher
    ) -> None:
        sub = subscribe(client, keys, HEALTHY)
        [event_id] = give_feedback(client, keys, action="edited")
        seen: list[httpx.Request] = []
        with respx.mock:
            respx.post(HEALTHY).mock(
                side_effect=counting([httpx.Response(200, json=payload("receiver_ack.json"))], seen)
            )
            assert await dispatcher.drain_once() == 1
        [request] = seen
        body = json.loads(request.content)
        expected = payload("feedback_recorded.json")
        assert body.keys() == expected.keys()
        assert body["data"].keys() == expected["data"].keys()
        assert (body["type"], body["tenant_id"], body["data"]["event_id"]) == (
            "feedback.recorded",
            "acme",
            event_id,
        )
        assert body["data"]["action"] == "edited"
        assert body["data"]["final_text_chars"] == len("Hi Dana, we are on it.")
        assert "Dana" not in request.content.decode()  # free text stays in the process
        assert request.headers["Advisor-Event-Id"] == body["id"]
        assert verify_signature(sub["secret"], request.content, request.headers["Advisor-Signature"])
        assert not verify_signature("whsec_wrong", request.content, request.headers["Advisor-Signature"])

    async def test_delivered_once(
        self, client: TestClient, keys: Keys, dispatcher: WebhookDispatcher
    ) -> None:
        subscribe(client, keys, HEALTHY)
        give_feedback(client, keys, n=2)
        seen: list[httpx.Request] = []
        with respx.mock:
            respx.post(HEALTHY).mock(side_effect=counting([httpx.Response(204)], seen))
            assert await dispatcher.drain_once() == 2
            assert await dispatcher.drain_once() == 0
        assert len(seen) == 2
        assert len({r.headers["Advisor-Event-Id"] for r in seen}) == 2
        [item] = client.get("/v1/webhooks", headers=auth(keys.acme_admin)).json()["items"]
        assert (item["pending"], item["consecutive_failures"]) == (0, 0)

    async def test_retries_transient_failures(
        self, client: TestClient, keys: Keys, dispatcher: WebhookDispatcher
    ) -> None:
        subscribe(client, keys, HEALTHY)
        give_feedback(client, keys)
        seen: list[httpx.Request] = []
        flaky = [httpx.Response(503), httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200)]
        with respx.mock:
            respx.post(HEALTHY).mock(side_effect=counting(flaky, seen))
            assert await dispatcher.drain_once() == 1
        assert len(seen) == 3
        assert len({r.headers["Advisor-Event-Id"] for r in seen}) == 1  # same event id on every retry

    async def test_client_error_is_not_retried_within_a_round(
        self, client: TestClient, keys: Keys, dispatcher: WebhookDispatcher
    ) -> None:
        subscribe(client, keys, HEALTHY)
        give_feedback(client, keys)
        seen: list[httpx.Request] = []
        with respx.mock:
            respx.post(HEALTHY).mock(side_effect=counting([httpx.Response(400)], seen))
            assert await dispatcher.drain_once() == 0
        assert len(seen) == 1
        [item] = client.get("/v1/webhooks", headers=auth(keys.acme_admin)).json()["items"]
        assert (item["pending"], item["consecutive_failures"], item["last_error"]) == (
            1,
            1,
            "delivery failed: the receiver answered 4xx",
        )

    async def test_dead_endpoint_does_not_hold_back_healthy_one(
        self, client: TestClient, keys: Keys, dispatcher: WebhookDispatcher, factory: sessionmaker[Session]
    ) -> None:
        healthy = subscribe(client, keys, HEALTHY)
        dead = subscribe(client, keys, DEAD)
        give_feedback(client, keys, n=3)
        healthy_seen: list[httpx.Request] = []
        dead_seen: list[httpx.Request] = []

        def refuse(request: httpx.Request) -> httpx.Response:
            dead_seen.append(request)
            raise httpx.ConnectError("connection refused", request=request)

        with respx.mock:
            respx.post(HEALTHY).mock(side_effect=counting([httpx.Response(200)], healthy_seen))
            respx.post(DEAD).mock(side_effect=refuse)
            for _ in range(3):  # max_rounds=3 in the fixture
                await dispatcher.drain_once()
        assert len(healthy_seen) == 3
        # Each round tries only the oldest event of the dead URL, three attempts each (the retry policy).
        assert len(dead_seen) == 3 * 3
        assert {r.headers["Advisor-Event-Id"] for r in dead_seen} == {
            dead_seen[0].headers["Advisor-Event-Id"]
        }
        with factory() as session:
            repo = WebhookRepository(session)
            assert {d.status for d in repo.deliveries_for("acme", healthy["id"])} == {"delivered"}
            statuses = [d.status for d in repo.deliveries_for("acme", dead["id"])]
        assert statuses == ["failed", "pending", "pending"]  # later events are kept, not lost
        items = {
            i["id"]: i for i in client.get("/v1/webhooks", headers=auth(keys.acme_admin)).json()["items"]
        }
        assert items[dead["id"]]["consecutive_failures"] == 3
        assert items[healthy["id"]]["consecutive_failures"] == 0

    async def test_pattern_change_reaches_only_its_subscribers(
        self, client: TestClient, keys: Keys, dispatcher: WebhookDispatcher, factory: sessionmaker[Session]
    ) -> None:
        subscribe(client, keys, HEALTHY, events=["pattern.changed"])
        subscribe(client, keys, DEAD, events=["feedback.recorded"])
        with factory() as session, session.begin():
            publish_pattern_change(
                WebhookRepository(session), "acme", "lost_package", 2, "approved", "lead:x"
            )
        seen: list[httpx.Request] = []
        with respx.mock:
            respx.post(HEALTHY).mock(side_effect=counting([httpx.Response(200)], seen))
            assert await dispatcher.drain_once() == 1
        data = json.loads(seen[0].content)["data"]
        assert data == {"pattern_id": "lost_package", "version": 2, "change": "approved", "actor": "lead:x"}

    def test_nothing_is_queued_without_subscribers(
        self, client: TestClient, keys: Keys, factory: sessionmaker[Session]
    ) -> None:
        give_feedback(client, keys)
        with factory() as session:
            assert WebhookRepository(session).claim_due(utcnow(), utcnow(), 10) == []


async def test_finished_deliveries_are_pruned_after_retention(
    client: TestClient, keys: Keys, factory: sessionmaker[Session]
) -> None:
    subscribe(client, keys, HEALTHY)
    give_feedback(client, keys, n=2)
    now = utcnow()
    async with httpx.AsyncClient() as http:
        settings = WebhookSettings(backoff_initial_s=0.0, retention_days=1.0)
        today = WebhookDispatcher(factory, http, ZERO_WAIT, settings, clock=lambda: now)
        with respx.mock:
            respx.post(HEALTHY).mock(return_value=httpx.Response(200))
            assert await today.drain_once() == 2
        assert today.prune() == 0  # pruned at most once an hour
        later = WebhookDispatcher(factory, http, ZERO_WAIT, settings, clock=lambda: now + timedelta(days=2))
        assert later.prune() == 2
    with factory() as session:
        assert (
            WebhookRepository(session).deliveries_for(
                "acme", client.get("/v1/webhooks", headers=auth(keys.acme_admin)).json()["items"][0]["id"]
            )
            == []
        )
