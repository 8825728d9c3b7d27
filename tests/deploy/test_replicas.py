"""Stateless replicas on one PostgreSQL: a governance change made through one is served by the other."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from advisor.app import create_app
from tests.builders import Keys, auth, make_context, seed_tenants
from tests.conftest import Database, _postgres_schema, make_settings
from tests.servers import advisor_process

pytestmark = pytest.mark.postgres
PATTERN = "lost_package"


@pytest.fixture
def postgres() -> Iterator[Database]:
    yield from _postgres_schema()


def top_pattern(http: httpx.Client, base: str, secret: str) -> list[str]:
    answer = http.post(f"{base}/v1/recommendations", json=make_context(), headers=auth(secret))
    assert answer.status_code == 200
    return [r["pattern_id"] for r in answer.json()["recommendations"]]


def until(check: object, timeout_s: float = 20.0) -> float:
    """Poll ``check`` until it is true; return how long it took (fails after ``timeout_s``)."""
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < timeout_s, "the other replica never caught up"
        time.sleep(0.05)
    return time.monotonic() - started


def test_suspend_and_resume_through_one_replica_reach_the_other(postgres: Database, tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(postgres.url))):
        pass  # migrate
    keys: Keys = seed_tenants(postgres.url)
    with (
        advisor_process(postgres.url, tmp_path / "a.log") as a,
        advisor_process(postgres.url, tmp_path / "b.log") as b,
        httpx.Client(timeout=30) as http,
    ):
        # Both replicas have built their ranker for the library as it is.
        assert PATTERN in top_pattern(http, a.base, keys.acme_agent)
        assert PATTERN in top_pattern(http, b.base, keys.acme_agent)

        suspended = http.post(
            f"{a.base}/v1/patterns/{PATTERN}/suspend",
            json={"reason": "carrier strike"},
            headers=auth(keys.acme_lead),
        )
        assert suspended.status_code == 200
        until(lambda: PATTERN not in top_pattern(http, b.base, keys.acme_agent))

        resumed = http.post(
            f"{b.base}/v1/patterns/{PATTERN}/resume",
            json={"reason": "strike over"},
            headers=auth(keys.acme_lead),
        )
        assert resumed.status_code == 200
        until(lambda: PATTERN in top_pattern(http, a.base, keys.acme_agent))
