"""/v1/pattern-proposals over HTTP on SQLite and PostgreSQL: agents' common edit becomes a proposal,
a lead turns it into a draft that another person must approve; rights, tenants and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.learned.edits import EDITS_PER_AGENT
from advisor.settings import Settings
from tests.builders import Keys, add_key, auth
from tests.conftest import Database, make_settings
from tests.learned.steps import decide, serve

URL = "/v1/pattern-proposals"
TEXT = "my package never arrived"
ADDED = "You can also follow the trace in our app."


@pytest.fixture
def settings(database: Database) -> Settings:
    """Settings on SQLite and PostgreSQL (both run on CI)."""
    return make_settings(database.url)


AGENT_IDS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def agent_ids(keys: Keys) -> None:
    """Each agent key acts as its own agent id."""
    AGENT_IDS.clear()
    AGENT_IDS.update({keys.acme_agent: "agent-1", keys.acme_agent2: "agent-2"})


def edit(client: TestClient, agent: str, change: Any = None, interaction: str = "int-1") -> None:
    """Serve the lost-parcel suggestion and send it edited (by default with ``ADDED`` at the end)."""
    agent_id = AGENT_IDS.get(agent, "agent-1")
    top = serve(client, agent, TEXT, interaction_id=interaction, agent_id=agent_id)["recommendations"][0]
    assert top["pattern_id"] == "lost_package"
    sent = change(top["text"]) if change else f"{top['text']} {ADDED}"
    decide(client, agent, top["recommendation_id"], "edited", final_text=sent)


def proposals(client: TestClient, secret: str) -> list[dict[str, Any]]:
    response = client.get(URL, headers=auth(secret))
    assert response.status_code == 200, response.text
    return list(response.json())


def post(client: TestClient, path: str, secret: str | None, body: Any = None) -> Any:
    return client.post(path, json=body, headers=auth(secret) if secret else {})


@pytest.fixture
def proposal(client: TestClient, keys: Keys) -> dict[str, Any]:
    """Three edits by two agents that append the same sentence to lost_package's suggestion."""
    for n, agent in enumerate((keys.acme_agent, keys.acme_agent2, keys.acme_agent)):
        edit(client, agent, interaction=f"int-{n}")
    [found] = proposals(client, keys.acme_lead)
    return found


class TestProposals:
    def test_a_common_edit_is_proposed_with_its_evidence(
        self, proposal: dict[str, Any], client: TestClient, keys: Keys
    ) -> None:
        assert proposal["pattern_id"] == "lost_package"
        assert (proposal["removed"], proposal["added"]) == ("", ADDED)
        assert proposal["proposed_body"] == f"{proposal['body']} {ADDED}"
        assert "{order.carrier}" in proposal["proposed_body"]  # slots stay slots, not one customer's values
        assert (proposal["decisions"], proposal["agents"], proposal["version_edits"]) == (3, 2, 3)
        assert all(ADDED in text for text in proposal["examples"])
        assert proposals(client, keys.acme_admin) == [proposal]

    def test_the_draft_carries_the_edit_and_needs_another_person_to_approve(
        self, proposal: dict[str, Any], client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        response = post(client, f"{URL}/{proposal['id']}/draft", keys.acme_lead, {"note": "agents agree"})
        assert response.status_code == 201, response.text
        pattern = response.json()["pattern"]
        draft = pattern["versions"][-1]
        assert (draft["version"], draft["status"], draft["body"]) == (2, "draft", proposal["proposed_body"])
        assert pattern["serving_version"] == 1  # nothing serves before review
        [entry] = response.json()["audit"]
        assert "Proposed from 3 edit decisions by 2 agents" in entry["note"]
        assert entry["note"].endswith("agents agree")
        # Taken up: no longer listed; a second draft waits for the first; the author cannot approve their own.
        assert proposals(client, keys.acme_lead) == []
        assert post(client, f"{URL}/{proposal['id']}/draft", keys.acme_lead).status_code == 409
        submit = post(client, "/v1/patterns/lost_package/versions/2/submit", keys.acme_lead, {"note": "ok"})
        assert submit.status_code == 200, submit.text
        own = post(client, "/v1/patterns/lost_package/versions/2/approve", keys.acme_lead, {"note": "ok"})
        assert own.status_code == 403
        other = post(client, "/v1/patterns/lost_package/versions/2/approve", keys.acme_admin, {"note": "ok"})
        assert other.status_code == 200, other.text
        # Version 2 now serves: the evidence was about version 1, so the proposal is gone.
        assert proposals(client, keys.acme_lead) == []
        assert ADDED in serve(client, keys.acme_agent, TEXT)["recommendations"][0]["text"]

    def test_one_agent_alone_makes_no_proposal(self, client: TestClient, keys: Keys) -> None:
        for n in range(EDITS_PER_AGENT + 2):
            edit(client, keys.acme_agent, interaction=f"int-{n}")
        assert proposals(client, keys.acme_lead) == []
        edit(client, keys.acme_agent2, interaction="int-other")
        [found] = proposals(client, keys.acme_lead)
        assert (found["decisions"], found["agents"], found["support"]) == (
            EDITS_PER_AGENT + 3,
            2,
            EDITS_PER_AGENT + 1,
        )

    def test_a_customers_own_values_are_not_a_pattern_edit(self, client: TestClient, keys: Keys) -> None:
        # Every agent corrects the carrier named in the slot: that is this order's data, not the pattern.
        for n, agent in enumerate((keys.acme_agent, keys.acme_agent2, keys.acme_agent)):
            edit(client, agent, lambda text: text.replace("UPS", "DHL"), interaction=f"int-{n}")
        assert proposals(client, keys.acme_lead) == []


class TestRights:
    def test_unauthorised_and_agents_are_refused(
        self, proposal: dict[str, Any], client: TestClient, keys: Keys
    ) -> None:
        assert client.get(URL).status_code == 401
        assert client.get(URL, headers=auth(keys.acme_agent)).status_code == 403
        draft = f"{URL}/{proposal['id']}/draft"
        assert post(client, draft, None).status_code == 401
        refused = post(client, draft, keys.acme_agent)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"

    def test_another_teams_lead_neither_sees_nor_drafts(
        self, proposal: dict[str, Any], client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        lead_b = add_key(settings.database_url, "acme", "lead", team_id="team-b", agent_id="lead-b")
        assert proposals(client, lead_b) == []
        assert post(client, f"{URL}/{proposal['id']}/draft", lead_b).status_code == 403

    def test_another_tenant_neither_sees_nor_drafts(
        self, proposal: dict[str, Any], client: TestClient, keys: Keys
    ) -> None:
        assert proposals(client, keys.globex_admin) == []
        assert post(client, f"{URL}/{proposal['id']}/draft", keys.globex_admin).status_code == 404


class TestBadInput:
    @pytest.mark.parametrize("proposal_id", ["short", "Z" * 20, "0" * 21, "0" * 19 + "/"])
    def test_malformed_ids(self, proposal_id: str, client: TestClient, keys: Keys) -> None:
        response = post(client, f"{URL}/{proposal_id}/draft", keys.acme_lead)
        assert response.status_code in (404, 422)
        assert response.headers["content-type"] == "application/problem+json"

    def test_unknown_id_is_404(self, client: TestClient, keys: Keys) -> None:
        response = post(client, f"{URL}/{'0' * 20}/draft", keys.acme_lead)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize(
        "body",
        [{"note": "x" * 2_001}, {"note": ""}, {"surprise": 1}, {"expected_lock_version": 0}, [1, 2]],
    )
    def test_bad_bodies_are_422_and_draft_nothing(
        self, body: Any, proposal: dict[str, Any], client: TestClient, keys: Keys
    ) -> None:
        response = post(client, f"{URL}/{proposal['id']}/draft", keys.acme_lead, body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        versions = client.get("/v1/patterns/lost_package/versions", headers=auth(keys.acme_lead)).json()
        assert [v["version"] for v in versions] == [1]

    def test_a_stale_lock_version_is_409(
        self, proposal: dict[str, Any], client: TestClient, keys: Keys
    ) -> None:
        response = post(
            client, f"{URL}/{proposal['id']}/draft", keys.acme_lead, {"expected_lock_version": 99}
        )
        assert response.status_code == 409
