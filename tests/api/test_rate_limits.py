"""Per-key rate limits: off by default; when on, a key over its limit gets 429 + Retry-After, others go on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from advisor.app import create_app
from advisor.settings import Settings
from tests.builders import Keys, auth, seed_tenants
from tests.conftest import make_settings


@pytest.fixture
def limited(sqlite_url: str) -> Iterator[tuple[TestClient, Keys]]:
    settings = make_settings(sqlite_url, rate_limits={"enabled": True, "per_key": "3/minute"})
    with TestClient(create_app(settings)) as client:
        yield client, seed_tenants(settings.database_url)


def test_off_by_default(client: TestClient, keys: Keys, settings: Settings) -> None:
    assert settings.rate_limits.enabled is False
    statuses = {client.get("/v1/policy", headers=auth(keys.acme_lead)).status_code for _ in range(30)}
    assert statuses == {200}


def test_a_key_over_its_limit_gets_429_with_retry_after(limited: tuple[TestClient, Keys]) -> None:
    client, keys = limited
    for _ in range(3):
        assert client.get("/v1/policy", headers=auth(keys.acme_lead)).status_code == 200
    response = client.get("/v1/policy", headers=auth(keys.acme_lead))
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    body = response.json()
    assert (body["status"], body["type"]) == (429, "https://advisor.dev/problems/rate-limited")
    assert body["retry_after"] == int(response.headers["Retry-After"])


def test_other_keys_and_tenants_are_not_held_back(limited: tuple[TestClient, Keys]) -> None:
    client, keys = limited
    for _ in range(4):
        client.get("/v1/policy", headers=auth(keys.acme_lead))
    assert client.get("/v1/policy", headers=auth(keys.acme_admin)).status_code == 200
    assert client.get("/v1/policy", headers=auth(keys.globex_admin)).status_code == 200


def test_unknown_keys_are_refused_before_counting(limited: tuple[TestClient, Keys]) -> None:
    client, keys = limited
    for _ in range(5):
        assert client.get("/v1/policy", headers=auth("adv_not_a_key")).status_code == 401
    assert client.get("/v1/policy", headers=auth(keys.acme_lead)).status_code == 200


def test_a_malformed_rate_is_refused_at_start(sqlite_url: str) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        make_settings(sqlite_url, rate_limits={"enabled": True, "per_key": "many per hour"})
