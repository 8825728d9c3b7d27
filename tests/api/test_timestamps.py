"""Every timestamp the API returns is UTC with a ``Z``, on SQLite (which keeps no zone) and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.app import create_app
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.migrate import upgrade
from advisor.store.tables.tenancy import TenantRow
from tests.builders import Keys, auth, make_pattern_body, seed_tenants
from tests.conftest import Database, make_settings

ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def _times(value: Any) -> list[str]:
    """Return every string in a JSON value that looks like a date-time."""
    if isinstance(value, str):
        return [value] if ISO_TIME.match(value) else []
    if isinstance(value, dict):
        return [t for item in value.values() for t in _times(item)]
    if isinstance(value, list):
        return [t for item in value for t in _times(item)]
    return []


@pytest.fixture
def app_on(database: Database) -> Iterator[tuple[TestClient, Keys]]:
    """The real app on either engine, seeded, with a key, a team, a webhook and a draft created over HTTP."""
    with TestClient(create_app(make_settings(database.url))) as client:
        keys = seed_tenants(database.url)
        admin = auth(keys.acme_admin)
        for url, body in (
            ("/v1/keys", {"role": "agent", "agent_id": "a-9"}),
            ("/v1/teams", {"id": "team-a", "name": "Team A"}),
            ("/v1/webhooks", {"url": "https://hooks.example.com/a", "events": ["pattern.changed"]}),
            ("/v1/patterns", make_pattern_body(owner="team-a")),
        ):
            response = client.post(url, json=body, headers=admin)
            assert response.status_code == 201, response.text
        yield client, keys


@pytest.mark.parametrize(
    "path",
    [
        "/v1/audit",
        "/v1/keys",
        "/v1/teams",
        "/v1/webhooks",
        "/v1/patterns/late_parcel?versions=true",
        "/v1/patterns/late_parcel/versions",
        "/v1/patterns/lost_package/versions",
    ],
)
def test_timestamps_are_utc_with_z(app_on: tuple[TestClient, Keys], path: str) -> None:
    client, keys = app_on
    response = client.get(path, headers=auth(keys.acme_admin))
    assert response.status_code == 200, response.text
    times = _times(response.json())
    assert times, "the listing returned no timestamps to check"
    assert [t for t in times if not t.endswith("Z")] == []


def test_a_time_with_an_offset_is_stored_as_the_same_instant(database: Database) -> None:
    engine = make_engine(database.url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    noon_in_paris = datetime(2026, 11, 25, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with factory() as session, session.begin():
        session.add(TenantRow(id="acme", name="Acme", created_at=noon_in_paris))
    with factory() as session:
        row = session.get(TenantRow, "acme")
        assert row is not None
        stored = row.created_at
    engine.dispose()
    assert (stored, stored.tzinfo) == (datetime(2026, 11, 25, 10, 0, tzinfo=UTC), UTC)
