"""POST /v1/replies over HTTP on SQLite and PostgreSQL: what an agent wrote on an escalated request."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select

from advisor.settings import Settings
from advisor.store.engine import make_engine
from advisor.store.migrate import alembic_config, upgrade
from advisor.store.tables.decisions import WrittenReplyRow
from tests.builders import Keys, auth, stored_rows
from tests.conftest import Database, make_settings
from tests.learned.steps import serve

URL = "/v1/replies"
OFF_TOPIC = "do you sell gift cards"
REPLY = "Yes, we sell gift cards from 10 to 200 pounds in every store and online."


@pytest.fixture
def settings(database: Database) -> Settings:
    """Settings on SQLite and PostgreSQL (both run on CI)."""
    return make_settings(database.url)


def escalated(client: TestClient, secret: str, **overrides: Any) -> str:
    response = serve(client, secret, OFF_TOPIC, **overrides)
    assert response["escalate"] is True
    return str(response["request_id"])


def send(client: TestClient, secret: str | None, body: Any) -> Any:
    return client.post(URL, json=body, headers=auth(secret) if secret else {})


def stored(settings: Settings) -> list[WrittenReplyRow]:
    return stored_rows(settings.database_url, select(WrittenReplyRow).order_by(WrittenReplyRow.id))


class TestReplies:
    def test_stored_once_and_a_resend_is_acknowledged(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        body = {"request_id": escalated(client, keys.acme_agent), "client_event_id": "r-1", "text": REPLY}
        first = send(client, keys.acme_agent, body)
        again = send(client, keys.acme_agent, body)
        assert first.status_code == 201, first.text
        assert again.status_code == 200
        assert again.json() == {**first.json(), "duplicate": True}
        [row] = stored(settings)
        assert (row.text, row.agent_id, row.team_id) == (REPLY, "agent-1", "team-a")

    def test_contact_data_is_redacted_on_write(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        text = "Write to cards@example.com and they will send a gift card today."
        body = {"request_id": escalated(client, keys.acme_agent), "client_event_id": "r-1", "text": text}
        assert send(client, keys.acme_agent, body).status_code == 201
        assert send(client, keys.acme_agent, body).status_code == 200  # the resend matches the redacted copy
        [row] = stored(settings)
        assert "cards@example.com" not in row.text
        assert "[EMAIL]" in row.text

    def test_a_request_with_suggestions_takes_feedback_instead(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        served = serve(client, keys.acme_agent, "my package never arrived")
        assert served["escalate"] is False
        response = send(
            client,
            keys.acme_agent,
            {"request_id": served["request_id"], "client_event_id": "r-1", "text": REPLY},
        )
        assert response.status_code == 409
        assert response.json()["field"] == "request_id"
        assert stored(settings) == []

    def test_an_event_id_reused_for_another_reply_is_409(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        request_id = escalated(client, keys.acme_agent)
        assert (
            send(
                client, keys.acme_agent, {"request_id": request_id, "client_event_id": "r-1", "text": REPLY}
            ).status_code
            == 201
        )
        other = send(
            client,
            keys.acme_agent,
            {"request_id": request_id, "client_event_id": "r-1", "text": "Something else."},
        )
        assert other.status_code == 409
        assert other.json()["field"] == "client_event_id"
        assert [r.text for r in stored(settings)] == [REPLY]


class TestRightsAndTenants:
    def test_unauthorised_another_agent_and_another_tenant(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        body = {"request_id": escalated(client, keys.acme_agent), "client_event_id": "r-1", "text": REPLY}
        assert send(client, None, body).status_code == 401
        someone_else = send(client, keys.acme_agent2, body)
        assert someone_else.status_code == 403
        assert someone_else.headers["content-type"] == "application/problem+json"
        assert send(client, keys.globex_agent, body).status_code == 404  # never another tenant's request
        assert stored(settings) == []

    def test_an_unknown_request_is_404(self, client: TestClient, keys: Keys) -> None:
        body = {"request_id": "00000000-0000-0000-0000-000000000000", "client_event_id": "r-1", "text": REPLY}
        response = send(client, keys.acme_agent, body)
        assert response.status_code == 404
        assert response.json()["field"] == "request_id"


class TestBadInput:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"text": ""}, "text"),
            ({"text": "   "}, "text"),
            ({"text": "x" * 8_001}, "text"),
            ({"client_event_id": ""}, "client_event_id"),
            ({"client_event_id": "x" * 129}, "client_event_id"),
            ({"surprise": True}, "surprise"),
            ({"occurred_at": "yesterday"}, "occurred_at"),
        ],
    )
    def test_malformed_and_oversized_bodies_store_nothing(
        self, change: dict[str, Any], field: str, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        body = {
            "request_id": escalated(client, keys.acme_agent),
            "client_event_id": "r-1",
            "text": REPLY,
            **change,
        }
        response = send(client, keys.acme_agent, body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert field in response.text
        assert stored(settings) == []


def test_migration_0011_round_trip(database: Database) -> None:
    engine = make_engine(database.url)
    upgrade(engine)
    assert "written_replies" in inspect(engine).get_table_names()
    command.downgrade(alembic_config(engine), "0011_written_replies@-1")  # this branch only
    assert "written_replies" not in inspect(engine).get_table_names()
    assert "recommendation_requests" in inspect(engine).get_table_names()  # the rest stays
    upgrade(engine)
    columns = {c["name"]: c for c in inspect(engine).get_columns("written_replies")}
    assert {"request_id", "client_event_id", "text", "occurred_at"} <= columns.keys()
    assert columns["text"]["nullable"] is False
    engine.dispose()
