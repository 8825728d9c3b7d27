"""Keys and the library are served from each process's memory, yet a change made through one app instance
reaches another instance on the same store within about a second (the stamp poll), and at once in its own."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from advisor.app import create_app
from tests.api.test_keys import my_key_id
from tests.builders import Keys, auth, make_context, seed_tenants
from tests.conftest import Database, make_settings

DEADLINE_S = 10.0  # generous: the poll is 0.5 s; a slow machine must not fail the test


@pytest.fixture
def two(database: Database) -> Iterator[tuple[TestClient, TestClient, Keys]]:
    """Two app instances (as two processes would be) on one store, with the test tenants."""
    settings = make_settings(database.url)
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        yield first, second, seed_tenants(database.url)


def eventually(check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def served(client: TestClient, key: str) -> list[str]:
    response = client.post("/v1/recommendations", json=make_context(), headers=auth(key))
    assert response.status_code == 200
    return [r["pattern_id"] for r in response.json()["recommendations"]]


class TestAcrossInstances:
    def test_revoked_key_refused_by_the_other_instance(
        self, two: tuple[TestClient, TestClient, Keys]
    ) -> None:
        first, second, keys = two
        assert second.get("/v1/patterns", headers=auth(keys.acme_lead)).status_code == 200  # now cached
        key_id = my_key_id(first, keys.acme_admin, "lead", "team-a")

        assert first.post(f"/v1/keys/{key_id}/revoke", headers=auth(keys.acme_admin)).status_code == 200

        assert first.get("/v1/patterns", headers=auth(keys.acme_lead)).status_code == 401  # at once here
        assert eventually(lambda: second.get("/v1/patterns", headers=auth(keys.acme_lead)).status_code == 401)

    def test_rotated_key_refused_and_new_one_served(self, two: tuple[TestClient, TestClient, Keys]) -> None:
        first, second, keys = two
        assert second.get("/v1/patterns", headers=auth(keys.acme_lead)).status_code == 200
        key_id = my_key_id(first, keys.acme_admin, "lead", "team-a")

        new = first.post(f"/v1/keys/{key_id}/rotate", headers=auth(keys.acme_admin)).json()["secret"]

        assert eventually(lambda: second.get("/v1/patterns", headers=auth(keys.acme_lead)).status_code == 401)
        assert second.get("/v1/patterns", headers=auth(new)).status_code == 200

    def test_suspended_pattern_leaves_the_other_instance(
        self, two: tuple[TestClient, TestClient, Keys]
    ) -> None:
        first, second, keys = two
        assert "lost_package" in served(second, keys.acme_agent)
        body = {"reason": "carrier strike"}

        url = "/v1/patterns/lost_package/suspend"
        assert first.post(url, json=body, headers=auth(keys.acme_lead)).status_code == 200

        assert "lost_package" not in served(first, keys.acme_agent)  # at once here
        assert eventually(lambda: "lost_package" not in served(second, keys.acme_agent))
