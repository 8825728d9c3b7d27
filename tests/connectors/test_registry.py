"""The installed connectors are found through the ``advisor.connectors`` entry points."""

from __future__ import annotations

import httpx

from advisor.plugins import ContextSource, PatternSource, load_registry
from connectors.salesforce import SalesforceContextSource
from connectors.zendesk import ZendeskContextSource, ZendeskPatternSource


async def test_connector_classes_are_registered_under_their_capability(http: httpx.AsyncClient) -> None:
    registry = load_registry()
    assert registry.context_sources["zendesk_context"] is ZendeskContextSource
    assert registry.pattern_sources["zendesk_patterns"] is ZendeskPatternSource
    assert "zendesk_context" not in registry.pattern_sources
    assert "zendesk_patterns" not in registry.context_sources
    assert registry.context_sources["salesforce_context"] is SalesforceContextSource

    config = {"subdomain": "acme", "oauth_token": "x"}
    assert isinstance(registry.context_sources["zendesk_context"](config, http), ContextSource)
    assert isinstance(registry.pattern_sources["zendesk_patterns"](config, http), PatternSource)
