"""WebhookSink passes the EventSink contract (respx stands in for the receiver)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from advisor.plugins import EventSink
from advisor.webhooks.delivery import WebhookSink
from tests.contracts.event_sink import EventSinkContract
from tests.webhooks.conftest import ZERO_WAIT

OK_URL = "https://receiver.example.com/ok"
REFUSING_URL = "https://receiver.example.com/refuse"
DOWN_URL = "https://down.example.com/hooks"


class TestWebhookSink(EventSinkContract):
    @pytest.fixture(autouse=True)
    def receiver(self) -> Iterator[respx.MockRouter]:
        self.received: list[httpx.Request] = []

        def accept(request: httpx.Request) -> httpx.Response:
            self.received.append(request)
            return httpx.Response(200)

        with respx.mock(assert_all_called=False) as router:
            router.post(OK_URL).mock(side_effect=accept)
            router.head(OK_URL).mock(return_value=httpx.Response(405))
            router.post(REFUSING_URL).mock(return_value=httpx.Response(410))
            router.head(DOWN_URL).mock(side_effect=httpx.ConnectError("refused"))
            yield router

    def accepted(self) -> list[str]:
        return [json.loads(r.content)["id"] for r in self.received]

    async def _sink(self, url: str) -> AsyncIterator[EventSink]:
        async with httpx.AsyncClient() as http:
            yield WebhookSink(url, "whsec_contract", http, ZERO_WAIT)

    @pytest.fixture
    async def sink(self) -> AsyncIterator[EventSink]:
        async for s in self._sink(OK_URL):
            yield s

    @pytest.fixture
    async def refusing_sink(self) -> AsyncIterator[EventSink]:
        async for s in self._sink(REFUSING_URL):
            yield s

    @pytest.fixture
    async def unreachable_sink(self) -> AsyncIterator[EventSink]:
        async for s in self._sink(DOWN_URL):
            yield s
