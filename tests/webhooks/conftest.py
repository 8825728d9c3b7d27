"""Webhook fixtures: the app without its background drain, so that tests run each round themselves."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from advisor.app import create_app
from advisor.settings import RetryPolicy, Settings, WebhookSettings
from advisor.store import Session, sessionmaker
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.webhooks import targets
from advisor.webhooks.dispatcher import WebhookDispatcher
from advisor.webhooks.targets import TargetPolicy, guarded_client
from tests.conftest import Database, make_settings

ZERO_WAIT = RetryPolicy(attempts=3, initial_wait=0.0, max_wait=0.0, retry_after_cap=0.0)
PUBLIC_ADDRESS = "93.184.216.34"


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A fake resolver (no test reaches real DNS): *.example.com is public unless a test says otherwise."""
    answers: dict[str, list[str]] = {}

    async def resolve(host: str, port: int) -> list[str]:
        if host in answers:
            return answers[host]
        if host.endswith(".example.com"):
            return [PUBLIC_ADDRESS]
        raise socket.gaierror(socket.EAI_NONAME, "unknown host")

    monkeypatch.setattr(targets, "resolve", resolve)
    return answers


@pytest.fixture
def settings(database: Database) -> Settings:
    """Settings on SQLite and PostgreSQL, with the app's own outbox drain switched off."""
    return make_settings(database.url, webhooks={"enabled": False})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The real app over the test store."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A session factory on the test store."""
    engine = make_engine(settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
async def dispatcher(factory: sessionmaker[Session], settings: Settings) -> AsyncIterator[WebhookDispatcher]:
    """A dispatcher with zero waits (a failed round is due again at once) on the guarded client."""
    policy = TargetPolicy(settings.webhooks.allow_targets)
    async with guarded_client(policy, httpx.Timeout(2.0)) as http:
        yield WebhookDispatcher(
            factory, http, ZERO_WAIT, WebhookSettings(backoff_initial_s=0.0, max_rounds=3)
        )
