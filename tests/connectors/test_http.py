"""The shared connector HTTP layer turns odd vendor answers into clear ``ConnectorError``s."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from advisor.errors import ConnectorError
from connectors._http import get_json
from tests.connectors.conftest import ZERO_WAIT

URL = "https://api.example.com/thing.json"


@pytest.fixture
def vendor() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=True, assert_all_mocked=True) as router:
        yield router


async def fetch(http: httpx.AsyncClient) -> dict[str, object]:
    return await get_json(
        http, URL, vendor="Acme", what="thing 1", authorization="Bearer t", policy=ZERO_WAIT
    )


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(200, text="<html>maintenance</html>"),
            "Acme answered thing 1 with a body that is not JSON",
        ),
        (httpx.Response(200, json=[1, 2]), "Acme answered thing 1 with JSON that is not an object"),
        (
            httpx.Response(403, json={"error": {"title": "Forbidden", "message": "You do not have access"}}),
            r"Acme credentials lack permission for thing 1 \(HTTP 403\) \(Forbidden: You do not have",
        ),
        (
            httpx.Response(418, text="short and stout"),
            r"Acme answered HTTP 418 for thing 1 \(short and stout\)",
        ),
    ],
)
async def test_odd_answers_are_named(
    vendor: respx.MockRouter, http: httpx.AsyncClient, response: httpx.Response, message: str
) -> None:
    vendor.get(URL).mock(return_value=response)
    with pytest.raises(ConnectorError, match=message):
        await fetch(http)


async def test_unreachable_vendor_after_retries(vendor: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = vendor.get(URL).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ConnectorError, match="could not reach Acme for thing 1: ConnectError"):
        await fetch(http)
    assert route.call_count == ZERO_WAIT.attempts


async def test_long_vendor_messages_are_cut(vendor: respx.MockRouter, http: httpx.AsyncClient) -> None:
    vendor.get(URL).mock(return_value=httpx.Response(400, json={"error": "x" * 5000}))
    with pytest.raises(ConnectorError) as caught:
        await fetch(http)
    assert len(caught.value.detail) < 300
