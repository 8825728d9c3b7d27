"""Requests schemathesis found to crash the app (500), kept as regression tests: each is now a 422."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.builders import Keys, auth, make_pattern_body


def test_a_flow_listed_twice_is_a_422_naming_flows(client: TestClient, keys: Keys) -> None:
    flows = [{"name": "late_parcel", "step": 1}, {"name": "late_parcel", "step": 2}]
    body = make_pattern_body(flows=flows, owner="team-a")
    response = client.post("/v1/patterns", json=body, headers=auth(keys.acme_admin))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "flows"
    assert client.get("/v1/patterns/late_parcel", headers=auth(keys.acme_admin)).status_code == 404


@pytest.mark.parametrize("path", ["/v1/audit", "/v1/audit/export", "/v1/learned-examples"])
def test_a_page_cursor_beyond_64_bits_is_a_422(client: TestClient, keys: Keys, path: str) -> None:
    response = client.get(path, params={"after_id": 2**70}, headers=auth(keys.acme_admin))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "after_id"
