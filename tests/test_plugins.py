"""The connector registry sorts entry points by the Protocols they implement and never hides a bad one."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import httpx
import pytest
from fastapi.testclient import TestClient

from advisor.plugins import ENTRY_POINT_GROUP, EventSink, load_registry
from advisor.settings import RetryPolicy
from advisor.webhooks.delivery import WebhookSink


def ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_an_event_sink_is_filed_as_one() -> None:
    registry = load_registry(found=[ep("webhook", "advisor.webhooks.delivery:WebhookSink")])
    assert registry.event_sinks == {"webhook": WebhookSink}
    assert registry.context_sources == {}
    assert registry.pattern_sources == {}


async def test_webhook_sink_satisfies_the_protocol() -> None:
    async with httpx.AsyncClient() as http:
        sink = WebhookSink("https://x.example.com", "whsec_x", http, RetryPolicy())
        assert isinstance(sink, EventSink)


def test_an_object_that_implements_nothing_is_an_error() -> None:
    with pytest.raises(TypeError, match="implements no advisor connector Protocol"):
        load_registry(found=[ep("bogus", "advisor.webhooks.signing:sign")])


def test_an_entry_point_that_does_not_import_is_an_error() -> None:
    with pytest.raises(ModuleNotFoundError):
        load_registry(found=[ep("missing", "connectors.does_not_exist:Thing")])


def test_installed_connectors_load() -> None:
    load_registry()  # whatever is installed must load cleanly


def test_the_running_app_holds_the_installed_connectors(client: TestClient) -> None:
    registry = client.app_state["connectors"]
    assert {"zendesk_context", "salesforce_context"} <= set(registry.context_sources)
    assert "zendesk_patterns" in registry.pattern_sources
