"""Schemathesis against the app's own OpenAPI, in process, with an agent, a lead and an admin key.

Every generated request is sent once per role; no answer may be a 5xx, and a documented answer must
match its schema. Bounded for CI: a few derandomized examples per operation (seeded, repeatable).
Operations that would revoke or rotate the key under test are left out.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from advisor.app import create_app
from tests.builders import add_key, auth, seed_tenants
from tests.conftest import make_settings

EXAMPLES_PER_OPERATION = 10
KEYS: dict[str, str] = {}


# Loaded at collection (schemathesis' pytest plugin cannot take a fixture under pytest 9): the app is
# built over a fresh SQLite file; its lifespan runs when schemathesis fetches /openapi.json.
STORE = tempfile.TemporaryDirectory(prefix="advisor-fuzz-")
APP_SETTINGS = make_settings(
    f"sqlite:///{Path(STORE.name) / 'advisor.db'}",
    webhooks={"enabled": False},
    metrics={"refresh_interval_s": 0},
)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(APP_SETTINGS)).exclude(
    path_regex=r"^/v1/keys/\{key_id\}/(revoke|rotate)$"
)
# The coverage phase adds hundreds of boundary cases per operation: too slow for every CI run.
schema.config.phases.coverage.enabled = False


@pytest.fixture(scope="module", autouse=True)
def keys() -> None:
    """A seeded tenant (acme, team-a) with an agent, a lead and an admin key."""
    seeded = seed_tenants(APP_SETTINGS.database_url)
    KEYS.update(
        agent=seeded.acme_agent,
        lead=add_key(APP_SETTINGS.database_url, "acme", "lead", team_id="team-a", agent_id="lead-a"),
        admin=seeded.acme_admin,
    )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
)
def test_no_server_error_and_documented_shapes(case: Any) -> None:
    for role in ("agent", "lead", "admin"):
        case.call_and_validate(
            headers=auth(KEYS[role]), checks=[not_a_server_error, response_schema_conformance]
        )


def test_timestamps_carry_a_timezone() -> None:
    with TestClient(create_app(APP_SETTINGS)) as client:
        [key, *_] = client.get("/v1/keys", headers=auth(KEYS["admin"])).json()
    assert key["created_at"].endswith("Z")
