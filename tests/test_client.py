"""advisor.client against the real app (sync and async) and its retry layer (respx counts attempts)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send
from tenacity import RetryCallState, Retrying

from advisor.app import create_app
from advisor.client import (
    AdvisorAPIError,
    AdvisorClient,
    AdvisorConnectionError,
    AsyncAdvisorClient,
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from advisor.feedback.models import Action, FeedbackIn
from advisor.recommendations.models import RecommendationsResponse
from advisor.retrying import RetryableStatus, retry_after_seconds, wait_for
from advisor.settings import RetryPolicy, Settings
from tests.builders import Keys, make_context

ZERO = RetryPolicy(attempts=3, initial_wait=0.0, max_wait=0.0, retry_after_cap=0.0)
BASE = "https://advisor.test"
PROBLEM_503 = {"type": "https://advisor.dev/problems/unavailable", "title": "Unavailable", "status": 503}


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def keys(http: TestClient, settings: Settings) -> Keys:  # the app must have migrated the store first
    from tests.builders import seed_tenants

    return seed_tenants(settings.database_url)


def agent(http: TestClient, keys: Keys) -> AdvisorClient:
    return AdvisorClient(http=http, api_key=keys.acme_agent, retry=ZERO)


class TestSyncClientOnTheRealApp:
    def test_health(self, http: TestClient) -> None:
        client = AdvisorClient(http=http)
        assert client.health() == {"status": "ok"}
        assert client.ready()["status"] == "ready"

    def test_recommend_and_feedback(self, http: TestClient, keys: Keys) -> None:
        client = agent(http, keys)
        answer = client.recommend(make_context())
        assert isinstance(answer, RecommendationsResponse)
        rec = answer.recommendations[0]
        event = FeedbackIn(
            recommendation_id=rec.recommendation_id, client_event_id="c-1", action=Action.accepted
        )
        assert client.feedback(event).duplicate is False
        assert client.feedback(event).duplicate is True

    def test_a_reply_written_on_an_escalation(self, http: TestClient, keys: Keys) -> None:
        client = agent(http, keys)
        answer = client.recommend(make_context("do you sell gift cards"))
        assert answer.escalate is True
        body = {"request_id": answer.request_id, "client_event_id": "w-1", "text": "Yes, from 10 pounds."}
        assert client.reply(body).duplicate is False
        assert client.reply(body).duplicate is True
        with pytest.raises(ConflictError):  # a request with suggestions takes feedback instead
            client.reply(
                {**body, "request_id": client.recommend(make_context()).request_id, "client_event_id": "w-2"}
            )

    def test_anonymous_is_authentication_error(self, http: TestClient) -> None:
        with pytest.raises(AuthenticationError) as caught:
            AdvisorClient(http=http, retry=ZERO).recommend(make_context())
        assert caught.value.status == 401
        assert caught.value.type.endswith("/unauthorized")

    def test_unknown_recommendation_is_not_found(self, http: TestClient, keys: Keys) -> None:
        with pytest.raises(NotFoundError) as caught:
            agent(http, keys).feedback(
                {"recommendation_id": "nope", "client_event_id": "c", "action": "shown"}
            )
        assert caught.value.field == "recommendation_id"

    def test_reused_event_id_is_conflict(self, http: TestClient, keys: Keys) -> None:
        client = agent(http, keys)
        rec = client.recommend(make_context()).recommendations[0].recommendation_id
        client.feedback({"recommendation_id": rec, "client_event_id": "c-9", "action": "shown"})
        with pytest.raises(ConflictError):
            client.feedback({"recommendation_id": rec, "client_event_id": "c-9", "action": "accepted"})

    def test_agent_lists_what_serves_for_a_correction(self, http: TestClient, keys: Keys) -> None:
        client = agent(http, keys)
        assert [p.id for p in client.serving_patterns("lost_pack")] == ["lost_package"]
        assert len(client.serving_patterns(limit=1)) == 1
        with pytest.raises(InvalidInputError) as caught:
            client.serving_patterns("x" * 201)
        assert caught.value.field == "q"

    def test_wrong_role_and_server_side_validation(self, http: TestClient, keys: Keys) -> None:
        with pytest.raises(PermissionDeniedError):
            agent(http, keys).list_webhooks()
        admin = AdvisorClient(http=http, api_key=keys.acme_admin, retry=ZERO)
        with pytest.raises(InvalidInputError) as caught:
            admin.delete_webhook("x" * 65)
        assert caught.value.field == "webhook_id"

    def test_admin_endpoints(self, http: TestClient, keys: Keys) -> None:
        admin = AdvisorClient(http=http, api_key=keys.acme_admin, retry=ZERO)
        hook = admin.create_webhook({"url": "https://crm.example.com/h", "events": ["feedback.recorded"]})
        assert [w.id for w in admin.list_webhooks().items] == [hook.id]
        admin.delete_webhook(hook.id)
        assert admin.list_webhooks().items == []
        assert any(p.id == "lost_package" for p in admin.list_patterns())
        assert admin.get_pattern("lost_package").id == "lost_package"
        assert admin.list_versions("lost_package")[0].id == "lost_package"
        assert "lost_package" in admin.export_patterns("csv")
        assert {k.role.value for k in admin.list_keys()} >= {"admin", "agent"}
        assert admin.get_policy().allowed_risks
        assert isinstance(admin.audit(limit=10), list)
        lead = AdvisorClient(http=http, api_key=keys.acme_lead, retry=ZERO)
        assert isinstance(lead.metrics("rates", from_="2026-01-01"), dict | list)


def with_lifespan(app: FastAPI) -> Any:
    """Run the app's lifespan around an ASGI callable that hands its state to each request."""

    @asynccontextmanager
    async def running() -> AsyncIterator[Any]:
        async with app.router.lifespan_context(app) as state:

            async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
                scope["state"] = dict(state or {})
                await app(scope, receive, send)

            yield asgi

    return running()


class TestAsyncClientOnTheRealApp:
    async def test_recommend_and_feedback(self, app: FastAPI, settings: Settings) -> None:
        async with with_lifespan(app) as asgi:
            from tests.builders import seed_tenants

            keys = seed_tenants(settings.database_url)
            transport = httpx.ASGITransport(app=asgi)
            async with AsyncAdvisorClient("http://advisor", keys.acme_agent, transport=transport) as client:
                assert (await client.health())["status"] == "ok"
                answer = await client.recommend(make_context())
                rec = answer.recommendations[0].recommendation_id
                ack = await client.feedback(
                    {"recommendation_id": rec, "client_event_id": "a", "action": "shown"}
                )
                assert ack.action is Action.shown
                with pytest.raises(PermissionDeniedError):  # agents do not read the library
                    await client.get_pattern("lost_package")
                # ...but may list what serves now, to name the reply they sent instead
                assert "lost_package" in [p.id for p in await client.serving_patterns()]
                escalated = await client.recommend(make_context("do you sell gift cards"))
                body = {"request_id": escalated.request_id, "client_event_id": "w", "text": "Yes, we do."}
                assert (await client.reply(body)).duplicate is False


def counting(responses: list[httpx.Response]) -> tuple[list[httpx.Request], Any]:
    seen: list[httpx.Request] = []

    def side_effect(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return seen, side_effect


OK = {"status": "ok"}


class TestRetries:
    @respx.mock
    def test_429_and_503_are_retried_until_success(self) -> None:
        seen, effect = counting(
            [
                httpx.Response(503, json=PROBLEM_503),
                httpx.Response(429, headers={"Retry-After": "2"}),
                httpx.Response(200, json=OK),
            ]
        )
        respx.get(f"{BASE}/healthz").mock(side_effect=effect)
        assert AdvisorClient(BASE, retry=ZERO).health() == OK
        assert len(seen) == 3

    @respx.mock
    def test_gives_up_after_the_policy_attempts_with_a_typed_error(self) -> None:
        seen, effect = counting([httpx.Response(503, json={**PROBLEM_503, "detail": "store down"})])
        respx.get(f"{BASE}/healthz").mock(side_effect=effect)
        with pytest.raises(ServerError) as caught:
            AdvisorClient(BASE, retry=ZERO.model_copy(update={"attempts": 4})).health()
        assert len(seen) == 4
        assert (caught.value.status, caught.value.detail) == (503, "store down")

    @respx.mock
    def test_rate_limited_error_after_retries(self) -> None:
        seen, effect = counting([httpx.Response(429, headers={"Retry-After": "1"})])
        respx.get(f"{BASE}/healthz").mock(side_effect=effect)
        with pytest.raises(RateLimitedError):
            AdvisorClient(BASE, retry=ZERO).health()
        assert len(seen) == 3

    @respx.mock
    @pytest.mark.parametrize("status", [400, 500, 502])
    def test_other_errors_are_not_retried(self, status: int) -> None:
        seen, effect = counting([httpx.Response(status, json={"title": "x", "detail": "no"})])
        respx.get(f"{BASE}/healthz").mock(side_effect=effect)
        with pytest.raises(AdvisorAPIError) as caught:
            AdvisorClient(BASE, retry=ZERO).health()
        assert getattr(caught.value, "status", None) == status
        assert len(seen) == 1

    @respx.mock
    def test_refused_connection_is_retried_then_raised(self) -> None:
        route = respx.get(f"{BASE}/healthz").mock(side_effect=httpx.ConnectError("refused"))
        with pytest.raises(AdvisorConnectionError):
            AdvisorClient(BASE, retry=ZERO).health()
        assert route.call_count == 3

    @respx.mock
    async def test_async_client_retries_the_same_way(self) -> None:
        seen, effect = counting([httpx.Response(503), httpx.Response(200, json=OK)])
        respx.get(f"{BASE}/healthz").mock(side_effect=effect)
        async with AsyncAdvisorClient(BASE, retry=ZERO) as client:
            assert await client.health() == OK
        assert len(seen) == 2


class TestRetryAfter:
    def state_after(self, response: httpx.Response) -> RetryCallState:
        state = RetryCallState(Retrying(), None, (), {})
        state.attempt_number = 1
        exc = RetryableStatus(response)
        state.set_exception((type(exc), exc, None))
        return state

    def test_wait_honours_retry_after_up_to_the_cap(self) -> None:
        request = httpx.Request("GET", BASE)
        policy = RetryPolicy(initial_wait=0.1, max_wait=0.2, retry_after_cap=5.0)
        asked = httpx.Response(429, headers={"Retry-After": "3"}, request=request)
        assert wait_for(policy)(self.state_after(asked)) == 3.0
        greedy = httpx.Response(429, headers={"Retry-After": "120"}, request=request)
        assert wait_for(policy)(self.state_after(greedy)) == 5.0
        silent = httpx.Response(503, request=request)
        assert 0.0 <= wait_for(policy)(self.state_after(silent)) <= 0.3

    def test_retry_after_as_http_date(self) -> None:
        now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
        later = format_datetime(now + timedelta(seconds=7), usegmt=True)
        assert retry_after_seconds(httpx.Headers({"Retry-After": later}), now=now) == 7.0
        assert retry_after_seconds(httpx.Headers({"Retry-After": "soon"}), now=now) is None
