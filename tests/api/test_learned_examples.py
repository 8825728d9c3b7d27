"""/v1/learned-examples over HTTP on SQLite and PostgreSQL: list, bulk review, withdraw, rights, tenants."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.app import create_app
from advisor.learned.models import MAX_APPROVED_PER_PATTERN, MAX_REVIEW_IDS, LearnedStatus
from advisor.settings import Settings
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.learned import LearnedExampleRepository
from advisor.store.patterns import PatternRepository
from advisor.utc import utcnow
from tests.builders import Keys, add_key, auth, seed_tenants
from tests.conftest import Database, make_settings
from tests.learned.steps import PROBE, TAUGHT, TEACH, URL, accept, listed, serve, stored_examples, taught

REVIEW = f"{URL}/review"


@pytest.fixture
def settings(database: Database) -> Settings:
    """Settings on SQLite and PostgreSQL (both run on CI)."""
    return make_settings(database.url)


@pytest.fixture
def lead_b(keys: Keys, settings: Settings) -> str:
    """A lead of team-b (lost_package belongs to team-a)."""
    return add_key(settings.database_url, "acme", "lead", team_id="team-b", agent_id="lead-b")


def post(client: TestClient, path: str, body: Any, secret: str | None) -> Any:
    return client.post(path, json=body, headers=auth(secret) if secret else {})


def statuses(settings: Settings) -> list[str]:
    return [row.status for row in stored_examples(settings.database_url)]


def audit(client: TestClient, keys: Keys, action: str) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", params={"action": action}, headers=auth(keys.acme_admin))
    assert response.status_code == 200, response.text
    return list(response.json())


def served_examples(settings: Settings, pattern_id: str) -> list[str]:
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        specs = {s.id: s for s in PatternRepository(session).serving("acme")}
    engine.dispose()
    return specs[pattern_id].examples


def add_candidates(settings: Settings, pattern_id: str, n: int, *, approved: int = 0) -> list[int]:
    """Store ``n`` candidates of a pattern through the repository, the first ``approved`` of them approved."""
    engine = make_engine(settings.database_url)
    ids = []
    with make_sessionmaker(engine)() as session, session.begin():
        repo = LearnedExampleRepository(session)
        for i in range(n):
            row = repo.add(
                "acme", pattern_id, 1, f"parcel story number {'x' * (i + 1)}", f"{i:064d}", utcnow()
            )
            if i < approved:
                repo.set_status(row, "pending", LearnedStatus.approved, "admin:test", None)
            ids.append(row.id)
    engine.dispose()
    return ids


class TestEndToEnd:
    def test_approved_example_answers_a_new_message_until_withdrawn(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        assert serve(client, keys.acme_agent, PROBE)["escalate"] is True
        candidate = taught(client, keys.acme_agent, keys.acme_admin)
        assert (candidate["text"], candidate["status"]) == (TAUGHT, "pending")

        review = post(client, REVIEW, {"approve": [candidate["id"]], "note": "good one"}, keys.acme_lead)
        assert review.status_code == 200, review.text
        [changed] = review.json()["changed"]
        assert (changed["status"], changed["review_note"]) == ("approved", "good one")
        assert changed["reviewed_by"].startswith("lead:key-")
        assert TAUGHT in served_examples(settings, "lost_package")
        answered = serve(client, keys.acme_agent, PROBE)
        assert answered["escalate"] is False
        assert answered["recommendations"][0]["pattern_id"] == "lost_package"
        [entry] = audit(client, keys, "learned_example.approve")
        assert (entry["subject_type"], entry["subject_id"], entry["note"]) == (
            "learned_example",
            str(candidate["id"]),
            "good one",
        )
        assert (entry["before"]["status"], entry["after"]["status"], entry["after"]["text"]) == (
            "pending",
            "approved",
            TAUGHT,
        )
        assert entry["actor"] == changed["reviewed_by"]

        undo = post(client, f"{URL}/{candidate['id']}/withdraw", {"note": "too broad"}, keys.acme_lead)
        assert undo.status_code == 200, undo.text
        assert undo.json()["changed"][0]["status"] == "withdrawn"
        assert TAUGHT not in served_examples(settings, "lost_package")
        assert serve(client, keys.acme_agent, PROBE)["escalate"] is True
        [entry] = audit(client, keys, "learned_example.withdraw")
        assert (entry["before"]["status"], entry["after"]["status"], entry["note"]) == (
            "approved",
            "withdrawn",
            "too broad",
        )

    def test_withdrawn_text_does_not_come_back_as_pending_but_can_be_approved_again(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        candidate = taught(client, keys.acme_agent, keys.acme_admin)
        post(client, REVIEW, {"approve": [candidate["id"]]}, keys.acme_admin)
        post(client, f"{URL}/{candidate['id']}/withdraw", None, keys.acme_admin)
        accept(client, keys.acme_agent2, TEACH, agent_id="agent-2", interaction_id="later")
        assert listed(client, keys.acme_admin, status="pending") == []
        again = post(client, REVIEW, {"approve": [candidate["id"]]}, keys.acme_admin)
        assert again.status_code == 200
        assert statuses(settings) == ["approved"]
        assert serve(client, keys.acme_agent, PROBE)["escalate"] is False


def test_a_review_is_committed_before_its_answer_is_sent(settings: Settings) -> None:
    """A lead who gets 200 and lists again at once sees the change: the answer never precedes the commit."""
    seen_at_answer: list[list[str]] = []
    app = create_app(settings)

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def spy(message: Any) -> None:
            if message["type"] == "http.response.start" and scope["path"] == REVIEW:
                seen_at_answer.append(statuses(settings))  # another connection, as the next request would
            await send(message)

        await app(scope, receive, spy)

    with TestClient(watching) as client:
        keys = seed_tenants(settings.database_url)
        [candidate] = add_candidates(settings, "lost_package", 1)
        review = post(client, REVIEW, {"approve": [candidate]}, keys.acme_lead)
    assert review.status_code == 200, review.text
    assert seen_at_answer == [["approved"]]


class TestListLearnedExamples:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        response = client.get(URL)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    def test_agent_is_forbidden(self, client: TestClient, keys: Keys) -> None:
        taught(client, keys.acme_agent, keys.acme_admin)
        response = client.get(URL, headers=auth(keys.acme_agent))
        assert response.status_code == 403
        assert TAUGHT not in response.text

    def test_malformed(self, client: TestClient, keys: Keys) -> None:
        for params in ({"status": "maybe"}, {"limit": 0}, {"after_id": -1}, {"limit": "ten"}):
            response = client.get(URL, params=params, headers=auth(keys.acme_admin))
            assert response.status_code == 422, params
            assert response.headers["content-type"] == "application/problem+json"

    def test_oversized(self, client: TestClient, keys: Keys) -> None:
        assert client.get(URL, params={"limit": 5000}, headers=auth(keys.acme_admin)).status_code == 422
        response = client.get(URL, params={"pattern_id": "p" * 200}, headers=auth(keys.acme_admin))
        assert response.status_code == 422

    def test_other_tenant_sees_nothing(self, client: TestClient, keys: Keys) -> None:
        taught(client, keys.acme_agent, keys.acme_admin)
        assert listed(client, keys.globex_admin) == []

    def test_lead_outside_team_scope(self, client: TestClient, keys: Keys, lead_b: str) -> None:
        taught(client, keys.acme_agent, keys.acme_admin)
        assert listed(client, lead_b) == []
        response = client.get(URL, params={"pattern_id": "lost_package"}, headers=auth(lead_b))
        assert response.status_code == 403
        assert response.json()["field"] == "owner"
        assert [c["text"] for c in listed(client, keys.acme_lead)] == [TAUGHT]

    def test_filters_and_pages(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        ids = add_candidates(settings, "lost_package", 5, approved=2)
        refund = add_candidates(settings, "refund_status", 1)
        assert [c["id"] for c in listed(client, keys.acme_admin, limit=3)] == ids[:3]
        assert [c["id"] for c in listed(client, keys.acme_admin, after_id=ids[2])] == [*ids[3:], *refund]
        assert [c["id"] for c in listed(client, keys.acme_admin, status="approved")] == ids[:2]
        assert [c["id"] for c in listed(client, keys.acme_admin, pattern_id="refund_status")] == refund
        assert [c["id"] for c in listed(client, keys.acme_lead, status="pending")] == ids[2:]


class TestReview:
    def test_anonymous(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        candidate = taught(client, keys.acme_agent, keys.acme_admin)
        assert post(client, REVIEW, {"approve": [candidate["id"]]}, None).status_code == 401
        assert statuses(settings) == ["pending"]

    def test_agent_is_forbidden(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        candidate = taught(client, keys.acme_agent, keys.acme_admin)
        assert post(client, REVIEW, {"approve": [candidate["id"]]}, keys.acme_agent).status_code == 403
        assert statuses(settings) == ["pending"]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "body"),
            ({"approve": []}, "body"),
            ({"approve": "1"}, "approve"),
            ({"approve": [0]}, "approve.0"),
            ({"approve": ["one"]}, "approve.0"),
            ({"approve": [1], "reject": [1]}, "body"),
            ({"approve": [1], "publish": True}, "publish"),
            ({"approve": [1], "note": "a\x00b"}, "note"),
        ],
    )
    def test_malformed(self, client: TestClient, keys: Keys, body: dict[str, Any], field: str) -> None:
        response = post(client, REVIEW, body, keys.acme_admin)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field

    def test_not_json(self, client: TestClient, keys: Keys) -> None:
        headers = {**auth(keys.acme_admin), "Content-Type": "application/json"}
        response = client.post(REVIEW, content=b"{approve: [1", headers=headers)
        assert response.status_code == 400
        assert response.json()["type"].endswith("/malformed-json")

    def test_oversized(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        candidate = taught(client, keys.acme_agent, keys.acme_admin)
        many = list(range(1, MAX_REVIEW_IDS + 2))
        assert post(client, REVIEW, {"approve": many}, keys.acme_admin).status_code == 422
        half = MAX_REVIEW_IDS // 2 + 1
        split = {"approve": many[:half], "reject": many[half : 2 * half]}
        assert post(client, REVIEW, split, keys.acme_admin).status_code == 422
        long_note = {"approve": [candidate["id"]], "note": "n" * 2_001}
        response = post(client, REVIEW, long_note, keys.acme_admin)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "note"
        assert statuses(settings) == ["pending"]

    def test_other_tenants_candidate_is_not_found(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        candidate = taught(client, keys.acme_agent, keys.acme_admin)
        response = post(client, REVIEW, {"approve": [candidate["id"]]}, keys.globex_admin)
        assert response.status_code == 404
        assert response.json()["detail"] == f"no learned example {candidate['id']}"
        assert TAUGHT not in response.text
        assert "lost_package" not in response.text
        assert statuses(settings) == ["pending"]

    def test_unknown_id_changes_nothing(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        candidate = taught(client, keys.acme_agent, keys.acme_admin)
        body = {"approve": [candidate["id"]], "reject": [candidate["id"] + 1000]}
        response = post(client, REVIEW, body, keys.acme_admin)
        assert response.status_code == 404
        assert response.json()["field"] == "reject"
        assert statuses(settings) == ["pending"]
        assert audit(client, keys, "learned_example.approve") == []

    def test_lead_outside_team_scope(
        self, client: TestClient, keys: Keys, lead_b: str, settings: Settings
    ) -> None:
        candidate = taught(client, keys.acme_agent, keys.acme_admin)
        response = post(client, REVIEW, {"approve": [candidate["id"]]}, lead_b)
        assert response.status_code == 403
        assert response.json()["field"] == "owner"
        assert statuses(settings) == ["pending"]

    def test_valid_bulk(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        ids = add_candidates(settings, "lost_package", 4)
        body = {"approve": [ids[0], ids[1]], "reject": [ids[2]], "note": "weekly review"}
        response = post(client, REVIEW, body, keys.acme_lead)
        assert response.status_code == 200, response.text
        out = response.json()
        assert [(c["id"], c["status"]) for c in out["changed"]] == [
            (ids[0], "approved"),
            (ids[1], "approved"),
            (ids[2], "rejected"),
        ]
        assert out["unchanged"] == []
        assert [e["action"] for e in out["audit"]] == [
            "learned_example.approve",
            "learned_example.approve",
            "learned_example.reject",
        ]
        assert statuses(settings) == ["approved", "approved", "rejected", "pending"]
        again = post(client, REVIEW, {"approve": [ids[0]], "reject": [ids[2]]}, keys.acme_lead).json()
        assert (again["changed"], sorted(again["unchanged"])) == ([], [ids[0], ids[2]])
        assert len(audit(client, keys, "learned_example.approve")) == 2

    def test_rejecting_an_approved_example_is_a_conflict(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        [approved] = add_candidates(settings, "lost_package", 1, approved=1)
        response = post(client, REVIEW, {"reject": [approved]}, keys.acme_admin)
        assert response.status_code == 409
        assert "withdraw" in response.json()["detail"]
        assert statuses(settings) == ["approved"]

    def test_approvals_are_bounded_per_pattern(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        ids = add_candidates(
            settings, "lost_package", MAX_APPROVED_PER_PATTERN + 1, approved=MAX_APPROVED_PER_PATTERN - 1
        )
        response = post(client, REVIEW, {"approve": ids[-2:]}, keys.acme_admin)
        assert response.status_code == 409
        assert response.json()["type"].endswith("/too-many-examples")
        assert statuses(settings).count("approved") == MAX_APPROVED_PER_PATTERN - 1
        assert post(client, REVIEW, {"approve": ids[-1:]}, keys.acme_admin).status_code == 200


class TestWithdraw:
    def approved(self, client: TestClient, keys: Keys) -> int:
        candidate = taught(client, keys.acme_agent, keys.acme_admin)
        assert post(client, REVIEW, {"approve": [candidate["id"]]}, keys.acme_admin).status_code == 200
        return int(candidate["id"])

    def test_anonymous(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        example = self.approved(client, keys)
        assert post(client, f"{URL}/{example}/withdraw", None, None).status_code == 401
        assert statuses(settings) == ["approved"]

    def test_agent_is_forbidden(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        example = self.approved(client, keys)
        assert post(client, f"{URL}/{example}/withdraw", None, keys.acme_agent).status_code == 403
        assert statuses(settings) == ["approved"]

    def test_malformed(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        example = self.approved(client, keys)
        assert post(client, f"{URL}/{example}/withdraw", {"reason": "x"}, keys.acme_admin).status_code == 422
        assert post(client, f"{URL}/{example}/withdraw", ["x"], keys.acme_admin).status_code == 422
        assert post(client, f"{URL}/zero/withdraw", None, keys.acme_admin).status_code == 422
        assert statuses(settings) == ["approved"]

    def test_oversized(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        example = self.approved(client, keys)
        response = post(client, f"{URL}/{example}/withdraw", {"note": "n" * 2_001}, keys.acme_admin)
        assert response.status_code == 422
        assert statuses(settings) == ["approved"]

    def test_other_tenant(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        example = self.approved(client, keys)
        response = post(client, f"{URL}/{example}/withdraw", None, keys.globex_admin)
        assert response.status_code == 404
        assert TAUGHT not in response.text
        assert statuses(settings) == ["approved"]

    def test_lead_outside_team_scope(
        self, client: TestClient, keys: Keys, lead_b: str, settings: Settings
    ) -> None:
        example = self.approved(client, keys)
        assert post(client, f"{URL}/{example}/withdraw", None, lead_b).status_code == 403
        assert statuses(settings) == ["approved"]

    def test_only_an_approved_example_can_be_withdrawn(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        candidate = taught(client, keys.acme_agent, keys.acme_admin)
        response = post(client, f"{URL}/{candidate['id']}/withdraw", None, keys.acme_admin)
        assert response.status_code == 409
        assert response.json()["status_now"] == "pending"
        assert statuses(settings) == ["pending"]

    def test_valid(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        example = self.approved(client, keys)
        response = post(client, f"{URL}/{example}/withdraw", None, keys.acme_lead)
        assert response.status_code == 200, response.text
        assert [e["action"] for e in response.json()["audit"]] == ["learned_example.withdraw"]
        assert statuses(settings) == ["withdrawn"]
        assert TAUGHT not in served_examples(settings, "lost_package")
