"""EventSinkContract: what every ``EventSink`` must do; each implementation's tests subclass it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from advisor.plugins import Event, EventSink
from advisor.webhooks.models import EventType


def make_event(event_id: str = "evt-contract-1") -> Event:
    """Return a feedback event as sinks receive it."""
    return Event(
        id=event_id,
        type=EventType.feedback_recorded,
        created_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
        tenant_id="acme",
        data={"event_id": 1, "action": "accepted", "pattern_id": "lost_package"},
    )


class EventSinkContract:
    """Subclass and provide the three fixtures; every test here then runs against the implementation."""

    @pytest.fixture
    def sink(self) -> EventSink:
        """A sink whose receiver accepts events; ``self.accepted()`` returns the ids it received."""
        raise NotImplementedError

    @pytest.fixture
    def refusing_sink(self) -> EventSink:
        """A sink whose receiver refuses every event."""
        raise NotImplementedError

    @pytest.fixture
    def unreachable_sink(self) -> EventSink:
        """A sink whose receiver cannot be reached."""
        raise NotImplementedError

    def accepted(self) -> list[str]:
        """Return the event ids the accepting receiver got, in order."""
        raise NotImplementedError

    async def test_satisfies_the_protocol(self, sink: EventSink) -> None:
        assert isinstance(sink, EventSink)
        assert sink.name

    async def test_send_delivers_the_event_once(self, sink: EventSink) -> None:
        await sink.send(make_event("evt-a"))
        await sink.send(make_event("evt-b"))
        assert self.accepted() == ["evt-a", "evt-b"]

    async def test_refusal_raises(self, refusing_sink: EventSink) -> None:
        with pytest.raises(Exception):  # noqa: B017, PT011  (each sink has its own error type)
            await refusing_sink.send(make_event())

    async def test_check_passes_when_reachable(self, sink: EventSink) -> None:
        await sink.check()

    async def test_check_raises_when_unreachable(self, unreachable_sink: EventSink) -> None:
        with pytest.raises(Exception):  # noqa: B017, PT011
            await unreachable_sink.check()
