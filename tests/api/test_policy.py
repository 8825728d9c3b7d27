"""The stage policy over HTTP: leads and admins read it, admins change it; audited, applied at once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.builders import Keys, auth, make_context, make_pattern_body

URL = "/v1/policy"
HIGH = "you will get a full refund and a goodwill voucher for the broken blender"


def served(client: TestClient, secret: str) -> list[str]:
    response = client.post("/v1/recommendations", json=make_context(HIGH, k=5), headers=auth(secret))
    return [r["pattern_id"] for r in response.json()["recommendations"]]


def approve_high(client: TestClient, keys: Keys, **overrides: Any) -> None:
    body = make_pattern_body(
        "goodwill_refund",
        body="{customer.first_name}, we'll refund the broken blender in full and add a voucher.",
        intents=["goodwill_refund"],
        examples=[
            "the blender arrived broken",
            "I want a refund for the broken blender",
            "broken blender refund",
        ],
        risk="high",
        **overrides,
    )
    assert client.post("/v1/patterns", json=body, headers=auth(keys.acme_lead)).status_code == 201
    note = {"note": "ok"}
    client.post("/v1/patterns/goodwill_refund/versions/1/submit", json=note, headers=auth(keys.acme_lead))
    done = client.post(
        "/v1/patterns/goodwill_refund/versions/1/approve", json=note, headers=auth(keys.acme_admin)
    )
    assert done.status_code == 200, done.text


class TestReadPolicy:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL).status_code == 401

    def test_agent_forbidden(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL, headers=auth(keys.acme_agent)).status_code == 403

    def test_walk_default(self, client: TestClient, keys: Keys) -> None:
        response = client.get(URL, headers=auth(keys.acme_lead))
        assert response.status_code == 200
        assert response.json()["allowed_risks"] == ["low", "medium"]
        assert response.json()["high_with_review"] is True


class TestPutPolicy:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.put(URL, json={"allowed_risks": ["low"]}).status_code == 401

    def test_lead_forbidden(self, client: TestClient, keys: Keys) -> None:
        response = client.put(URL, json={"allowed_risks": ["low"]}, headers=auth(keys.acme_lead))
        assert response.status_code == 403
        assert client.get(URL, headers=auth(keys.acme_lead)).json()["allowed_risks"] == ["low", "medium"]

    def test_malformed(self, client: TestClient, keys: Keys) -> None:
        bad = client.put(URL, json={"allowed_risks": ["extreme"]}, headers=auth(keys.acme_admin))
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"].startswith("allowed_risks")
        headers = {**auth(keys.acme_admin), "Content-Type": "application/json"}
        assert client.put(URL, content=b"{", headers=headers).status_code == 400

    def test_oversized(self, client: TestClient, keys: Keys) -> None:
        body = {"allowed_risks": ["low"] * 100_000}
        assert client.put(URL, json=body, headers=auth(keys.acme_admin)).status_code == 413

    def test_other_tenant_unaffected(self, client: TestClient, keys: Keys) -> None:
        client.put(URL, json={"allowed_risks": ["low"]}, headers=auth(keys.globex_admin))
        assert client.get(URL, headers=auth(keys.acme_admin)).json()["allowed_risks"] == ["low", "medium"]

    def test_high_risk_served_only_as_policy_allows(self, client: TestClient, keys: Keys) -> None:
        approve_high(client, keys)
        assert "goodwill_refund" not in served(client, keys.acme_agent)
        response = client.put(
            URL, json={"allowed_risks": ["low", "medium", "high"]}, headers=auth(keys.acme_admin)
        )
        assert response.status_code == 200
        assert response.json()["audit"][0]["before"]["allowed_risks"] == ["low", "medium"]
        assert "goodwill_refund" in served(client, keys.acme_agent)
        client.put(
            URL,
            json={"allowed_risks": ["low", "medium"], "high_with_review": True},
            headers=auth(keys.acme_admin),
        )
        assert "goodwill_refund" not in served(client, keys.acme_agent)

    def test_high_with_review(self, client: TestClient, keys: Keys) -> None:
        approve_high(client, keys, requires_review=True)
        assert "goodwill_refund" in served(client, keys.acme_agent)
        client.put(
            URL,
            json={"allowed_risks": ["low", "medium"], "high_with_review": False},
            headers=auth(keys.acme_admin),
        )
        assert "goodwill_refund" not in served(client, keys.acme_agent)
