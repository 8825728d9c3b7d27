"""/v1/pattern-proposals/new-patterns over HTTP on SQLite and PostgreSQL: replies agents wrote alike on
escalated requests become a proposed pattern; a lead drafts it; rights, tenants and bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.learned.new_patterns import group_replies, proposed_groups
from advisor.settings import Settings
from advisor.store.decisions import StoredReply
from tests.builders import Keys, add_key, auth
from tests.conftest import Database, make_settings
from tests.learned.steps import serve

URL = "/v1/pattern-proposals/new-patterns"
ASKED = ["do you sell gift cards", "can I buy a gift card in store", "gift cards available?"]
WRITTEN = [
    "Yes, we sell gift cards from 10 to 200 pounds in every store and online.",
    "Yes we sell gift cards from 10 to 200 pounds, in every store and online!",
    "Yes, we sell gift cards from 10 to 200 pounds in all stores and online.",
]


@pytest.fixture
def settings(database: Database) -> Settings:
    """Settings on SQLite and PostgreSQL (both run on CI)."""
    return make_settings(database.url)


def write(client: TestClient, secret: str, agent_id: str, asked: str, written: str, n: int) -> None:
    """Serve an escalated request and send what the agent wrote on it."""
    served = serve(client, secret, asked, agent_id=agent_id, interaction_id=f"int-{n}")
    assert served["escalate"] is True, asked
    body = {"request_id": served["request_id"], "client_event_id": f"r-{n}", "text": written}
    response = client.post("/v1/replies", json=body, headers=auth(secret))
    assert response.status_code == 201, response.text


def listed(client: TestClient, secret: str) -> list[dict[str, Any]]:
    response = client.get(URL, headers=auth(secret))
    assert response.status_code == 200, response.text
    return list(response.json())


@pytest.fixture
def proposal(client: TestClient, keys: Keys) -> dict[str, Any]:
    """Two agents wrote much the same gift-card reply on three escalated requests."""
    agents = [(keys.acme_agent, "agent-1"), (keys.acme_agent2, "agent-2"), (keys.acme_agent, "agent-1")]
    for n, ((secret, agent_id), asked, written) in enumerate(zip(agents, ASKED, WRITTEN, strict=True)):
        write(client, secret, agent_id, asked, written, n)
    [found] = listed(client, keys.acme_lead)
    return found


class TestNewPatterns:
    def test_replies_written_alike_are_proposed_with_the_customers_words(
        self, proposal: dict[str, Any], client: TestClient, keys: Keys
    ) -> None:
        assert proposal["body"] in WRITTEN
        assert (proposal["replies"], proposal["agents"], proposal["teams"]) == (3, 2, ["team-a"])
        assert sorted(proposal["examples"]) == sorted(ASKED)
        assert listed(client, keys.acme_admin) == [proposal]

    def test_a_lead_drafts_it_and_another_person_approves(
        self, proposal: dict[str, Any], client: TestClient, keys: Keys
    ) -> None:
        path = f"{URL}/{proposal['id']}/draft"
        taken = client.post(path, json={"id": "lost_package"}, headers=auth(keys.acme_lead))
        assert taken.status_code == 409  # the id is another pattern's
        response = client.post(
            path, json={"id": "gift_cards", "note": "common ask"}, headers=auth(keys.acme_lead)
        )
        assert response.status_code == 201, response.text
        [draft] = response.json()["pattern"]["versions"]
        assert (draft["id"], draft["version"], draft["status"], draft["owner"]) == (
            "gift_cards",
            1,
            "draft",
            "team-a",
        )
        assert (draft["body"], draft["risk"], draft["intents"]) == (
            proposal["body"],
            "medium",
            ["gift_cards"],
        )
        assert sorted(draft["examples"]) == sorted(ASKED)
        assert "Proposed from 3 replies by 2 agents" in response.json()["audit"][0]["note"]
        # Taken up: the draft is on its way to review, so the group is no longer proposed or drafted twice.
        assert listed(client, keys.acme_lead) == []
        again = client.post(path, json={"id": "gift_cards_2"}, headers=auth(keys.acme_lead))
        assert again.status_code == 404
        submit = client.post(
            "/v1/patterns/gift_cards/versions/1/submit", json={"note": "ok"}, headers=auth(keys.acme_lead)
        )
        assert submit.status_code == 200, submit.text
        own = client.post(
            "/v1/patterns/gift_cards/versions/1/approve", json={"note": "ok"}, headers=auth(keys.acme_lead)
        )
        assert own.status_code == 403
        ok = client.post(
            "/v1/patterns/gift_cards/versions/1/approve", json={"note": "ok"}, headers=auth(keys.acme_admin)
        )
        assert ok.status_code == 200, ok.text
        # Now the library says it: no longer proposed, and the next customer asking gets it.
        assert listed(client, keys.acme_lead) == []
        top = serve(client, keys.acme_agent, "do you sell gift cards")["recommendations"]
        assert top
        assert top[0]["pattern_id"] == "gift_cards"

    def test_one_agent_alone_or_a_reply_the_library_has_proposes_nothing(
        self, client: TestClient, keys: Keys
    ) -> None:
        for n, (asked, written) in enumerate(zip(ASKED, WRITTEN, strict=True)):
            write(client, keys.acme_agent, "agent-1", asked, written, n)
        assert listed(client, keys.acme_admin) == []
        # The whole team writes out the refund pattern's own words on escalated requests: not new.
        refund = "Your refund for order was issued and should reach you by."
        for n, (secret, agent_id) in enumerate(
            [(keys.acme_agent, "agent-1"), (keys.acme_agent2, "agent-2")] * 2
        ):
            write(client, secret, agent_id, "what's the weather like in Paris tomorrow", refund, 10 + n)
        assert listed(client, keys.acme_admin) == []

    def test_replies_without_a_word_are_left_out_not_a_failure(self, client: TestClient, keys: Keys) -> None:
        agents = [(keys.acme_agent, "agent-1"), (keys.acme_agent2, "agent-2"), (keys.acme_agent, "agent-1")]
        for n, ((secret, agent_id), asked) in enumerate(zip(agents, ASKED, strict=True)):
            write(client, secret, agent_id, asked, "👍", n)
        assert listed(client, keys.acme_admin) == []


class TestRights:
    def test_agents_unauthorised_other_team_and_other_tenant(
        self, proposal: dict[str, Any], client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        path = f"{URL}/{proposal['id']}/draft"
        assert client.get(URL).status_code == 401
        assert client.get(URL, headers=auth(keys.acme_agent)).status_code == 403
        assert client.post(path, json={"id": "gift_cards"}, headers=auth(keys.acme_agent)).status_code == 403
        lead_b = add_key(settings.database_url, "acme", "lead", team_id="team-b", agent_id="lead-b")
        assert listed(client, lead_b) == []  # replies of team-a's agents
        assert client.post(path, json={"id": "gift_cards"}, headers=auth(lead_b)).status_code == 404
        team_a = client.post(path, json={"id": "gift_cards", "owner": "team-b"}, headers=auth(keys.acme_lead))
        assert team_a.status_code == 403  # a lead drafts for their own team only
        assert listed(client, keys.globex_admin) == []
        assert (
            client.post(path, json={"id": "gift_cards"}, headers=auth(keys.globex_admin)).status_code == 404
        )


class TestBadInput:
    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"id": ""},
            {"id": "has space"},
            {"id": "x" * 129},
            {"id": "ok", "note": "n" * 2_001},
            {"id": "ok", "x": 1},
        ],
    )
    def test_malformed_bodies_are_422(
        self, body: dict[str, Any], proposal: dict[str, Any], client: TestClient, keys: Keys
    ) -> None:
        response = client.post(f"{URL}/{proposal['id']}/draft", json=body, headers=auth(keys.acme_lead))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert all(p["id"] != "ok" for p in client.get("/v1/patterns", headers=auth(keys.acme_lead)).json())

    def test_unknown_and_malformed_ids(self, client: TestClient, keys: Keys) -> None:
        assert (
            client.post(f"{URL}/{'0' * 20}/draft", json={"id": "x"}, headers=auth(keys.acme_lead)).status_code
            == 404
        )
        assert (
            client.post(f"{URL}/nothex/draft", json={"id": "x"}, headers=auth(keys.acme_lead)).status_code
            == 422
        )


def test_grouping_joins_alike_wording_only() -> None:
    now = datetime.now(UTC)
    replies = [
        StoredReply(n, f"a{n % 2}", "t", text, None, now)
        for n, text in enumerate([*WRITTEN, "Your parcel left today."])
    ]
    groups = group_replies(replies)
    assert sorted(len(g.replies) for g in groups) == [1, 3]
    assert proposed_groups(replies, [WRITTEN[0]]) == []  # a serving body already says it
