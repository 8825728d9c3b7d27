"""POST /v1/feedback: idempotent, durable, tenant- and agent-scoped."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from advisor.patterns.models import PatternSpec
from advisor.patterns.service import add_patterns
from advisor.settings import Settings
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.patterns import PatternRepository
from advisor.store.tables.decisions import FeedbackEventRow
from tests.builders import Keys, auth, make_context, stored_rows

URL = "/v1/feedback"


def recommend(client: TestClient, secret: str) -> str:
    response = client.post("/v1/recommendations", json=make_context(), headers=auth(secret))
    return str(response.json()["recommendations"][0]["recommendation_id"])


def events(settings: Settings) -> list[FeedbackEventRow]:
    return stored_rows(settings.database_url, select(FeedbackEventRow).order_by(FeedbackEventRow.id))


def event(rec_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "recommendation_id": rec_id,
        "client_event_id": "evt-1",
        "action": "accepted",
        "time_to_decision_ms": 4200,
    }
    body.update(overrides)
    return body


class TestFeedback:
    def test_anonymous(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        rec = recommend(client, keys.acme_agent)
        assert client.post(URL, json=event(rec)).status_code == 401
        assert events(settings) == []

    @pytest.mark.parametrize("action", ["shown", "accepted"])
    def test_valid(self, client: TestClient, keys: Keys, settings: Settings, action: str) -> None:
        rec = recommend(client, keys.acme_agent)
        response = client.post(URL, json=event(rec, action=action), headers=auth(keys.acme_agent))
        assert response.status_code == 201
        assert response.json()["duplicate"] is False
        [row] = events(settings)
        assert (row.action, row.pattern_id, row.agent_id, row.time_to_decision_ms) == (
            action,
            "lost_package",
            "agent-1",
            4200,
        )

    def test_edited_keeps_final_text(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        rec = recommend(client, keys.acme_agent)
        body = event(rec, action="edited", final_text="Sorry Dana, I've asked UPS to trace A1001.")
        assert client.post(URL, json=body, headers=auth(keys.acme_agent)).status_code == 201
        assert events(settings)[0].final_text == "Sorry Dana, I've asked UPS to trace A1001."

    def test_edited_without_text(self, client: TestClient, keys: Keys) -> None:
        rec = recommend(client, keys.acme_agent)
        response = client.post(URL, json=event(rec, action="edited"), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "final_text"

    def test_rejected_without_reason_names_the_field(self, client: TestClient, keys: Keys) -> None:
        rec = recommend(client, keys.acme_agent)
        response = client.post(URL, json=event(rec, action="rejected"), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        [error] = response.json()["errors"]
        assert error["field"] == "reason"
        assert "required when action is 'rejected'" in error["message"]

    def test_reason_on_an_acceptance_names_the_field(self, client: TestClient, keys: Keys) -> None:
        rec = recommend(client, keys.acme_agent)
        body = event(rec, action="accepted", reason="tone")
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "reason"

    def test_rejected_needs_known_reason(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        rec = recommend(client, keys.acme_agent)
        bad = client.post(
            URL, json=event(rec, action="rejected", reason="meh"), headers=auth(keys.acme_agent)
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "reason"
        good = client.post(
            URL,
            json=event(rec, action="rejected", reason="wrong_intent", comment="asked for refund"),
            headers=auth(keys.acme_agent),
        )
        assert good.status_code == 201
        assert [(e.reason, e.comment) for e in events(settings)] == [("wrong_intent", "asked for refund")]

    def test_resend_is_acknowledged_not_stored_twice(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        rec = recommend(client, keys.acme_agent)
        first = client.post(URL, json=event(rec), headers=auth(keys.acme_agent))
        second = client.post(URL, json=event(rec), headers=auth(keys.acme_agent))
        assert (first.status_code, second.status_code) == (201, 200)
        assert second.json()["duplicate"] is True
        assert second.json()["event_id"] == first.json()["event_id"]
        assert len(events(settings)) == 1

    def test_resend_of_an_edit_stored_redacted_is_acknowledged(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        rec = recommend(client, keys.acme_agent)
        edit = event(rec, action="edited", final_text="I've sent the label to dana@example.com.")
        first = client.post(URL, json=edit, headers=auth(keys.acme_agent))
        second = client.post(URL, json=edit, headers=auth(keys.acme_agent))  # e.g. after a timeout
        assert (first.status_code, second.status_code) == (201, 200)
        assert second.json()["duplicate"] is True
        assert [e.final_text for e in events(settings)] == ["I've sent the label to [EMAIL]."]
        other = client.post(
            URL, json={**edit, "final_text": "Sent to another address."}, headers=auth(keys.acme_agent)
        )
        assert other.status_code == 409

    def test_reused_event_id_for_other_content_is_conflict(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        rec = recommend(client, keys.acme_agent)
        client.post(URL, json=event(rec), headers=auth(keys.acme_agent))
        response = client.post(
            URL, json=event(rec, action="rejected", reason="tone"), headers=auth(keys.acme_agent)
        )
        assert response.status_code == 409
        assert [e.action for e in events(settings)] == ["accepted"]

    def test_unknown_recommendation_is_404(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        response = client.post(URL, json=event("does-not-exist"), headers=auth(keys.acme_agent))
        assert response.status_code == 404
        assert response.json()["field"] == "recommendation_id"
        assert events(settings) == []

    def test_other_tenant(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        rec = recommend(client, keys.acme_agent)
        response = client.post(URL, json=event(rec), headers=auth(keys.globex_admin))
        assert response.status_code == 404
        assert events(settings) == []

    def test_agent_only_for_themselves(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        rec = recommend(client, keys.acme_agent)
        response = client.post(URL, json=event(rec), headers=auth(keys.acme_agent2))
        assert response.status_code == 403
        assert events(settings) == []

    def test_a_correction_names_the_pattern_sent_instead(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        rec = recommend(client, keys.acme_agent)
        body = event(rec, action="rejected", reason="wrong_intent", used_pattern_id="refund_status")
        assert client.post(URL, json=body, headers=auth(keys.acme_agent)).status_code == 201
        assert [(e.action, e.used_pattern_id) for e in events(settings)] == [("rejected", "refund_status")]
        resent = client.post(URL, json=body, headers=auth(keys.acme_agent))
        assert (resent.status_code, resent.json()["duplicate"]) == (200, True)
        other = client.post(
            URL, json={**body, "used_pattern_id": "password_reset"}, headers=auth(keys.acme_agent)
        )
        assert other.status_code == 409  # the same event id with another correction
        assert len(events(settings)) == 1

    @pytest.mark.parametrize("action", ["accepted", "shown"])
    def test_a_correction_only_on_a_rejection(self, client: TestClient, keys: Keys, action: str) -> None:
        rec = recommend(client, keys.acme_agent)
        body = event(rec, action=action, used_pattern_id="refund_status")
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "used_pattern_id"

    @pytest.mark.parametrize(
        ("used", "status"),
        [("no_such_pattern", 404), ("globex_only", 404), ("lost_package", 422), ("bad id!", 422)],
    )
    def test_a_correction_names_a_pattern_of_this_library_other_than_the_suggestion(
        self, client: TestClient, keys: Keys, settings: Settings, used: str, status: int
    ) -> None:
        """Unknown, another tenant's (globex_only is served by globex alone) and the suggestion's own
        pattern are refused, naming the field; nothing is stored."""
        engine = make_engine(settings.database_url)
        with make_sessionmaker(engine)() as session, session.begin():
            only = PatternSpec.model_validate(
                {
                    "id": "globex_only",
                    "title": "Globex only",
                    "body": "Hello.",
                    "intents": ["greeting"],
                    "owner": "t",
                    "status": "approved",
                    "examples": ["hello there"],
                }
            )
            add_patterns(PatternRepository(session), "globex", [only])
        engine.dispose()
        rec = recommend(client, keys.acme_agent)
        body = event(rec, action="rejected", reason="wrong_intent", used_pattern_id=used)
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        assert response.status_code == status, response.text
        problem = response.json()
        assert (problem.get("field") or problem["errors"][0]["field"]) == "used_pattern_id"
        assert events(settings) == []
        if used == "globex_only":  # another tenant's pattern answers exactly as one that does not exist
            unknown = client.post(
                URL, json={**body, "used_pattern_id": "no_such_pattern"}, headers=auth(keys.acme_agent)
            ).json()
            assert {**problem, "detail": ""} == {**unknown, "detail": ""}
            assert problem["detail"] == unknown["detail"].replace("no_such_pattern", "globex_only")

    def test_malformed(self, client: TestClient, keys: Keys) -> None:
        response = client.post(
            URL, content=b"not json", headers={**auth(keys.acme_agent), "Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["type"].endswith("/malformed-json")

    def test_unknown_action(self, client: TestClient, keys: Keys) -> None:
        rec = recommend(client, keys.acme_agent)
        response = client.post(URL, json=event(rec, action="liked"), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "action"

    def test_oversized(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        rec = recommend(client, keys.acme_agent)
        body = event(rec, action="edited", final_text="z" * 1_000_000)
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        assert response.status_code == 413
        assert events(settings) == []

    def test_negative_time_to_decision(self, client: TestClient, keys: Keys) -> None:
        rec = recommend(client, keys.acme_agent)
        response = client.post(URL, json=event(rec, time_to_decision_ms=-5), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "time_to_decision_ms"
