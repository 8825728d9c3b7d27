"""ZendeskContextSource: ticket + requester → CRM fields; errors an operator can act on; retries."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError

from advisor.errors import ConnectorError, InvalidInput
from advisor.plugins import ContextSource
from connectors.zendesk import ZendeskConfig, ZendeskContextSource
from tests.connectors.conftest import ZERO_WAIT, payload
from tests.contracts.context_source import ContextSourceContract

API = "https://acme.zendesk.com/api/v2"


def config(**overrides: Any) -> ZendeskConfig:
    values: dict[str, Any] = {
        "subdomain": "acme",
        "email": "sam@acme.example.com",
        "api_token": "tok-123",
        "segment_user_field": "loyalty_tier",
        "order_field_id": 27642,
        "retry": ZERO_WAIT,
    }
    values.update(overrides)
    return ZendeskConfig.model_validate(values)


@pytest.fixture
def zendesk() -> Iterator[respx.MockRouter]:
    """Strict mock: every route must be called, and any unmocked request fails the test."""
    with respx.mock(assert_all_called=True, assert_all_mocked=True) as router:
        yield router


def zendesk_json(name: str, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=payload("zendesk", name), headers=headers)


class TestZendeskContextContract(ContextSourceContract):
    known_interaction = "35436"
    unknown_interaction = "999"

    @staticmethod
    def fake_zendesk(request: httpx.Request) -> httpx.Response:
        """A tiny Zendesk: the documented payloads by path, 404 for anything else."""
        if request.headers.get("authorization") != config().authorization():
            return zendesk_json("error_401", 401)
        known = {
            "/api/v2/tickets/35436.json": "ticket",
            "/api/v2/users/20978392.json": "user",
            "/api/v2/users/me.json": "me",
        }
        name = known.get(request.url.path)
        return zendesk_json(name) if name else zendesk_json("error_404", 404)

    @pytest.fixture
    async def source(self, http: httpx.AsyncClient) -> AsyncIterator[ContextSource]:
        with respx.mock(assert_all_called=True, assert_all_mocked=True) as router:
            router.route(host="acme.zendesk.com").mock(side_effect=self.fake_zendesk)
            yield ZendeskContextSource(config(), http)

    @pytest.fixture
    async def refused_source(self, http: httpx.AsyncClient) -> AsyncIterator[ContextSource]:
        with respx.mock(assert_all_called=True, assert_all_mocked=True) as router:
            router.route(host="acme.zendesk.com").mock(side_effect=self.fake_zendesk)
            yield ZendeskContextSource(config(api_token="revoked"), http)

    @pytest.fixture
    async def unreachable_source(self, http: httpx.AsyncClient) -> AsyncIterator[ContextSource]:
        with respx.mock(assert_all_called=True, assert_all_mocked=True) as router:
            router.route(host="down.zendesk.com").mock(side_effect=httpx.ConnectError("refused"))
            yield ZendeskContextSource(config(subdomain="down"), http)


async def test_ticket_and_requester_map_to_customer_case_and_order(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    zendesk.get(f"{API}/tickets/35436.json").mock(return_value=zendesk_json("ticket"))
    zendesk.get(f"{API}/users/20978392.json").mock(return_value=zendesk_json("user"))

    fields = await ZendeskContextSource(config(), http).fetch("acme", "35436")

    assert fields == {
        "customer": {
            "first_name": "Dana",
            "last_name": "van der Berg",
            "email": "dana@example.com",
            "phone": "+31 20 555 0101",
            "segment": "platinum",
        },
        "case": {
            "id": "35436",
            "subject": "My parcel never arrived",
            "status": "open",
            "priority": "high",
            "type": "incident",
            "channel": "web",
        },
        "order": {"id": "A1001"},
    }


async def test_api_token_is_sent_as_zendesk_basic_auth(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = zendesk.get(f"{API}/users/me.json").mock(return_value=zendesk_json("me"))
    await ZendeskContextSource(config(), http).check()
    expected = base64.b64encode(b"sam@acme.example.com/token:tok-123").decode()
    assert route.calls.last.request.headers["authorization"] == f"Basic {expected}"


async def test_oauth_token_is_sent_as_bearer(zendesk: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = zendesk.get(f"{API}/users/me.json").mock(return_value=zendesk_json("me"))
    cfg = config(email=None, api_token=None, oauth_token="oauth-abc")
    await ZendeskContextSource(cfg, http).check()
    assert route.calls.last.request.headers["authorization"] == "Bearer oauth-abc"


async def test_segment_can_come_from_a_tag(zendesk: respx.MockRouter, http: httpx.AsyncClient) -> None:
    zendesk.get(f"{API}/tickets/35436.json").mock(return_value=zendesk_json("ticket"))
    zendesk.get(f"{API}/users/20978392.json").mock(return_value=zendesk_json("user"))
    cfg = config(segment_user_field=None, segment_tag_prefix="tier_")
    fields = await ZendeskContextSource(cfg, http).fetch("acme", "35436")
    assert fields["customer"]["segment"] == "gold"


async def test_missing_requester_fields_are_left_out_not_invented(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    zendesk.get(f"{API}/tickets/35436.json").mock(return_value=zendesk_json("ticket"))
    zendesk.get(f"{API}/users/20978392.json").mock(return_value=zendesk_json("user_sparse"))
    fields = await ZendeskContextSource(config(segment_tag_prefix="tier_"), http).fetch("acme", "35436")
    assert fields["customer"] == {"first_name": "Dana"}


async def test_deleted_requester_leaves_customer_empty(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    zendesk.get(f"{API}/tickets/35436.json").mock(return_value=zendesk_json("ticket"))
    zendesk.get(f"{API}/users/20978392.json").mock(return_value=zendesk_json("error_404", 404))
    fields = await ZendeskContextSource(config(), http).fetch("acme", "35436")
    assert fields["customer"] == {}
    assert fields["case"]["id"] == "35436"


async def test_requester_lookup_failure_is_not_hidden(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    zendesk.get(f"{API}/tickets/35436.json").mock(return_value=zendesk_json("ticket"))
    zendesk.get(f"{API}/users/20978392.json").mock(return_value=zendesk_json("error_401", 401))
    with pytest.raises(ConnectorError, match="refused the credentials"):
        await ZendeskContextSource(config(), http).fetch("acme", "35436")


async def test_unconfigured_order_field_gives_no_order(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    zendesk.get(f"{API}/tickets/35436.json").mock(return_value=zendesk_json("ticket"))
    zendesk.get(f"{API}/users/20978392.json").mock(return_value=zendesk_json("user"))
    fields = await ZendeskContextSource(config(order_field_id=None), http).fetch("acme", "35436")
    assert fields["order"] == {}


async def test_unknown_ticket_names_the_ticket(zendesk: respx.MockRouter, http: httpx.AsyncClient) -> None:
    zendesk.get(f"{API}/tickets/999.json").mock(return_value=zendesk_json("error_404", 404))
    with pytest.raises(ConnectorError, match=r"Zendesk has no ticket 999 \(HTTP 404\)") as caught:
        await ZendeskContextSource(config(), http).fetch("acme", "999")
    assert caught.value.extra["upstream_status"] == 404
    assert caught.value.status == 502


async def test_bad_credentials_say_so(zendesk: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = zendesk.get(f"{API}/tickets/35436.json").mock(return_value=zendesk_json("error_401", 401))
    with pytest.raises(ConnectorError, match="Zendesk refused the credentials") as caught:
        await ZendeskContextSource(config(), http).fetch("acme", "35436")
    assert "Couldn't authenticate you" in caught.value.detail
    assert "tok-123" not in caught.value.detail
    assert route.call_count == 1  # a 401 is not retried


async def test_rate_limit_is_retried_after_retry_after(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    attempts: list[httpx.Request] = []

    def limited_then_ok(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) < 3:
            return httpx.Response(429, headers={"Retry-After": "7"}, text="Rate limit exceeded")
        return zendesk_json("ticket")

    zendesk.get(f"{API}/tickets/35436.json").mock(side_effect=limited_then_ok)
    zendesk.get(f"{API}/users/20978392.json").mock(return_value=zendesk_json("user"))
    fields = await ZendeskContextSource(config(), http).fetch("acme", "35436")
    assert len(attempts) == 3
    assert fields["case"]["id"] == "35436"


async def test_rate_limit_that_never_lifts_is_a_connector_error(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = zendesk.get(f"{API}/tickets/35436.json").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "7"}, text="Rate limit exceeded")
    )
    with pytest.raises(ConnectorError, match="rate limit still exceeded") as caught:
        await ZendeskContextSource(config(), http).fetch("acme", "35436")
    assert route.call_count == ZERO_WAIT.attempts
    assert caught.value.extra["upstream_status"] == 429


async def test_server_error_then_success_is_retried(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = zendesk.get(f"{API}/users/me.json").mock(
        side_effect=[httpx.Response(503), httpx.ConnectTimeout("slow"), zendesk_json("me")]
    )
    await ZendeskContextSource(config(), http).check()
    assert route.call_count == 3


async def test_anonymous_sign_in_fails_the_check(zendesk: respx.MockRouter, http: httpx.AsyncClient) -> None:
    zendesk.get(f"{API}/users/me.json").mock(return_value=zendesk_json("me_anonymous"))
    with pytest.raises(ConnectorError, match="anonymous user"):
        await ZendeskContextSource(config(), http).check()


async def test_non_numeric_interaction_is_refused_without_a_call(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    with pytest.raises(InvalidInput, match="numbers"):
        await ZendeskContextSource(config(), http).fetch("acme", "../users/me")


def test_config_needs_exactly_one_kind_of_auth() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        config(oauth_token="also")
    with pytest.raises(ValidationError, match="exactly one"):
        config(email=None, api_token=None)
    with pytest.raises(ValidationError, match="go together"):
        config(email=None, oauth_token="x")


def test_config_never_shows_the_token() -> None:
    assert "tok-123" not in repr(config())
    assert "tok-123" not in config().model_dump_json()


async def test_a_plain_mapping_is_accepted_as_config(http: httpx.AsyncClient) -> None:
    source = ZendeskContextSource({"subdomain": "acme", "oauth_token": "x"}, http)
    assert source.config.base_url == "https://acme.zendesk.com"
