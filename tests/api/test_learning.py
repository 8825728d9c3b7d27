"""Ranking learns from agents' decisions through the real HTTP path: what agents keep rejecting sinks,
what they accept says so in the rationale, and one agent cannot outvote the team."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.app import create_app
from advisor.settings import Settings
from tests.builders import Keys, add_key, auth, make_context, seed_tenants
from tests.conftest import Database, make_settings

EVENTS = count()


@pytest.fixture
def settings(database: Database) -> Settings:
    return make_settings(database.url, ranking={"decisions_refresh_s": 0})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def agent_key(settings: Settings, agent: str) -> str:
    return add_key(settings.database_url, "acme", "agent", team_id="team-a", agent_id=agent)


def suggest(client: TestClient, secret: str, agent: str) -> dict[str, Any]:
    response = client.post("/v1/recommendations", json=make_context(agent_id=agent), headers=auth(secret))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def decide(client: TestClient, secret: str, rec_id: str, action: str, reason: str | None = None) -> None:
    event: dict[str, Any] = {
        "recommendation_id": rec_id,
        "client_event_id": f"e-{next(EVENTS)}",
        "action": action,
    }
    if reason:
        event["reason"] = reason
    assert client.post("/v1/feedback", json=event, headers=auth(secret)).status_code == 201


def top(body: dict[str, Any]) -> dict[str, Any] | None:
    return body["recommendations"][0] if body["recommendations"] else None


def test_a_suggestion_agents_reject_as_wrong_intent_stops_being_offered(
    client: TestClient, keys: object, settings: Settings
) -> None:
    first = top(suggest(client, agent_key(settings, "agent-9"), "agent-9"))
    assert first is not None
    assert first["pattern_id"] == "lost_package"
    for agent in ("agent-3", "agent-4", "agent-5", "agent-6"):
        secret = agent_key(settings, agent)
        for _ in range(10):
            shown = top(suggest(client, secret, agent))
            if shown is None or shown["pattern_id"] != "lost_package":
                break
            decide(client, secret, shown["recommendation_id"], "rejected", "wrong_intent")
    after = top(suggest(client, agent_key(settings, "agent-9"), "agent-9"))
    assert after is None or after["pattern_id"] != "lost_package"


def test_what_agents_accept_is_said_in_the_rationale(
    client: TestClient, keys: object, settings: Settings
) -> None:
    secret = agent_key(settings, "agent-3")
    before = top(suggest(client, secret, "agent-3"))
    assert before is not None
    assert "by your agents" not in before["rationale"]
    for _ in range(5):
        shown = top(suggest(client, secret, "agent-3"))
        assert shown is not None
        decide(client, secret, shown["recommendation_id"], "accepted")
    after = top(suggest(client, secret, "agent-3"))
    assert after is not None
    assert after["pattern_id"] == before["pattern_id"]
    assert (
        "accepted 100% of the time by your agents for requests like this (5 decisions)" in after["rationale"]
    )
    assert after["confidence"] > before["confidence"]


def test_one_agent_accepting_everything_does_not_outvote_two_who_reject(
    client: TestClient, keys: object, settings: Settings
) -> None:
    keen = agent_key(settings, "agent-keen")
    for _ in range(30):
        shown = top(suggest(client, keen, "agent-keen"))
        assert shown is not None
        decide(client, keen, shown["recommendation_id"], "accepted")
    for agent in ("agent-3", "agent-4"):
        secret = agent_key(settings, agent)
        for _ in range(10):
            shown = top(suggest(client, secret, agent))
            if shown is None:
                break
            decide(client, secret, shown["recommendation_id"], "rejected", "tone")
    body = suggest(client, keen, "agent-keen")
    said = [r["rationale"] for r in body["recommendations"] if r["pattern_id"] == "lost_package"]
    # 30 acceptances count as 10; the other two agents' rejections weigh as much each.
    assert said
    assert "accepted 33% of the time by your agents for requests like this (30 decisions)" in said[0]


def test_learning_can_be_switched_off(database: Database) -> None:
    settings = make_settings(database.url, ranking={"learn_from_decisions": False, "decisions_refresh_s": 0})
    with TestClient(create_app(settings)) as client:
        seed_tenants(settings.database_url)
        secret = agent_key(settings, "agent-3")
        before = top(suggest(client, secret, "agent-3"))
        assert before is not None
        for _ in range(5):
            decide(client, secret, before["recommendation_id"], "rejected", "wrong_intent")
            before_again = top(suggest(client, secret, "agent-3"))
            assert before_again is not None
            before = before_again
        assert "by your agents" not in before["rationale"]


def test_a_suspended_pattern_stays_out_however_often_it_was_accepted(
    client: TestClient, keys: Keys, settings: Settings
) -> None:
    secret = agent_key(settings, "agent-3")
    for _ in range(10):
        shown = top(suggest(client, secret, "agent-3"))
        assert shown is not None
        assert shown["pattern_id"] == "lost_package"
        decide(client, secret, shown["recommendation_id"], "accepted")
    suspended = client.post(
        "/v1/patterns/lost_package/suspend", json={"reason": "carrier strike"}, headers=auth(keys.acme_lead)
    )
    assert suspended.status_code == 200
    body = suggest(client, secret, "agent-3")
    assert "lost_package" not in [r["pattern_id"] for r in body["recommendations"]]
