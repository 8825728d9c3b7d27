"""Pattern governance over HTTP: lifecycle, four eyes, rollback, kill switch, locks, rights, tenancy."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.settings import Settings
from tests.builders import Keys, add_key, auth, make_context, make_pattern_body

URL = "/v1/patterns"


@pytest.fixture
def lead2(keys: Keys, settings: Settings) -> str:
    """A second lead of team-a (a different person from keys.acme_lead)."""
    return add_key(settings.database_url, "acme", "lead", team_id="team-a", agent_id="lead-2")


@pytest.fixture
def lead_b(keys: Keys, settings: Settings) -> str:
    """A lead of team-b."""
    return add_key(settings.database_url, "acme", "lead", team_id="team-b", agent_id="lead-b")


def create(client: TestClient, secret: str, **overrides: Any) -> dict[str, Any]:
    response = client.post(URL, json=make_pattern_body(**overrides), headers=auth(secret))
    assert response.status_code == 201, response.text
    return dict(response.json())


def act(client: TestClient, secret: str, pid: str, version: int, action: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        f"{URL}/{pid}/versions/{version}/{action}",
        json={"note": f"{action} it", **body},
        headers=auth(secret),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def approved(client: TestClient, author: str, reviewer: str, **overrides: Any) -> dict[str, Any]:
    created = create(client, author, **overrides)
    pid = created["pattern"]["id"]
    act(client, author, pid, 1, "submit")
    return act(client, reviewer, pid, 1, "approve")


def served(client: TestClient, secret: str, text: str) -> dict[str, str]:
    response = client.post("/v1/recommendations", json=make_context(text, k=5), headers=auth(secret))
    assert response.status_code == 200, response.text
    return {r["pattern_id"]: r["text"] for r in response.json()["recommendations"]}


def state(client: TestClient, secret: str, pid: str) -> dict[str, Any]:
    response = client.get(f"{URL}/{pid}", headers=auth(secret))
    assert response.status_code == 200, response.text
    return dict(response.json())


LATE = "my parcel is late and the courier has not come, delivery is overdue by days"


class TestCreatePattern:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.post(URL, json=make_pattern_body()).status_code == 401

    def test_agent_is_forbidden(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_pattern_body(), headers=auth(keys.acme_agent))
        assert response.status_code == 403
        assert client.get(f"{URL}/late_parcel", headers=auth(keys.acme_admin)).status_code == 404

    def test_lead_of_other_team_is_forbidden(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_pattern_body(owner="team-b"), headers=auth(keys.acme_lead))
        assert response.status_code == 403
        assert response.json()["field"] == "owner"

    def test_malformed(self, client: TestClient, keys: Keys) -> None:
        headers = {**auth(keys.acme_lead), "Content-Type": "application/json"}
        response = client.post(URL, content=b"{nope", headers=headers)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"

    def test_missing_change_note(self, client: TestClient, keys: Keys) -> None:
        body = make_pattern_body()
        del body["change_note"]
        response = client.post(URL, json=body, headers=auth(keys.acme_lead))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "change_note"

    def test_nul_character(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_pattern_body(title="a\x00b"), headers=auth(keys.acme_lead))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "title"

    def test_oversized(self, client: TestClient, keys: Keys) -> None:
        body = make_pattern_body(examples=["x" * 900] * 400)
        response = client.post(URL, json=body, headers=auth(keys.acme_lead))
        assert response.status_code == 413

    def test_valid_is_a_draft_that_does_not_serve(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_pattern_body(), headers=auth(keys.acme_lead))
        assert response.status_code == 201
        pattern = response.json()["pattern"]
        assert (pattern["owner"], pattern["latest_status"], pattern["serving_version"]) == (
            "team-a",
            "draft",
            None,
        )
        assert pattern["versions"][0]["author"].startswith("lead:")
        assert response.headers["ETag"] == '"1"'
        assert "late_parcel" not in served(client, keys.acme_agent, LATE)

    def test_flows_are_kept(self, client: TestClient, keys: Keys) -> None:
        flows = [{"name": "late_parcel", "step": 2}]
        response = client.post(URL, json=make_pattern_body(flows=flows), headers=auth(keys.acme_lead))
        assert response.status_code == 201
        assert response.json()["pattern"]["versions"][0]["flows"] == flows

    def test_collected_facts_are_kept(self, client: TestClient, keys: Keys) -> None:
        body = make_pattern_body(flows=[{"name": "late_parcel", "step": 1}], collects=["order.id"])
        response = client.post(URL, json=body, headers=auth(keys.acme_lead))
        assert response.status_code == 201
        assert response.json()["pattern"]["versions"][0]["collects"] == ["order.id"]

    def test_malformed_collected_fact(self, client: TestClient, keys: Keys) -> None:
        response = client.post(
            URL, json=make_pattern_body(collects=["Order ID"]), headers=auth(keys.acme_lead)
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert "collects" in response.text

    def test_bad_flow_step(self, client: TestClient, keys: Keys) -> None:
        body = make_pattern_body(flows=[{"name": "late_parcel", "step": 0}])
        response = client.post(URL, json=body, headers=auth(keys.acme_lead))
        assert response.status_code == 422

    def test_duplicate_id(self, client: TestClient, keys: Keys) -> None:
        create(client, keys.acme_lead)
        body = make_pattern_body(owner="team-a")
        response = client.post(URL, json=body, headers=auth(keys.acme_admin))
        assert response.status_code == 409
        assert response.json()["type"].endswith("/duplicate-pattern")

    def test_other_tenant(self, client: TestClient, keys: Keys) -> None:
        create(client, keys.acme_lead)
        assert client.get(f"{URL}/late_parcel", headers=auth(keys.globex_admin)).status_code == 404
        assert "late_parcel" not in [p["id"] for p in client.get(URL, headers=auth(keys.globex_admin)).json()]
        response = client.post(
            f"{URL}/late_parcel/versions/1/submit", json={"note": "x"}, headers=auth(keys.globex_admin)
        )
        assert response.status_code == 404


class TestReadPatterns:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL).status_code == 401

    def test_agent_is_forbidden(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL, headers=auth(keys.acme_agent)).status_code == 403
        assert client.get(f"{URL}/lost_package", headers=auth(keys.acme_agent)).status_code == 403

    def test_valid(self, client: TestClient, keys: Keys) -> None:
        listed = client.get(URL, params={"owner": "team-a"}, headers=auth(keys.acme_lead)).json()
        assert {p["owner"] for p in listed} == {"team-a"}
        assert "lost_package" in [p["id"] for p in listed]
        versions = client.get(f"{URL}/lost_package/versions", headers=auth(keys.acme_lead)).json()
        assert [(v["version"], v["status"], v["serving"]) for v in versions] == [(1, "approved", True)]

    def test_review_queue(self, client: TestClient, keys: Keys) -> None:
        create(client, keys.acme_lead)
        act(client, keys.acme_lead, "late_parcel", 1, "submit")
        queue = client.get(URL, params={"status": "in_review"}, headers=auth(keys.acme_admin)).json()
        assert [p["id"] for p in queue] == ["late_parcel"]
        bad = client.get(URL, params={"status": "pending"}, headers=auth(keys.acme_admin))
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "status"

    def test_unknown_id(self, client: TestClient, keys: Keys) -> None:
        response = client.get(f"{URL}/nope", headers=auth(keys.acme_lead))
        assert response.status_code == 404
        assert response.json()["field"] == "pattern_id"

    def test_oversized_id(self, client: TestClient, keys: Keys) -> None:
        assert client.get(f"{URL}/{'x' * 300}", headers=auth(keys.acme_lead)).status_code == 422


class TestServingPatterns:
    """GET /v1/serving-patterns: what a desk's picker offers as "the reply I sent instead"."""

    SERVING = "/v1/serving-patterns"

    def ids(self, client: TestClient, secret: str, **params: Any) -> list[str]:
        response = client.get(self.SERVING, params=params, headers=auth(secret))
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()]

    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        response = client.get(self.SERVING)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert client.get(self.SERVING, headers=auth("adv_not-a-key")).status_code == 401

    def test_agent_reads_what_serves_and_nothing_else(self, client: TestClient, keys: Keys) -> None:
        response = client.get(self.SERVING, headers=auth(keys.acme_agent))
        assert response.status_code == 200
        listed = response.json()
        lost = next(p for p in listed if p["id"] == "lost_package")
        assert set(lost) == {"id", "version", "title", "owner", "intents"}
        assert lost["version"] == 1
        assert lost["title"]
        assert [p["id"] for p in listed] == sorted(p["id"] for p in listed)
        create(client, keys.acme_lead)  # a draft: not offered
        client.post(f"{URL}/refund_status/suspend", json={"reason": "audit"}, headers=auth(keys.acme_admin))
        now = self.ids(client, keys.acme_agent)
        assert "late_parcel" not in now
        assert "refund_status" not in now
        assert "lost_package" in now

    def test_approved_pattern_is_offered(self, client: TestClient, keys: Keys, lead2: str) -> None:
        assert "late_parcel" not in self.ids(client, keys.acme_agent)
        approved(client, keys.acme_lead, lead2)
        assert "late_parcel" in self.ids(client, keys.acme_agent)

    def test_search_and_limit(self, client: TestClient, keys: Keys) -> None:
        everything = self.ids(client, keys.acme_agent)
        assert len(everything) >= 2
        assert self.ids(client, keys.acme_agent, q="LOST_PACK") == ["lost_package"]
        assert self.ids(client, keys.acme_agent, limit=1) == everything[:1]
        assert self.ids(client, keys.acme_agent, q="no pattern is called this") == []

    def test_malformed_and_oversized(self, client: TestClient, keys: Keys) -> None:
        for params, field in (
            ({"q": ""}, "q"),
            ({"q": "x" * 201}, "q"),
            ({"limit": 0}, "limit"),
            ({"limit": 1001}, "limit"),
            ({"limit": "many"}, "limit"),
        ):
            response = client.get(self.SERVING, params=params, headers=auth(keys.acme_agent))
            assert response.status_code == 422, params
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["errors"][0]["field"] == field

    def test_other_tenant_is_never_listed(self, client: TestClient, keys: Keys) -> None:
        client.post(f"{URL}/lost_package/suspend", json={"reason": "acme"}, headers=auth(keys.acme_admin))
        assert "lost_package" not in self.ids(client, keys.acme_agent)
        assert "lost_package" in self.ids(client, keys.globex_agent)  # globex's own pattern of that id


class TestLifecycle:
    def test_four_eyes_then_serves(self, client: TestClient, keys: Keys, lead2: str) -> None:
        create(client, keys.acme_lead)
        submitted = act(client, keys.acme_lead, "late_parcel", 1, "submit")
        assert submitted["pattern"]["latest_status"] == "in_review"
        own = client.post(
            f"{URL}/late_parcel/versions/1/approve", json={"note": "mine"}, headers=auth(keys.acme_lead)
        )
        assert own.status_code == 403
        assert own.json()["type"].endswith("/four-eyes")
        assert state(client, keys.acme_lead, "late_parcel")["latest_status"] == "in_review"
        done = act(client, lead2, "late_parcel", 1, "approve")
        version = done["pattern"]["versions"][0]
        assert (version["status"], version["approver"], version["serving"]) == (
            "approved",
            "lead:lead-2",
            True,
        )
        assert done["audit"][0]["action"] == "pattern.approve"
        assert "late_parcel" in served(client, keys.acme_agent, LATE)

    def test_reject_returns_to_draft(self, client: TestClient, keys: Keys, lead2: str) -> None:
        create(client, keys.acme_lead)
        act(client, keys.acme_lead, "late_parcel", 1, "submit")
        rejected = act(client, lead2, "late_parcel", 1, "reject", note="wrong tone")
        assert rejected["pattern"]["latest_status"] == "draft"

    def test_edit_approved_makes_draft_and_old_keeps_serving(
        self, client: TestClient, keys: Keys, lead2: str
    ) -> None:
        approved(client, keys.acme_lead, lead2)
        edit = make_pattern_body(body="Hi {customer.first_name}, {order.carrier} is now tracing {order.id}.")
        del edit["id"]
        response = client.post(f"{URL}/late_parcel/versions", json=edit, headers=auth(lead2))
        assert response.status_code == 201
        pattern = response.json()["pattern"]
        assert (pattern["latest_version"], pattern["latest_status"], pattern["serving_version"]) == (
            2,
            "draft",
            1,
        )
        assert "asked UPS" in served(client, keys.acme_agent, LATE)["late_parcel"]
        act(client, lead2, "late_parcel", 2, "submit")
        act(client, keys.acme_lead, "late_parcel", 2, "approve")
        assert "is now tracing" in served(client, keys.acme_agent, LATE)["late_parcel"]
        assert [v["status"] for v in state(client, lead2, "late_parcel")["versions"]] == [
            "approved",
            "approved",
        ]

    def test_rollback_takes_effect_on_next_request(self, client: TestClient, keys: Keys, lead2: str) -> None:
        approved(client, keys.acme_lead, lead2)
        edit = make_pattern_body(body="Hi {customer.first_name}, {order.carrier} is now tracing {order.id}.")
        del edit["id"]
        client.post(f"{URL}/late_parcel/versions", json=edit, headers=auth(lead2))
        act(client, lead2, "late_parcel", 2, "submit")
        act(client, keys.acme_lead, "late_parcel", 2, "approve")
        response = client.post(
            f"{URL}/late_parcel/rollback", json={"version": 1, "note": "v2 confused"}, headers=auth(lead2)
        )
        assert response.status_code == 200
        assert response.json()["pattern"]["serving_version"] == 1
        assert "asked UPS" in served(client, keys.acme_agent, LATE)["late_parcel"]

    def test_illegal_transitions_change_nothing(self, client: TestClient, keys: Keys, lead2: str) -> None:
        create(client, keys.acme_lead)
        before = state(client, keys.acme_lead, "late_parcel")
        draft_approve = client.post(
            f"{URL}/late_parcel/versions/1/approve", json={"note": "x"}, headers=auth(lead2)
        )
        assert draft_approve.status_code == 409
        assert draft_approve.json()["type"].endswith("/illegal-transition")
        to_draft = client.post(
            f"{URL}/late_parcel/rollback", json={"version": 1, "note": "x"}, headers=auth(lead2)
        )
        assert to_draft.status_code == 409
        assert "draft" in to_draft.json()["detail"]
        assert state(client, keys.acme_lead, "late_parcel") == before
        act(client, keys.acme_lead, "late_parcel", 1, "retire")
        again = client.post(f"{URL}/late_parcel/versions/1/approve", json={"note": "x"}, headers=auth(lead2))
        assert again.status_code == 409
        unknown = client.post(f"{URL}/late_parcel/versions/9/submit", json={"note": "x"}, headers=auth(lead2))
        assert unknown.status_code == 404
        assert unknown.json()["field"] == "version"

    def test_retiring_the_serving_version_stops_it(self, client: TestClient, keys: Keys, lead2: str) -> None:
        approved(client, keys.acme_lead, lead2)
        retired = act(client, keys.acme_lead, "late_parcel", 1, "retire")
        assert retired["pattern"]["serving_version"] is None
        assert "late_parcel" not in served(client, keys.acme_agent, LATE)

    def test_unknown_action(self, client: TestClient, keys: Keys) -> None:
        create(client, keys.acme_lead)
        response = client.post(
            f"{URL}/late_parcel/versions/1/publish", json={"note": "x"}, headers=auth(keys.acme_lead)
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "action"

    def test_lead_of_other_team_cannot_review(self, client: TestClient, keys: Keys, lead_b: str) -> None:
        create(client, keys.acme_lead)
        act(client, keys.acme_lead, "late_parcel", 1, "submit")
        response = client.post(
            f"{URL}/late_parcel/versions/1/approve", json={"note": "x"}, headers=auth(lead_b)
        )
        assert response.status_code == 403

    def test_agent_cannot_transition(self, client: TestClient, keys: Keys) -> None:
        create(client, keys.acme_lead)
        response = client.post(
            f"{URL}/late_parcel/versions/1/submit", json={"note": "x"}, headers=auth(keys.acme_agent)
        )
        assert response.status_code == 403


class TestSubmitLint:
    def test_errors_block_submission(self, client: TestClient, keys: Keys) -> None:
        create(client, keys.acme_lead, body="Hi {customer.nickname}, see {Order Number}.", examples=[])
        response = client.post(
            f"{URL}/late_parcel/versions/1/submit", json={"note": "go"}, headers=auth(keys.acme_lead)
        )
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"].endswith("/lint-failed")
        codes = {f["code"] for f in problem["lint"]}
        assert {"unknown-slot", "malformed-slot", "no-examples"} <= codes
        assert state(client, keys.acme_lead, "late_parcel")["latest_status"] == "draft"

    def test_warnings_come_back_and_do_not_block(self, client: TestClient, keys: Keys) -> None:
        lost = (
            "I'm sorry, {customer.first_name}. I've opened a trace with {order.carrier} for order {order.id}"
        )
        create(client, keys.acme_lead, body=lost + " and will update you within 2 days.")
        submitted = act(client, keys.acme_lead, "late_parcel", 1, "submit")
        [near] = [f for f in submitted["lint"] if f["code"] == "near-duplicate"]
        assert near["similar_to"] == "lost_package@v1"
        assert near["similarity"] > 0.85
        assert submitted["pattern"]["latest_status"] == "in_review"

    def test_too_long_for_messaging(self, client: TestClient, keys: Keys) -> None:
        body = "Sorry {customer.first_name}. " + "We are on it. " * 30
        create(client, keys.acme_lead, body=body, eligibility={"channels": ["messaging"]})
        response = client.post(
            f"{URL}/late_parcel/versions/1/submit", json={"note": "go"}, headers=auth(keys.acme_lead)
        )
        assert response.status_code == 422
        assert response.json()["lint"][0]["code"] == "too-long-for-channel"


class TestEditing:
    def test_someone_elses_draft(self, client: TestClient, keys: Keys, lead2: str) -> None:
        create(client, keys.acme_lead)
        edit = make_pattern_body(title="Mine now")
        del edit["id"]
        response = client.put(f"{URL}/late_parcel/versions/1", json=edit, headers=auth(lead2))
        assert response.status_code == 403
        assert response.json()["type"].endswith("/not-your-draft")
        assert state(client, keys.acme_lead, "late_parcel")["title"] == "Parcel late: carrier trace"

    def test_author_updates_draft(self, client: TestClient, keys: Keys) -> None:
        create(client, keys.acme_lead)
        edit = make_pattern_body(title="Better title", change_note="clearer")
        del edit["id"]
        response = client.put(
            f"{URL}/late_parcel/versions/1", json=edit, headers={**auth(keys.acme_lead), "If-Match": '"1"'}
        )
        assert response.status_code == 200
        assert response.json()["pattern"]["title"] == "Better title"
        assert response.headers["ETag"] == '"2"'

    def test_two_leads_editing_second_gets_409(self, client: TestClient, keys: Keys, lead2: str) -> None:
        approved(client, keys.acme_lead, lead2)
        lock = state(client, keys.acme_lead, "late_parcel")["lock_version"]
        edit = make_pattern_body(change_note="tweak")
        del edit["id"]
        first = client.post(
            f"{URL}/late_parcel/versions",
            json={**edit, "expected_lock_version": lock},
            headers=auth(keys.acme_lead),
        )
        second = client.post(
            f"{URL}/late_parcel/versions", json={**edit, "expected_lock_version": lock}, headers=auth(lead2)
        )
        assert (first.status_code, second.status_code) == (201, 409)
        assert second.json()["type"].endswith("/stale-version")
        assert second.json()["lock_version"] == lock + 1
        assert len(state(client, keys.acme_lead, "late_parcel")["versions"]) == 2

    def test_stale_if_match(self, client: TestClient, keys: Keys) -> None:
        create(client, keys.acme_lead)
        response = client.post(
            f"{URL}/late_parcel/versions/1/submit",
            json={"note": "go"},
            headers={**auth(keys.acme_lead), "If-Match": '"7"'},
        )
        assert response.status_code == 409
        assert state(client, keys.acme_lead, "late_parcel")["latest_status"] == "draft"

    def test_bad_if_match(self, client: TestClient, keys: Keys) -> None:
        create(client, keys.acme_lead)
        response = client.post(
            f"{URL}/late_parcel/versions/1/submit",
            json={"note": "go"},
            headers={**auth(keys.acme_lead), "If-Match": "soon"},
        )
        assert response.status_code == 422
        assert response.json()["field"] == "If-Match"

    def test_edit_while_draft_open(self, client: TestClient, keys: Keys) -> None:
        create(client, keys.acme_lead)
        edit = make_pattern_body()
        del edit["id"]
        response = client.post(f"{URL}/late_parcel/versions", json=edit, headers=auth(keys.acme_lead))
        assert response.status_code == 409


class TestSuspension:
    def test_suspend_and_resume_one(self, client: TestClient, keys: Keys) -> None:
        context = "my parcel never arrived and tracking has not moved for a week"
        assert "lost_package" in served(client, keys.acme_agent, context)
        response = client.post(
            f"{URL}/lost_package/suspend", json={"reason": "carrier strike"}, headers=auth(keys.acme_lead)
        )
        assert response.status_code == 200
        assert response.json()["pattern"]["suspend_reason"] == "carrier strike"
        assert "lost_package" not in served(client, keys.acme_agent, context)
        assert "lost_package" in served(client, keys.globex_agent, context)
        again = client.post(f"{URL}/lost_package/suspend", json={"reason": "x"}, headers=auth(keys.acme_lead))
        assert again.status_code == 409
        client.post(
            f"{URL}/lost_package/resume", json={"reason": "strike over"}, headers=auth(keys.acme_lead)
        )
        assert "lost_package" in served(client, keys.acme_agent, context)

    def test_rights(self, client: TestClient, keys: Keys) -> None:
        body = {"reason": "x"}
        assert client.post(f"{URL}/lost_package/suspend", json=body).status_code == 401
        assert (
            client.post(f"{URL}/lost_package/suspend", json=body, headers=auth(keys.acme_agent)).status_code
            == 403
        )
        assert (
            client.post(f"{URL}/refund_status/suspend", json=body, headers=auth(keys.acme_lead)).status_code
            == 403
        )
        assert client.post(f"{URL}/nope/suspend", json=body, headers=auth(keys.acme_lead)).status_code == 404
        assert (
            client.post(f"{URL}/lost_package/suspend", json={}, headers=auth(keys.acme_lead)).status_code
            == 422
        )

    def test_bulk_by_intent(self, client: TestClient, keys: Keys) -> None:
        response = client.post(
            "/v1/suspensions",
            json={"intent": "lost_package", "reason": "outage"},
            headers=auth(keys.acme_admin),
        )
        assert response.status_code == 200
        assert response.json()["changed"] == ["lost_package"]
        assert "lost_package" not in served(client, keys.acme_agent, "my parcel never arrived")
        resumed = client.post(
            "/v1/suspensions/resume",
            json={"intent": "lost_package", "reason": "ok"},
            headers=auth(keys.acme_admin),
        )
        assert resumed.json()["changed"] == ["lost_package"]

    def test_bulk_by_team(self, client: TestClient, keys: Keys, lead_b: str) -> None:
        denied = client.post(
            "/v1/suspensions", json={"team": "team-b", "reason": "x"}, headers=auth(keys.acme_lead)
        )
        assert denied.status_code == 403
        response = client.post(
            "/v1/suspensions", json={"team": "team-b", "reason": "audit"}, headers=auth(lead_b)
        )
        changed = response.json()["changed"]
        assert "refund_status" in changed
        assert "lost_package" not in changed
        listed = {p["id"]: p["suspended"] for p in client.get(URL, headers=auth(lead_b)).json()}
        assert listed["refund_status"] is True
        assert listed["lost_package"] is False

    def test_bulk_malformed(self, client: TestClient, keys: Keys) -> None:
        both = {"intent": "a", "team": "b", "reason": "x"}
        assert client.post("/v1/suspensions", json=both, headers=auth(keys.acme_admin)).status_code == 422
        assert client.post("/v1/suspensions", json={"intent": "a"}).status_code == 401
        agent = client.post(
            "/v1/suspensions", json={"intent": "a", "reason": "x"}, headers=auth(keys.acme_agent)
        )
        assert agent.status_code == 403

    def test_bulk_other_tenant_untouched(self, client: TestClient, keys: Keys) -> None:
        client.post(
            "/v1/suspensions", json={"intent": "lost_package", "reason": "x"}, headers=auth(keys.globex_admin)
        )
        assert "lost_package" in served(client, keys.acme_agent, "my parcel never arrived")


GREET = """patterns:
  - id: greet
    title: Greeting
    body: "Hi {customer.first_name}, how can I help?"
    intents: [greeting]
    examples: [hello there, hi, good morning]
    owner: team-a
    status: approved
"""


class TestImportExport:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        assert client.post(f"{URL}/import", json={"format": "yaml", "content": GREET}).status_code == 401
        assert client.get(f"{URL}/export").status_code == 401

    def test_wrong_role(self, client: TestClient, keys: Keys) -> None:
        body = {"format": "yaml", "content": GREET}
        assert client.post(f"{URL}/import", json=body, headers=auth(keys.acme_lead)).status_code == 403
        assert client.get(f"{URL}/export", headers=auth(keys.acme_agent)).status_code == 403

    def test_malformed(self, client: TestClient, keys: Keys) -> None:
        headers = {**auth(keys.acme_admin), "Content-Type": "application/json"}
        assert client.post(f"{URL}/import", content=b"{", headers=headers).status_code == 400
        wrong = client.post(
            f"{URL}/import", json={"format": "xml", "content": "x"}, headers=auth(keys.acme_admin)
        )
        assert wrong.json()["errors"][0]["field"] == "format"

    def test_oversized(self, client: TestClient, keys: Keys) -> None:
        body = {"format": "yaml", "content": GREET + "#" * 300_000}
        assert client.post(f"{URL}/import", json=body, headers=auth(keys.acme_admin)).status_code == 413

    def test_bad_row_changes_nothing(self, client: TestClient, keys: Keys) -> None:
        content = GREET + GREET.replace("patterns:\n", "").replace("greet", "bye").replace(
            "owner: team-a", ""
        )
        response = client.post(
            f"{URL}/import", json={"format": "yaml", "content": content}, headers=auth(keys.acme_admin)
        )
        assert response.status_code == 422
        assert (response.json()["line"], response.json()["field"]) == (9, "owner")
        assert client.get(f"{URL}/greet", headers=auth(keys.acme_admin)).status_code == 404

    def test_valid_drafts_then_approved(self, client: TestClient, keys: Keys) -> None:
        response = client.post(
            f"{URL}/import", json={"format": "yaml", "content": GREET}, headers=auth(keys.acme_admin)
        )
        assert response.status_code == 201
        assert response.json()["patterns"] == ["greet"]
        assert state(client, keys.acme_admin, "greet")["latest_status"] == "draft"
        again = GREET.replace("greet", "greet2")
        approved_import = client.post(
            f"{URL}/import",
            json={"format": "yaml", "content": again, "approve": True},
            headers=auth(keys.acme_admin),
        )
        assert approved_import.json()["audit"][0]["after"]["approved_on_import"] is True
        assert state(client, keys.acme_admin, "greet2")["serving_version"] == 1
        assert "greet2" in served(client, keys.acme_agent, "hello there, good morning")

    def test_other_tenant(self, client: TestClient, keys: Keys) -> None:
        client.post(f"{URL}/import", json={"format": "yaml", "content": GREET}, headers=auth(keys.acme_admin))
        exported = client.get(f"{URL}/export", params={"format": "csv"}, headers=auth(keys.globex_admin))
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        assert "greet" not in exported.text
        assert "lost_package" in exported.text


CONTENT = {k: v for k, v in make_pattern_body().items() if k != "id"}
PATTERN_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/late_parcel", None),
    ("GET", "/late_parcel/versions", None),
    ("POST", "/late_parcel/versions", CONTENT),
    ("PUT", "/late_parcel/versions/1", CONTENT),
    ("POST", "/late_parcel/versions/1/submit", {"note": "x"}),
    ("POST", "/late_parcel/versions/1/approve", {"note": "x"}),
    ("POST", "/late_parcel/versions/1/reject", {"note": "x"}),
    ("POST", "/late_parcel/versions/1/retire", {"note": "x"}),
    ("POST", "/late_parcel/rollback", {"version": 1, "note": "x"}),
    ("POST", "/late_parcel/suspend", {"reason": "x"}),
    ("POST", "/late_parcel/resume", {"reason": "x"}),
]


@pytest.mark.parametrize(("method", "path", "body"), PATTERN_ENDPOINTS)
class TestEveryPatternEndpoint:
    """Each endpoint refuses the anonymous, agents, other teams' leads and other tenants, changing nothing."""

    def test_denials(
        self, client: TestClient, keys: Keys, lead_b: str, method: str, path: str, body: dict[str, Any] | None
    ) -> None:
        create(client, keys.acme_lead)
        before = state(client, keys.acme_admin, "late_parcel")

        def call(secret: str | None) -> int:
            headers = auth(secret) if secret else {}
            return client.request(method, URL + path, json=body, headers=headers).status_code

        assert call(None) == 401
        assert call(keys.acme_agent) == 403
        assert call(keys.globex_admin) == 404
        if method != "GET":
            assert call(lead_b) == 403
        assert state(client, keys.acme_admin, "late_parcel") == before
