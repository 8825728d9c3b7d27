"""POST/GET/DELETE /v1/webhooks: admins only, tenant-scoped, problem+json on bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import Keys, auth

URL = "/v1/webhooks"


def body(**overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"url": "https://crm.example.com/hooks", "events": ["feedback.recorded"]}
    value.update(overrides)
    return value


def subscribe(client: TestClient, secret: str, **overrides: Any) -> dict[str, Any]:
    response = client.post(URL, json=body(**overrides), headers=auth(secret))
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestCreateWebhook:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=body())
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    def test_wrong_role(self, client: TestClient, keys: Keys) -> None:
        assert client.post(URL, json=body(), headers=auth(keys.acme_agent)).status_code == 403
        assert client.post(URL, json=body(), headers=auth(keys.acme_lead)).status_code == 403

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            (body(url="ftp://x.example.com"), "url"),
            (body(url="not a url"), "url"),
            (body(events=[]), "events"),
            (body(events=["feedback.deleted"]), "events.0"),
            (body(events=["feedback.recorded", "feedback.recorded"]), "events"),
            (body(secret="mine"), "secret"),
        ],
    )
    def test_malformed(self, client: TestClient, keys: Keys, payload: dict[str, Any], field: str) -> None:
        response = client.post(URL, json=payload, headers=auth(keys.acme_admin))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field

    def test_oversized(self, client: TestClient, keys: Keys) -> None:
        long_url = "https://crm.example.com/" + "a" * 2100
        response = client.post(URL, json=body(url=long_url), headers=auth(keys.acme_admin))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "url"
        huge = client.post(URL, json=body(description="x" * 300_000), headers=auth(keys.acme_admin))
        assert huge.status_code == 413

    def test_valid(self, client: TestClient, keys: Keys) -> None:
        created = subscribe(client, keys.acme_admin, events=["feedback.recorded", "pattern.changed"])
        assert created["secret"].startswith("whsec_")
        assert created["events"] == ["feedback.recorded", "pattern.changed"]
        assert created["consecutive_failures"] == 0


class TestListWebhooks:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL).status_code == 401

    def test_wrong_role(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL, headers=auth(keys.acme_agent)).status_code == 403

    def test_other_tenant(self, client: TestClient, keys: Keys) -> None:
        subscribe(client, keys.acme_admin)
        assert client.get(URL, headers=auth(keys.globex_admin)).json() == {"items": []}

    def test_valid(self, client: TestClient, keys: Keys) -> None:
        created = subscribe(client, keys.acme_admin)
        [item] = client.get(URL, headers=auth(keys.acme_admin)).json()["items"]
        assert item["id"] == created["id"]
        assert item["pending"] == 0
        assert "secret" not in item


class TestDeleteWebhook:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        created = subscribe(client, keys.acme_admin)
        assert client.delete(f"{URL}/{created['id']}").status_code == 401

    def test_wrong_role(self, client: TestClient, keys: Keys) -> None:
        created = subscribe(client, keys.acme_admin)
        assert client.delete(f"{URL}/{created['id']}", headers=auth(keys.acme_lead)).status_code == 403

    def test_malformed(self, client: TestClient, keys: Keys) -> None:
        response = client.delete(f"{URL}/{'x' * 65}", headers=auth(keys.acme_admin))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "webhook_id"

    def test_other_tenant(self, client: TestClient, keys: Keys) -> None:
        created = subscribe(client, keys.acme_admin)
        response = client.delete(f"{URL}/{created['id']}", headers=auth(keys.globex_admin))
        assert response.status_code == 404
        assert len(client.get(URL, headers=auth(keys.acme_admin)).json()["items"]) == 1

    def test_valid(self, client: TestClient, keys: Keys) -> None:
        created = subscribe(client, keys.acme_admin)
        assert client.delete(f"{URL}/{created['id']}", headers=auth(keys.acme_admin)).status_code == 204
        assert client.get(URL, headers=auth(keys.acme_admin)).json() == {"items": []}
        assert client.delete(f"{URL}/{created['id']}", headers=auth(keys.acme_admin)).status_code == 404


def test_openapi_has_an_example_for_each_webhook_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    create = paths["/v1/webhooks"]["post"]
    assert create["requestBody"]["content"]["application/json"]["example"]["events"]
    assert "example" in create["responses"]["201"]["content"]["application/json"]
    assert "example" in paths["/v1/webhooks"]["get"]["responses"]["200"]["content"]["application/json"]
    assert "example" in paths["/demo/config"]["get"]["responses"]["200"]["content"]["application/json"]
