"""The HTTP edge: oversized chunked bodies, strict types, TRACE, and problems declared in the OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import Keys, auth, make_context

PROBLEM = "application/problem+json"
NUMERIC_AT = [{"role": "customer", "text": "hi", "at": 1_700_000_000}]


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * size
        sent += size


def test_chunked_10_mb_body_is_413(client: TestClient, keys: Keys) -> None:
    headers = {**auth(keys.acme_agent), "Content-Type": "application/json"}
    response = client.post("/v1/recommendations", content=_chunks(10 * 1024 * 1024), headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"].endswith("payload-too-large")


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/v1/recommendations", make_context(k="3"), "k"),
        ("/v1/recommendations", make_context(k=True), "k"),
        (
            "/v1/recommendations",
            make_context(turns=[{"role": "customer", "text": "hi", "at": 1_700_000_000}]),
            "turns.0.at",
        ),
    ],
)
def test_numbers_and_times_are_what_they_are(
    client: TestClient, keys: Keys, url: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(url, json=body, headers=auth(keys.acme_agent))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_a_stringly_number_in_feedback_is_refused(client: TestClient, keys: Keys) -> None:
    served = client.post("/v1/recommendations", json=make_context(), headers=auth(keys.acme_agent))
    rec = served.json()["recommendations"][0]["recommendation_id"]
    body = {"recommendation_id": rec, "client_event_id": "e", "action": "shown", "time_to_decision_ms": "5"}
    response = client.post("/v1/feedback", json=body, headers=auth(keys.acme_agent))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "time_to_decision_ms"


@pytest.mark.parametrize(
    ("path", "field"),
    [("/v1/metrics/rates?to=0.5", "to"), ("/v1/audit?since=1700000000", "since")],
)
def test_a_number_is_not_a_date(client: TestClient, keys: Keys, path: str, field: str) -> None:
    response = client.get(path, headers=auth(keys.acme_admin))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert (
        client.get(path.split("=")[0] + "=2026-11-25T00:00:00Z", headers=auth(keys.acme_admin)).status_code
        == 200
    )


def test_trace_is_405_with_allow(client: TestClient, keys: Keys) -> None:
    response = client.request("TRACE", "/v1/recommendations", headers=auth(keys.acme_agent))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"].startswith(PROBLEM)


def test_openapi_declares_the_problems(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    missing = [
        (method, path, status)
        for path, operations in schema["paths"].items()
        if path.startswith("/v1/")
        for method, operation in operations.items()
        for status in ("400", "401", "403", "404", "409", "413", "422")
        if PROBLEM not in operation["responses"].get(status, {}).get("content", {})
    ]
    assert missing == []
