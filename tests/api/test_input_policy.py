"""One input policy: text a store cannot keep (NUL, unpaired surrogates) is a 422 naming the field.

The same on SQLite and PostgreSQL, for bodies, nested CRM values, query and path parameters; and SQL
parameters (customer text) never reach an error message or a log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from advisor.app import create_app
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.tables.decisions import FeedbackEventRow, RecommendationRequestRow
from advisor.utc import utcnow
from tests.builders import Keys, auth, make_context, seed_tenants
from tests.conftest import Database, make_settings

NUL = "a\x00b"
SURROGATE = "a\ud800b"
CUSTOMER_TEXT = "Dana lives at 12 Quay St"


@pytest.fixture
def app_on(database: Database) -> Iterator[tuple[TestClient, Keys]]:
    """The real app on either engine, with seeded tenants."""
    with TestClient(create_app(make_settings(database.url))) as client:
        yield client, seed_tenants(database.url)


def _post(client: TestClient, url: str, body: dict[str, Any], secret: str) -> Any:
    """POST ``body`` as JSON with non-ASCII escaped, as clients send lone surrogates (``\\ud800``)."""
    headers = {**auth(secret), "Content-Type": "application/json"}
    return client.post(url, content=json.dumps(body), headers=headers)


def _assert_names(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in response.json()["errors"]]
    assert field in fields, fields
    assert "NUL" in response.json()["detail"]


def _count(database: Database, table: Any) -> int:
    engine = make_engine(database.url)
    with make_sessionmaker(engine)() as session:
        count = session.scalar(select(func.count()).select_from(table)) or 0
    engine.dispose()
    return count


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"interaction_id": NUL}, "interaction_id"),
        ({"agent_id": "agent\x00-1"}, "agent_id"),
        ({"team_id": NUL}, "team_id"),
        ({"turns": [{"role": "customer", "text": NUL}]}, "turns.0.text"),
        ({"crm": {"customer": {"first_name": NUL}}}, "crm.customer.first_name"),
        ({"crm": {"order": {"id\x00": "A1"}}}, "crm.order"),
        ({"metadata": {"queue": SURROGATE}}, "metadata.queue"),
        ({"turns": [{"role": "customer", "text": SURROGATE}]}, "turns.0.text"),
    ],
)
def test_recommendation_fields(
    app_on: tuple[TestClient, Keys], database: Database, overrides: dict[str, Any], field: str
) -> None:
    client, keys = app_on
    response = _post(client, "/v1/recommendations", make_context(**overrides), keys.acme_agent)
    _assert_names(response, field)
    assert _count(database, RecommendationRequestRow) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"action": "edited", "final_text": NUL}, "final_text"),
        ({"action": "rejected", "reason": "other", "comment": NUL}, "comment"),
        ({"client_event_id": NUL}, "client_event_id"),
        ({"recommendation_id": NUL}, "recommendation_id"),
    ],
)
def test_feedback_fields(
    app_on: tuple[TestClient, Keys], database: Database, overrides: dict[str, Any], field: str
) -> None:
    client, keys = app_on
    served = client.post("/v1/recommendations", json=make_context(), headers=auth(keys.acme_agent))
    body = {
        "recommendation_id": served.json()["recommendations"][0]["recommendation_id"],
        "client_event_id": "desk-1",
        "action": "accepted",
    }
    response = _post(client, "/v1/feedback", {**body, **overrides}, keys.acme_agent)
    _assert_names(response, field)
    assert _count(database, FeedbackEventRow) == 0


@pytest.mark.parametrize(
    ("path", "role", "field"),
    [
        ("/v1/metrics/rates?agent=a%00b", "acme_admin", "agent"),
        ("/v1/audit?actor=a%00b", "acme_admin", "actor"),
        ("/v1/patterns/a%00b", "acme_agent", "pattern_id"),
        ("/v1/patterns?owner=%00", "acme_lead", "owner"),
    ],
)
def test_query_and_path_parameters(app_on: tuple[TestClient, Keys], path: str, role: str, field: str) -> None:
    client, keys = app_on
    _assert_names(client.get(path, headers=auth(getattr(keys, role))), field)


def test_webhook_description(app_on: tuple[TestClient, Keys]) -> None:
    client, keys = app_on
    body = {"url": "https://hooks.example.com/advisor", "events": ["feedback.recorded"], "description": NUL}
    _assert_names(client.post("/v1/webhooks", json=body, headers=auth(keys.acme_admin)), "description")
    assert client.get("/v1/webhooks", headers=auth(keys.acme_admin)).json()["items"] == []


def test_pattern_body(app_on: tuple[TestClient, Keys]) -> None:
    client, keys = app_on
    body = {"id": "p1", "title": "T", "body": "Hello", "intents": ["x"], "change_note": "n"}
    body["examples"] = ["fine", SURROGATE]
    _assert_names(_post(client, "/v1/patterns", body, keys.acme_lead), "examples.1")


def test_a_failing_insert_logs_no_customer_text(database: Database, caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(make_settings(database.url))):
        seed_tenants(database.url)
    engine = make_engine(database.url)
    row = FeedbackEventRow(
        tenant_id="acme",
        client_event_id="desk-1",
        recommendation_id="no-such-recommendation",  # a foreign key violation
        interaction_id="i",
        agent_id="agent-1",
        channel="chat",
        pattern_id="p",
        pattern_version=1,
        intent="x",
        action="edited",
        final_text=CUSTOMER_TEXT,
        occurred_at=utcnow(),
    )
    with make_sessionmaker(engine)() as session:
        session.add(row)
        with pytest.raises(IntegrityError) as failure:
            session.flush()
        logging.getLogger("advisor").error("insert failed", exc_info=failure.value)
        session.rollback()
    engine.dispose()
    assert "insert failed" in caplog.text
    assert "FOREIGN KEY" in caplog.text.upper()
    assert CUSTOMER_TEXT not in caplog.text
