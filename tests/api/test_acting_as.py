"""On the live path every role acts as itself: the key's person and team win, a claim of another is a 403."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from advisor.settings import Settings
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.tables.decisions import FeedbackEventRow, RecommendationRow
from tests.builders import Keys, add_key, auth, make_context

RECOMMEND = "/v1/recommendations"
FEEDBACK = "/v1/feedback"


def _rows(settings: Settings, table: Any, expect: int = 0) -> list[Any]:
    """The table's rows, once at least ``expect`` are there (the decision writer batches suggestions)."""
    engine = make_engine(settings.database_url)
    deadline = time.monotonic() + 10
    while True:
        with make_sessionmaker(engine)() as session:
            rows = list(session.scalars(select(table)))
        if len(rows) >= expect or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    engine.dispose()
    return rows


def _serve(client: TestClient, secret: str, **overrides: Any) -> Any:
    return client.post(RECOMMEND, json=make_context(**overrides), headers=auth(secret))


def _rejected(rec_id: str) -> dict[str, Any]:
    return {"recommendation_id": rec_id, "client_event_id": "e1", "action": "rejected", "reason": "policy"}


@pytest.fixture
def lead_sam(client: TestClient, keys: Keys, settings: Settings) -> str:
    """A lead of team-a who is the person 'sam'."""
    return add_key(settings.database_url, "acme", "lead", team_id="team-a", agent_id="sam")


@pytest.fixture
def admin_alice(client: TestClient, keys: Keys, settings: Settings) -> str:
    """An admin key that stands for the person 'alice' (no team)."""
    return add_key(settings.database_url, "acme", "admin", agent_id="alice")


class TestAgent:
    def test_as_itself(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        assert _serve(client, keys.acme_agent).status_code == 200
        assert {r.team_id for r in _rows(settings, RecommendationRow, expect=1)} == {"team-a"}

    def test_as_another_agent(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        response = _serve(client, keys.acme_agent, agent_id="agent-2")
        assert response.status_code == 403
        assert response.json()["field"] == "agent_id"
        assert _rows(settings, RecommendationRow) == []

    def test_claiming_another_team(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        response = _serve(client, keys.acme_agent, team_id="team-billing")
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == "team_id"
        assert _rows(settings, RecommendationRow) == []

    def test_without_team_records_the_keys_team(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        assert _serve(client, keys.acme_agent, team_id=None).status_code == 200
        assert {r.team_id for r in _rows(settings, RecommendationRow, expect=1)} == {"team-a"}


class TestLead:
    def test_as_itself(self, client: TestClient, lead_sam: str, settings: Settings) -> None:
        assert _serve(client, lead_sam, agent_id="sam").status_code == 200
        assert {r.agent_id for r in _rows(settings, RecommendationRow, expect=1)} == {"sam"}

    def test_as_an_agent_of_another_team(self, client: TestClient, lead_sam: str) -> None:
        response = _serve(client, lead_sam, agent_id="agent-billing", team_id="team-billing")
        assert response.status_code == 403

    def test_as_itself_claiming_another_team(self, client: TestClient, lead_sam: str) -> None:
        assert _serve(client, lead_sam, agent_id="sam", team_id="team-billing").status_code == 403

    def test_feedback_on_an_agents_suggestion(
        self, client: TestClient, keys: Keys, lead_sam: str, settings: Settings
    ) -> None:
        rec = _serve(client, keys.acme_agent).json()["recommendations"][0]["recommendation_id"]
        response = client.post(FEEDBACK, json=_rejected(rec), headers=auth(lead_sam))
        assert response.status_code == 403
        assert _rows(settings, FeedbackEventRow) == []

    def test_key_standing_for_nobody(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        response = _serve(client, keys.acme_lead)  # a lead key created without an agent id or owner
        assert response.status_code == 403
        assert "stands for no person" in response.json()["detail"]
        assert _rows(settings, RecommendationRow) == []


class TestAdmin:
    def test_as_itself(self, client: TestClient, admin_alice: str, settings: Settings) -> None:
        assert _serve(client, admin_alice, agent_id="alice", team_id="team-a").status_code == 200
        assert {(r.agent_id, r.team_id) for r in _rows(settings, RecommendationRow, expect=1)} == {
            ("alice", "team-a")
        }

    def test_as_an_agent(self, client: TestClient, admin_alice: str) -> None:
        assert _serve(client, admin_alice).status_code == 403

    def test_feedback_on_an_agents_suggestion(
        self, client: TestClient, keys: Keys, admin_alice: str, settings: Settings
    ) -> None:
        rec = _serve(client, keys.acme_agent).json()["recommendations"][0]["recommendation_id"]
        response = client.post(FEEDBACK, json=_rejected(rec), headers=auth(admin_alice))
        assert response.status_code == 403
        assert _rows(settings, FeedbackEventRow) == []

    def test_feedback_on_its_own_suggestion(self, client: TestClient, admin_alice: str) -> None:
        served = _serve(client, admin_alice, agent_id="alice")
        rec = served.json()["recommendations"][0]["recommendation_id"]
        assert client.post(FEEDBACK, json=_rejected(rec), headers=auth(admin_alice)).status_code == 201
