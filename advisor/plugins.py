"""Connector Protocols (one per capability) and the entry-point registry that finds them.

Connectors register objects (usually factories) under the entry-point group ``advisor.connectors``;
advisor never imports ``connectors`` by name. A loaded object is sorted by the Protocols it satisfies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Protocol, runtime_checkable

from advisor.patterns.models import PatternSpec
from advisor.webhooks.models import WebhookEvent

ENTRY_POINT_GROUP = "advisor.connectors"

Event = WebhookEvent
"""A decision or governance event (``feedback.recorded``, ``pattern.changed``) as sinks receive it."""


@runtime_checkable
class ContextSource(Protocol):
    """Fetches CRM facts (customer, order, case) for an interaction."""

    name: str

    async def fetch(self, tenant_id: str, interaction_id: str) -> dict[str, dict[str, Any]]:
        """Return CRM fields grouped as ``{"customer": {...}, "order": {...}, "case": {...}}``."""
        ...

    async def check(self) -> None:
        """Raise when the source cannot be reached."""
        ...


@runtime_checkable
class PatternSource(Protocol):
    """Imports response patterns (e.g. macros) from another system."""

    name: str

    async def list_patterns(self) -> list[PatternSpec]:
        """Return the patterns as drafts to import."""
        ...

    async def check(self) -> None:
        """Raise when the source cannot be reached."""
        ...


@runtime_checkable
class EventSink(Protocol):
    """Receives decision and governance events; ``send`` raises when the event was not accepted."""

    name: str

    async def send(self, event: Event) -> None:
        """Deliver one event (idempotent on ``event.id`` at the receiver)."""
        ...

    async def check(self) -> None:
        """Raise when the sink cannot be reached."""
        ...


@dataclass
class Registry:
    """Connectors found through entry points, sorted by capability."""

    context_sources: dict[str, Callable[..., ContextSource]] = field(default_factory=dict)
    pattern_sources: dict[str, Callable[..., PatternSource]] = field(default_factory=dict)
    event_sinks: dict[str, Callable[..., EventSink]] = field(default_factory=dict)


def load_registry(group: str = ENTRY_POINT_GROUP, found: Iterable[EntryPoint] | None = None) -> Registry:
    """Load every entry point of ``group``; a broken plugin raises (no silent fallback).

    Each entry point names a class; it is filed under every Protocol its instances would satisfy,
    judged by the methods the class defines.
    """
    registry = Registry()
    for ep in entry_points(group=group) if found is None else found:
        target = ep.load()
        matched = False
        for proto, bucket in (
            (ContextSource, registry.context_sources),
            (PatternSource, registry.pattern_sources),
            (EventSink, registry.event_sinks),
        ):
            methods = [m for m in dir(proto) if not m.startswith("_") and callable(getattr(proto, m, None))]
            if all(callable(getattr(target, m, None)) for m in methods):
                bucket[ep.name] = target
                matched = True
        if not matched:
            raise TypeError(f"entry point '{ep.name}' ({ep.value}) implements no advisor connector Protocol")
    return registry
