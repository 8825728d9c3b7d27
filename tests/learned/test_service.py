"""Which decisions make a candidate example, and how they are counted: over HTTP, on both engines."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from advisor.feedback.models import Action, FeedbackIn
from advisor.feedback.service import record
from advisor.learned.capture import MASK
from advisor.settings import Settings
from advisor.store.decisions import DecisionLog
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.learned import LearnedExampleRepository
from advisor.store.patterns import PatternRepository
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.models import ApiRole, Principal
from tests.builders import Keys, add_key, auth, run_together
from tests.learned.steps import (
    TAUGHT,
    TEACH,
    URL,
    accept,
    decide,
    listed,
    serve,
    stored_examples,
    stored_request,
)


def what(candidate: dict[str, Any]) -> tuple[str, int, str, str]:
    """A candidate's pattern, pattern version, text and status."""
    return (candidate["pattern_id"], candidate["pattern_version"], candidate["text"], candidate["status"])


class TestCapture:
    def test_accepted_suggestion_makes_a_pending_candidate_with_masked_text(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        response = serve(client, keys.acme_agent, TEACH)
        top = response["recommendations"][0]
        assert listed(client, keys.acme_admin) == []  # serving alone proposes nothing
        decide(client, keys.acme_agent, top["recommendation_id"])
        [candidate] = listed(client, keys.acme_admin)
        assert what(candidate) == ("lost_package", 1, TAUGHT, "pending")
        assert (candidate["decisions"], candidate["agents"], candidate["corrections"]) == (1, 1, 0)
        assert candidate["pattern_title"] == "Package not arrived — open a carrier trace"
        assert candidate["first_seen"] == candidate["last_seen"]
        assert stored_request(settings.database_url, response["request_id"]).topic_text == TAUGHT

    def test_identifiers_and_crm_values_never_reach_the_store(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        text = "Hi, Dana here (dana.k@example.com), parcel 1Z999AA1 never showed up at my door, see https://x.co/t"
        response = serve(client, keys.acme_agent, text)
        decide(client, keys.acme_agent, response["recommendations"][0]["recommendation_id"])
        kept = f"Hi, {MASK} here {MASK} parcel {MASK} never showed up at my door, see {MASK}"
        assert stored_request(settings.database_url, response["request_id"]).topic_text == kept
        assert [c["text"] for c in listed(client, keys.acme_admin)] == [kept]

    def test_escalated_request_keeps_its_masked_turn_and_teaches_nothing(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        response = serve(client, keys.acme_agent, "what's the weather like in Paris for order A1001")
        assert response["escalate"] is True
        kept = stored_request(settings.database_url, response["request_id"]).topic_text
        assert kept == "what's the weather like in Paris for order […]"
        assert listed(client, keys.acme_admin) == []

    def test_the_turn_that_raised_the_topic_is_kept(self, client: TestClient, keys: Keys) -> None:
        # "hello" raises no topic. (A ranker that names no topic turn falls back to the latest customer turn.)
        turns = [
            {"role": "customer", "text": "hello"},
            {"role": "agent", "text": "Hi, how can I help?"},
            {"role": "customer", "text": TEACH},
        ]
        rec = serve(client, keys.acme_agent, TEACH, turns=turns)["recommendations"][0]
        decide(client, keys.acme_agent, rec["recommendation_id"])
        assert [c["text"] for c in listed(client, keys.acme_admin)] == [TAUGHT]

    def test_resent_feedback_does_not_count_twice(self, client: TestClient, keys: Keys) -> None:
        rec = serve(client, keys.acme_agent, TEACH)["recommendations"][0]["recommendation_id"]
        assert decide(client, keys.acme_agent, rec, event_id="desk-1")["duplicate"] is False
        assert decide(client, keys.acme_agent, rec, event_id="desk-1")["duplicate"] is True
        [candidate] = listed(client, keys.acme_admin)
        assert (candidate["decisions"], candidate["agents"]) == (1, 1)

    def test_one_agent_accepting_ten_times_counts_one_agent(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        for n in range(10):
            accept(client, keys.acme_agent, TEACH, interaction_id=f"chat-{n}")
        [candidate] = listed(client, keys.acme_admin)
        assert (candidate["decisions"], candidate["agents"]) == (10, 1)
        accept(client, keys.acme_agent2, TEACH.upper(), agent_id="agent-2")  # same text, another agent
        [candidate] = listed(client, keys.acme_admin)
        assert (candidate["decisions"], candidate["agents"]) == (11, 2)
        assert len(stored_examples(settings.database_url)) == 1

    def test_one_suggestion_confirmed_twice_is_one_decision(self, client: TestClient, keys: Keys) -> None:
        rec = serve(client, keys.acme_agent, TEACH)["recommendations"][0]
        decide(client, keys.acme_agent, rec["recommendation_id"], "accepted")
        decide(
            client, keys.acme_agent, rec["recommendation_id"], "edited", final_text=rec["text"] + " Thanks!"
        )
        [candidate] = listed(client, keys.acme_admin)
        assert (candidate["decisions"], candidate["agents"]) == (1, 1)

    def test_lightly_edited_reply_counts(self, client: TestClient, keys: Keys) -> None:
        rec = serve(client, keys.acme_agent, TEACH)["recommendations"][0]
        light = rec["text"].replace("I'm sorry", "So sorry") + " Thanks!"
        decide(client, keys.acme_agent, rec["recommendation_id"], "edited", final_text=light)
        assert [c["decisions"] for c in listed(client, keys.acme_admin)] == [1]

    def test_heavily_edited_reply_makes_no_candidate(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        rec = serve(client, keys.acme_agent, TEACH)["recommendations"][0]
        rewrite = "Hello Dana, let me look into where your parcel went and I'll get back to you today."
        decide(client, keys.acme_agent, rec["recommendation_id"], "edited", final_text=rewrite)
        assert listed(client, keys.acme_admin) == []
        assert stored_examples(settings.database_url) == []

    def test_rejected_or_only_shown_makes_no_candidate(self, client: TestClient, keys: Keys) -> None:
        rec = serve(client, keys.acme_agent, TEACH)["recommendations"][0]["recommendation_id"]
        decide(client, keys.acme_agent, rec, "shown")
        decide(client, keys.acme_agent, rec, "rejected", reason="wrong_intent")
        assert listed(client, keys.acme_admin) == []

    def test_a_correction_makes_a_candidate_of_the_pattern_sent_instead(
        self, client: TestClient, keys: Keys
    ) -> None:
        """A rejection naming the pattern the agent sent instead teaches that pattern the customer's words
        (the suggestion was wrong, so the suggested pattern learns nothing); a second correction of the
        same suggestion is the same decision."""
        rec = serve(client, keys.acme_agent, TEACH)["recommendations"][0]
        assert rec["pattern_id"] == "lost_package"
        for reason in ("wrong_intent", "other"):
            decide(
                client,
                keys.acme_agent,
                rec["recommendation_id"],
                "rejected",
                reason=reason,
                used_pattern_id="refund_status",
            )
        [candidate] = listed(client, keys.acme_admin)
        assert what(candidate) == ("refund_status", 1, TAUGHT, "pending")
        assert (candidate["decisions"], candidate["agents"], candidate["corrections"]) == (1, 1, 1)

    def test_a_correction_to_a_suspended_pattern_is_kept_and_teaches_nothing(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        engine = make_engine(settings.database_url)
        with make_sessionmaker(engine)() as session, session.begin():
            patterns = PatternRepository(session)
            head = patterns.head("acme", "refund_status")
            assert head is not None
            patterns.set_suspended(head, True, "wrong refund policy")
        engine.dispose()
        rec = serve(client, keys.acme_agent, TEACH)["recommendations"][0]["recommendation_id"]
        body = {"reason": "wrong_intent", "used_pattern_id": "refund_status", "event_id": "desk-9"}
        assert decide(client, keys.acme_agent, rec, "rejected", **body)["duplicate"] is False
        assert decide(client, keys.acme_agent, rec, "rejected", **body)["duplicate"] is True
        assert listed(client, keys.acme_admin) == []

    def test_text_that_is_already_an_example_makes_no_candidate(self, client: TestClient, keys: Keys) -> None:
        accept(client, keys.acme_agent, "My package never arrived!")  # the pack's example, other case
        assert listed(client, keys.acme_admin) == []

    def test_rejected_text_never_comes_back_as_pending(self, client: TestClient, keys: Keys) -> None:
        accept(client, keys.acme_agent, TEACH)
        [candidate] = listed(client, keys.acme_admin)
        response = client.post(
            f"{URL}/review", json={"reject": [candidate["id"]]}, headers=auth(keys.acme_lead)
        )
        assert response.status_code == 200, response.text
        for n in range(3):
            accept(client, keys.acme_agent2, TEACH, agent_id="agent-2", interaction_id=f"again-{n}")
        assert listed(client, keys.acme_admin, status="pending") == []
        [rejected] = listed(client, keys.acme_admin)
        assert (rejected["status"], rejected["decisions"], rejected["agents"]) == ("rejected", 1, 1)

    def test_other_tenants_decisions_stay_in_their_tenant(self, client: TestClient, keys: Keys) -> None:
        accept(client, keys.globex_agent, TEACH)
        assert listed(client, keys.acme_admin) == []
        assert [c["text"] for c in listed(client, keys.globex_admin)] == [TAUGHT]


def test_concurrent_decisions_all_count(client: TestClient, keys: Keys, settings: Settings) -> None:
    """Agents confirming the same new text at the same moment make one candidate that counts them all."""
    agents = [f"agent-{n}" for n in range(6)]
    url = settings.database_url
    secrets = {a: add_key(url, "acme", "agent", team_id="team-a", agent_id=a) for a in agents}
    served = {agent: serve(client, secrets[agent], TEACH, agent_id=agent) for agent in agents}
    recs = {agent: response["recommendations"][0]["recommendation_id"] for agent, response in served.items()}
    stored_request(settings.database_url, served[agents[-1]]["request_id"])  # batches are written in order
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    queue = list(agents)

    def confirm() -> None:
        agent = queue.pop()
        principal = Principal("acme", ApiRole.agent, key_id="k", agent_id=agent)
        event = FeedbackIn(
            recommendation_id=recs[agent], client_event_id=f"c-{agent}", action=Action.accepted
        )
        with factory() as session, session.begin():
            record(
                event,
                principal,
                DecisionLog(session),
                LearnedExampleRepository(session),
                WebhookRepository(session),
            )

    errors = run_together(confirm, len(agents))
    engine.dispose()
    assert errors == []
    [candidate] = listed(client, keys.acme_admin)
    assert (candidate["decisions"], candidate["agents"]) == (6, 6)
