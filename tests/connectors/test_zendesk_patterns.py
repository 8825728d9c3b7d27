"""ZendeskPatternSource: active macros (all pages) → draft patterns with advisor slots."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from advisor.errors import ConnectorError
from advisor.patterns.models import Status
from advisor.plugins import PatternSource
from connectors.zendesk import ZendeskConfig, ZendeskPatternSource, convert_placeholders, slug
from tests.connectors.conftest import ZERO_WAIT, payload

MACROS = "https://acme.zendesk.com/api/v2/macros/active.json"


def source(http: httpx.AsyncClient, **overrides: Any) -> ZendeskPatternSource:
    values: dict[str, Any] = {
        "subdomain": "acme",
        "oauth_token": "oauth-abc",
        "order_field_id": 27642,
        "owner": "care-ops",
        "retry": ZERO_WAIT,
    }
    values.update(overrides)
    return ZendeskPatternSource(ZendeskConfig.model_validate(values), http)


@pytest.fixture
def zendesk() -> Iterator[respx.MockRouter]:
    """Strict mock: every route must be called, and any unmocked request fails the test."""
    with respx.mock(assert_all_called=True, assert_all_mocked=True) as router:
        yield router


def two_pages(router: respx.MockRouter) -> tuple[respx.Route, respx.Route]:
    """Mock page 2 (``?page=2``, checked first) and page 1; return (page 1, page 2) routes."""
    page2 = router.get(MACROS, params={"page": "2"}).mock(
        return_value=httpx.Response(200, json=payload("zendesk", "macros_page2"))
    )
    page1 = router.get(MACROS).mock(return_value=httpx.Response(200, json=payload("zendesk", "macros_page1")))
    return page1, page2


async def test_all_pages_are_read_and_only_reply_macros_become_patterns(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    page1, page2 = two_pages(zendesk)
    importer = source(http)
    patterns = await importer.list_patterns()
    assert [p.id for p in patterns] == ["zendesk-macro-360001", "zendesk-macro-360003"]
    assert page1.call_count == 1
    assert page2.call_count == 1
    assert importer.skipped == {"360002": "sets no reply text"}


async def test_imported_macros_are_drafts_owned_by_the_configured_owner(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    two_pages(zendesk)
    patterns = await source(http).list_patterns()
    lost = patterns[0]
    assert lost.title == "Shipping::Lost package"
    assert lost.intents == ["shipping_lost_package"]
    assert lost.owner == "care-ops"
    assert lost.examples == []
    assert {p.status for p in patterns} == {Status.draft}


async def test_placeholders_with_a_slot_are_converted(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    two_pages(zendesk)
    lost = (await source(http).list_patterns())[0]
    assert lost.body == (
        "Hi {customer.first_name}, I'm sorry order {order.id} hasn't arrived. "
        "I've opened a trace with the carrier under case {case.id}.\n\n{agent.first_name}"
    )
    assert lost.slots == ["customer.first_name", "order.id", "case.id", "agent.first_name"]
    assert lost.requires_review is False
    assert lost.change_note == "Imported from Zendesk macro 360001."


async def test_html_reply_with_an_unmapped_placeholder_is_kept_and_flagged(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    two_pages(zendesk)
    refund = (await source(http).list_patterns())[1]
    assert refund.body == (
        "Hello {customer.first_name},\nYour refund for {{ticket.organization.name}} is on its way "
        "& should arrive within 5 days."
    )
    assert refund.requires_review is True
    assert refund.change_note is not None
    assert "{{ticket.organization.name}}" in refund.change_note
    assert refund.intents == ["billing_refund_issued"]


async def test_next_page_on_another_host_is_refused(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    page = payload("zendesk", "macros_page1") | {"next_page": "https://evil.example.com/steal"}
    zendesk.get(MACROS).mock(return_value=httpx.Response(200, json=page))
    with pytest.raises(ConnectorError, match="next_page points outside"):
        await source(http).list_patterns()


async def test_endless_pagination_stops_at_max_pages(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    page = payload("zendesk", "macros_page1")  # its next_page is ?page=2, which again says ?page=2
    route = zendesk.get(url__startswith=MACROS).mock(return_value=httpx.Response(200, json=page))
    with pytest.raises(ConnectorError, match="more than 3 pages"):
        await source(http, max_pages=3).list_patterns()
    assert route.call_count == 3


async def test_refused_credentials_are_a_connector_error(
    zendesk: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    zendesk.get(MACROS).mock(return_value=httpx.Response(401, json=payload("zendesk", "error_401")))
    with pytest.raises(ConnectorError, match="Zendesk refused the credentials"):
        await source(http).list_patterns()


async def test_satisfies_the_protocol(zendesk: respx.MockRouter, http: httpx.AsyncClient) -> None:
    zendesk.get("https://acme.zendesk.com/api/v2/users/me.json").mock(
        return_value=httpx.Response(200, json=payload("zendesk", "me"))
    )
    importer = source(http)
    assert isinstance(importer, PatternSource)
    await importer.check()


def test_placeholder_conversion_tolerates_spaces_and_flags_liquid() -> None:
    text = (
        "{{ ticket.requester.first_name }} {% if ticket.status == 'open' %}x{% endif %} "
        "{{ticket.requester.name}}"
    )
    converted, kept = convert_placeholders(text)
    assert converted.startswith("{customer.first_name} ")
    assert kept == ["{% if ticket.status == 'open' %}", "{% endif %}", "{{ticket.requester.name}}"]


def test_order_placeholder_needs_the_configured_field() -> None:
    assert convert_placeholders("{{ticket.ticket_field_27642}}") == (
        "{{ticket.ticket_field_27642}}",
        ["{{ticket.ticket_field_27642}}"],
    )
    assert convert_placeholders("{{ticket.ticket_field_27642}}", 27642) == ("{order.id}", [])


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Shipping::Lost package", "shipping_lost_package"),
        ("Rückerstattung – ok!", "ruckerstattung_ok"),
        ("日本", ""),
    ],
)
def test_slug(title: str, expected: str) -> None:
    assert slug(title) == expected
