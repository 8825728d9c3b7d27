"""SSRF guard: internal webhook targets are refused at registration and at delivery, unless allow-listed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpcore
import httpx
import pytest
import respx
from fastapi.testclient import TestClient

from advisor.app import create_app
from advisor.settings import Settings, WebhookSettings
from advisor.store import Session, sessionmaker
from advisor.webhooks import verify_signature
from advisor.webhooks.delivery import NO_ANSWER, REFUSED
from advisor.webhooks.dispatcher import WebhookDispatcher
from advisor.webhooks.targets import TargetPolicy, TargetRefused, guarded_client
from tests.builders import Keys, auth, seed_tenants
from tests.conftest import make_settings
from tests.webhooks.conftest import ZERO_WAIT
from tests.webhooks.test_delivery import give_feedback, subscribe

INTERNAL_TARGETS = [
    ("http://127.0.0.1:8000/v1/keys", "loopback"),
    ("http://localhost:8000/v1/keys", "local machine"),
    ("http://LOCALHOST./", "local machine"),
    ("http://[::1]/", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://10.0.0.5/", "private"),
    ("http://172.16.3.4/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://[fd00::1]/", "private"),
    ("http://0.0.0.0:8000/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://100.64.0.1/", "reserved"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("http://metadata/", "metadata"),
    ("http://2130706433/", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://0177.0.0.1/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "IPv6 form of a loopback"),
    ("http://[::ffff:169.254.169.254]/", "IPv6 form of a link-local"),
]


class TestRegistration:
    @pytest.mark.parametrize(("url", "why"), INTERNAL_TARGETS)
    def test_internal_target_is_refused(self, client: TestClient, keys: Keys, url: str, why: str) -> None:
        body = {"url": url, "events": ["feedback.recorded"]}
        response = client.post("/v1/webhooks", json=body, headers=auth(keys.acme_admin))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        [error] = response.json()["errors"]
        assert error["field"] == "url"
        assert why in error["message"]
        assert client.get("/v1/webhooks", headers=auth(keys.acme_admin)).json() == {"items": []}

    @pytest.mark.parametrize("url", ["https://hooks.example.com/advisor", "https://93.184.216.34/hooks"])
    def test_public_target_is_accepted(self, client: TestClient, keys: Keys, url: str) -> None:
        body = {"url": url, "events": ["feedback.recorded"]}
        assert client.post("/v1/webhooks", json=body, headers=auth(keys.acme_admin)).status_code == 201

    @pytest.mark.parametrize(
        ("allow", "url"),
        [
            (["127.0.0.0/8"], "http://127.0.0.1:9000/hooks"),
            (["10.20.0.0/16"], "http://10.20.3.4/hooks"),
            (["fd00::/8"], "http://[fd00::5]/hooks"),
            (["hooks.internal"], "http://hooks.internal/advisor"),
        ],
    )
    def test_allow_list_admits_internal_receivers(self, sqlite_url: str, allow: list[str], url: str) -> None:
        settings = make_settings(sqlite_url, webhooks={"enabled": False, "allow_targets": allow})
        with TestClient(create_app(settings)) as client:
            keys = seed_tenants(settings.database_url)
            body = {"url": url, "events": ["feedback.recorded"]}
            assert client.post("/v1/webhooks", json=body, headers=auth(keys.acme_admin)).status_code == 201


class Receiver:
    """A real HTTP/1.1 receiver on 127.0.0.1 that answers 200 and keeps what it got."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        self.requests.append(head + await reader.readexactly(length))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every TCP connection the webhook client opens (and still open it)."""
    opened: list[str] = []
    original = httpcore.AnyIOBackend.connect_tcp

    async def connect_tcp(self: httpcore.AnyIOBackend, host: str, port: int, *args: Any) -> Any:
        opened.append(host)
        return await original(self, host, port, *args)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", connect_tcp)
    return opened


@pytest.fixture
async def make_dispatcher(
    factory: sessionmaker[Session],
) -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    def make(allow: list[str]) -> WebhookDispatcher:
        http = guarded_client(TargetPolicy(allow), httpx.Timeout(5.0))
        clients.append(http)
        return WebhookDispatcher(factory, http, ZERO_WAIT, WebhookSettings(backoff_initial_s=0.0))

    yield make
    for http in clients:
        await http.aclose()


def last_error(client: TestClient, keys: Keys) -> str | None:
    [item] = client.get("/v1/webhooks", headers=auth(keys.acme_admin)).json()["items"]
    return item["last_error"]


class TestDelivery:
    @pytest.mark.parametrize(
        "answer",
        [["10.0.0.7"], ["169.254.169.254"], ["::1"], ["::ffff:10.0.0.7"], ["93.184.216.34", "10.0.0.7"]],
    )
    async def test_name_resolving_to_internal_address_is_refused(
        self,
        client: TestClient,
        keys: Keys,
        dns: dict[str, list[str]],
        connects: list[str],
        make_dispatcher: Any,
        answer: list[str],
    ) -> None:
        subscribe(client, keys, "https://rebound.example.com/hooks")  # public at registration
        give_feedback(client, keys)
        dns["rebound.example.com"] = answer  # ...then it re-binds to an internal address
        assert await make_dispatcher([]).drain_once() == 0
        assert connects == []  # refused before any connection is opened
        assert last_error(client, keys) == REFUSED

    async def test_allow_list_lets_a_local_receiver_through(
        self,
        client: TestClient,
        keys: Keys,
        dns: dict[str, list[str]],
        connects: list[str],
        make_dispatcher: Any,
    ) -> None:
        receiver = Receiver()
        async with receiver as port:
            created = subscribe(client, keys, f"http://receiver.example.com:{port}/hooks")
            give_feedback(client, keys)
            dns["receiver.example.com"] = ["127.0.0.1"]
            assert await make_dispatcher([]).drain_once() == 0
            assert receiver.requests == []
            assert await make_dispatcher(["127.0.0.1/32"]).drain_once() == 1
        [raw] = receiver.requests
        head, _, body = raw.partition(b"\r\n\r\n")
        assert b"host: receiver.example.com" in head.lower()  # pinned address, original Host header
        signature = next(
            line.split(b":", 1)[1].strip().decode()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"advisor-signature:")
        )
        assert verify_signature(created["secret"], body, signature)
        assert connects == ["127.0.0.1"]

    async def test_network_failures_read_the_same(
        self, client: TestClient, keys: Keys, dispatcher: WebhookDispatcher
    ) -> None:
        subscribe(client, keys, "https://flaky.example.com/hooks")
        give_feedback(client, keys)
        errors = []
        for failure in (
            httpx.ConnectError("refused"),
            httpx.ConnectTimeout("filtered"),
            httpx.ReadTimeout("x"),
        ):
            with respx.mock:
                respx.post("https://flaky.example.com/hooks").mock(side_effect=failure)
                await dispatcher.drain_once()
            errors.append(last_error(client, keys))
        assert errors == [NO_ANSWER] * 3


class TestPolicy:
    @pytest.mark.parametrize(
        "host",
        ["127.1", "0x7f.1", "017700000001", "[::ffff:7f00:1]", "[2002:7f00:1::]", "[::]", "localhost."],
    )
    def test_legacy_and_embedded_forms_are_internal(self, host: str) -> None:
        with pytest.raises(TargetRefused):
            TargetPolicy().check_host(host)

    @pytest.mark.parametrize("host", ["93.184.216.34", "[2606:2800:220:1::]", "hooks.example.com"])
    def test_public_hosts_pass(self, host: str) -> None:
        TargetPolicy().check_host(host)

    async def test_unresolvable_name_is_a_connect_error_not_a_crash(self, dns: dict[str, list[str]]) -> None:
        with pytest.raises(httpcore.ConnectError):
            await TargetPolicy().addresses("nowhere.invalid", 443)


def test_the_app_delivers_only_through_the_guard(sqlite_url: str, dns: dict[str, list[str]]) -> None:
    """The app's own background drain refuses an internal target (no receiver needed)."""
    settings: Settings = make_settings(sqlite_url, webhooks={"enabled": True, "poll_s": 0.05})
    with TestClient(create_app(settings)) as client:
        keys = seed_tenants(settings.database_url)
        subscribe(client, keys, "https://inside.example.com/hooks")
        dns["inside.example.com"] = ["192.168.0.10"]
        give_feedback(client, keys)
        for _ in range(200):
            if last_error(client, keys) is not None:
                break
            time.sleep(0.05)
        assert last_error(client, keys) == REFUSED
