"""POST /v1/recommendations through the real app on a real SQLite file."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session

from advisor.bootstrap import try_it_request
from advisor.context.models import InteractionContext
from advisor.patterns.files import load_patterns
from advisor.ranking import eligibility
from advisor.ranking.eligibility import StagePolicy
from advisor.settings import DEMO_PACK_DIR, Settings
from advisor.store.tables.decisions import RecommendationRequestRow, RecommendationRow
from tests.builders import Keys, auth, make_context, seed_tenants
from tests.conftest import make_settings

URL = "/v1/recommendations"


def stored_requests(settings: Settings, expect: int = 0) -> list[RecommendationRequestRow]:
    """The served requests in the store, once ``expect`` of them are (the decision writer batches them)."""
    engine = create_engine(settings.database_url)
    deadline = time.monotonic() + 10
    while True:
        with Session(engine) as session:
            rows = list(session.scalars(select(RecommendationRequestRow)))
        if len(rows) >= expect or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    engine.dispose()
    return rows


class TestRecommendations:
    def test_anonymous(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_context())
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/unauthorized")

    def test_unknown_key(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_context(), headers=auth("adv_not-a-key"))
        assert response.status_code == 401

    def test_valid_returns_ranked_rendered_suggestions(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        response = client.post(URL, json=make_context(), headers=auth(keys.acme_agent))
        assert response.status_code == 200
        body = response.json()
        assert body["escalate"] is False
        top = body["recommendations"][0]
        assert top["pattern_id"] == "lost_package"
        assert top["pattern_version"] == 1
        assert "Dana" in top["text"]
        assert "UPS" in top["text"]
        assert "A1001" in top["text"]
        assert top["unfilled_slots"] == []
        assert 0.0 <= top["confidence"] <= 1.0
        assert "parcel" in top["rationale"].lower() or "arrived" in top["rationale"].lower()
        turn = make_context()["turns"][0]["text"]
        for span in top["evidence"]:
            assert turn[span["start"] : span["end"]] == span["text"]
        confidences = [r["confidence"] for r in body["recommendations"]]
        assert confidences == sorted(confidences, reverse=True)
        rows = stored_requests(settings, expect=1)
        assert len(rows) == 1
        assert rows[0].context_hash
        assert len(rows[0].context_hash) == 64
        assert rows[0].ranker_version == body["ranker_version"]
        assert any(c["pattern_id"] == "lost_package" for c in rows[0].candidates)

    def test_unfilled_slots_are_reported_not_invented(self, client: TestClient, keys: Keys) -> None:
        body = make_context("when will I get my refund, it's been ages")
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        top = response.json()["recommendations"][0]
        assert top["pattern_id"] == "refund_status"
        assert set(top["unfilled_slots"]) == {"order.refund_amount", "order.refund_eta"}
        assert "{order.refund_amount}" in top["text"]

    def test_escalates_when_nothing_fits(self, client: TestClient, keys: Keys) -> None:
        body = make_context("what is the capital of mongolia and who won the football yesterday")
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        data = response.json()
        assert response.status_code == 200
        assert data["escalate"] is True
        assert data["recommendations"] == []
        assert data["reason"]

    def test_ineligible_channel_is_never_returned(self, client: TestClient, keys: Keys) -> None:
        body = make_context("I forgot my password and I'm locked out of my account", channel="voice")
        data = client.post(URL, json=body, headers=auth(keys.acme_agent)).json()
        assert "password_reset" not in [r["pattern_id"] for r in data["recommendations"]]

    def test_segment_rule_admits_gold_only(self, client: TestClient, keys: Keys) -> None:
        text = "this is the worst service ever, I want to complain"
        silver = client.post(URL, json=make_context(text), headers=auth(keys.acme_agent)).json()
        gold_body = make_context(text)
        gold_body["crm"]["customer"]["segment"] = "gold"
        gold = client.post(URL, json=gold_body, headers=auth(keys.acme_agent)).json()
        assert "goodwill_credit" not in [r["pattern_id"] for r in silver["recommendations"]]
        assert gold["recommendations"][0]["pattern_id"] == "goodwill_credit"
        assert "gold customer" in gold["recommendations"][0]["rationale"]

    def test_high_risk_without_review_is_not_served(self, client: TestClient, keys: Keys) -> None:
        data = client.post(
            URL,
            json=make_context("I will sue you, my lawyer will contact you"),
            headers=auth(keys.acme_agent),
        ).json()
        assert "legal_threat" not in [r["pattern_id"] for r in data["recommendations"]]

    def test_agent_key_cannot_ask_for_another_agent(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_context(agent_id="agent-9"), headers=auth(keys.acme_agent))
        assert response.status_code == 403
        assert response.json()["field"] == "agent_id"

    def test_other_tenant_sees_only_its_own_library(
        self, client: TestClient, keys: Keys, settings: Settings
    ) -> None:
        response = client.post(URL, json=make_context(), headers=auth(keys.globex_agent))
        assert response.status_code == 200
        rec_id = response.json()["recommendations"][0]["recommendation_id"]
        stored_requests(settings, expect=1)
        engine = create_engine(settings.database_url)
        with Session(engine) as session:
            assert session.get(RecommendationRow, rec_id).tenant_id == "globex"  # type: ignore[union-attr]
        engine.dispose()

    def test_malformed_json(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        response = client.post(
            URL,
            content=b'{"interaction_id": ',
            headers={**auth(keys.acme_agent), "Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["type"].endswith("/malformed-json")
        assert stored_requests(settings) == []

    def test_missing_field(self, client: TestClient, keys: Keys) -> None:
        body = make_context()
        del body["agent_id"]
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "agent_id"

    def test_wrong_type(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_context(turns="hello"), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "turns"

    def test_empty_turns(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_context(turns=[]), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "turns"

    def test_blank_turn_text(self, client: TestClient, keys: Keys) -> None:
        body = make_context(turns=[{"role": "customer", "text": "   "}])
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "turns.0.text"

    def test_unknown_channel(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_context(channel="fax"), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "channel"

    def test_too_many_turns(self, client: TestClient, keys: Keys) -> None:
        turns = [{"role": "customer", "text": f"message {i}"} for i in range(201)]
        response = client.post(URL, json=make_context(turns=turns), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "turns"

    def test_oversized_text(self, client: TestClient, keys: Keys, settings: Settings) -> None:
        body = make_context("x" * 1_000_000)
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert stored_requests(settings) == []

    def test_long_turn_under_body_limit(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_context("y" * 9_000), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "turns.0.text"

    def test_unknown_field_rejected(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_context(colour="blue"), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "colour"


class TestConfiguredLimits:
    @pytest.fixture
    def settings(self, sqlite_url: str) -> Settings:
        return make_settings(sqlite_url, limits={"max_turns": 3, "max_turn_chars": 40})

    def test_more_turns_than_configured(self, client: TestClient, keys: Keys) -> None:
        turns = [{"role": "customer", "text": f"message {i}"} for i in range(4)]
        response = client.post(URL, json=make_context(turns=turns), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "turns"

    def test_longer_turn_than_configured(self, client: TestClient, keys: Keys) -> None:
        response = client.post(URL, json=make_context("z" * 41), headers=auth(keys.acme_agent))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "turns.0.text"

    def test_within_the_limits(self, client: TestClient, keys: Keys) -> None:
        response = client.post(
            URL, json=make_context("my parcel never arrived"), headers=auth(keys.acme_agent)
        )
        assert response.status_code == 200


class TestRecommendationPremises:
    """Demo pack premises end to end: a pattern asserting a fact the CRM does not support is never served."""

    LOST = "my parcel never arrived, it's been over a week and nothing"

    @pytest.fixture
    def keys(self, client: TestClient, settings: Settings) -> Keys:
        """Tenants acme and globex with the demo pack approved."""
        return seed_tenants(settings.database_url, pack=DEMO_PACK_DIR)

    def lost_parcel(self, eta: str, status: str = "shipped") -> dict[str, Any]:
        body = make_context(self.LOST)  # the customer writes on 2026-11-25
        body["crm"]["order"].update({"eta": eta, "status": status, "shipping_address": "12 Quay St"})
        body["crm"]["case"] = {"id": "C-1"}
        return body

    def served(self, client: TestClient, keys: Keys, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        assert response.status_code == 200
        data: dict[str, Any] = response.json()
        return data

    def test_premise_supported_by_crm(self, client: TestClient, keys: Keys) -> None:
        data = self.served(client, keys, self.lost_parcel(eta="2026-11-14", status="In Transit"))
        top = data["recommendations"][0]
        assert top["pattern_id"] == "missing_package_reship"
        assert "missing for over a week" in top["text"]
        assert "order.eta 2026-11-14 is more than 7 days ago" in top["rationale"]
        assert "order.status is In Transit" in top["signals"]["rules"]

    @pytest.mark.parametrize("eta", ["2026-11-23", "2026-11-30", "next Tuesday"])
    def test_premise_not_supported_by_crm(self, client: TestClient, keys: Keys, eta: str) -> None:
        data = self.served(client, keys, self.lost_parcel(eta=eta))
        assert "missing_package_reship" not in [r["pattern_id"] for r in data["recommendations"]]
        assert all("over a week" not in r["text"] for r in data["recommendations"])

    def test_member_level_fills_and_admits_segment(self, client: TestClient, keys: Keys) -> None:
        body = make_context("as a gold member how long do I have to return things")
        body["crm"]["customer"] = {"first_name": "Dana", "member_level": "Gold"}
        top = self.served(client, keys, body)["recommendations"][0]
        assert top["pattern_id"] == "return_policy_member"
        assert top["text"].startswith("As a Gold member, Dana,")
        assert top["unfilled_slots"] == []
        body["crm"]["customer"] = {"first_name": "Dana", "member_level": "silver"}
        data = self.served(client, keys, body)
        assert "return_policy_member" not in [r["pattern_id"] for r in data["recommendations"]]

    def ask(self, client: TestClient, keys: Keys, text: str, crm: dict[str, Any]) -> dict[str, Any]:
        body = make_context(text)  # the customer writes on 2026-11-25
        body["crm"] = crm
        return self.served(client, keys, body)

    def ids(self, client: TestClient, keys: Keys, text: str, crm: dict[str, Any]) -> list[str]:
        return [r["pattern_id"] for r in self.ask(client, keys, text, crm)["recommendations"]]

    def top(self, client: TestClient, keys: Keys, text: str, crm: dict[str, Any]) -> dict[str, Any]:
        data = self.ask(client, keys, text, crm)
        assert data["recommendations"], data["reason"]
        top: dict[str, Any] = data["recommendations"][0]
        return top

    def test_a_double_charge_is_said_only_when_the_crm_shows_it(self, client: TestClient, keys: Keys) -> None:
        """ "Charged more than once" is a premise: a renewal question, or a claim the CRM does not back,
        is not a duplicate charge (the renewal question with a past renewal date used to get it)."""
        plan = {"id": "C-7", "subscription_plan": "Plus Delivery Pass"}
        customer = {"first_name": "Priya"}
        question = "when does my subscription renew and how much is it?"
        renewal = {**plan, "subscription_renewal_date": "2026-12-20", "amount_due": "$9.99"}
        crm = {"customer": customer, "case": renewal}
        assert self.top(client, keys, question, crm)["pattern_id"] == "subscription_bill_amount_due"
        # Renewal date passed: the right answer's premise fails, and nothing else is offered in its place.
        crm["case"] = {**renewal, "subscription_renewal_date": "2026-11-01"}
        data = self.ask(client, keys, question, crm)
        assert data["escalate"] is True
        assert data["recommendations"] == []
        assert "subscription bill, but none of its patterns is eligible" in data["reason"]
        twice = "you took my membership fee twice this month, I want the extra one back"
        for charges in ({}, {"subscription_charges": "1"}, {"subscription_charges": "two"}):
            crm = {"customer": customer, "case": {**plan, **charges}}
            assert "subscription_bill_double_charge" not in self.ids(client, keys, twice, crm)
        crm = {"customer": customer, "case": {**plan, "subscription_charges": "2"}}
        top = self.top(client, keys, twice, crm)
        assert top["pattern_id"] == "subscription_bill_double_charge"
        assert "charged more than once" in top["text"]
        assert "case.subscription_charges 2 is at least 2" in top["signals"]["rules"]

    def test_an_expired_code_is_said_only_once_its_date_has_passed(
        self, client: TestClient, keys: Keys
    ) -> None:
        expired = {"promo_code_expired_explain", "promo_code_expired_member_code"}
        text = "my discount code WINTER10 says it has expired, can I still use it?"
        customer = {"first_name": "Nora", "segment": "gold"}
        # No date, its last valid day (the customer writes on 2026-11-25), a later day, a date unread.
        for expires in (
            {},
            {"promo_code_expires": "2026-11-25"},
            {"promo_code_expires": "2026-12-10"},
            {"promo_code_expires": "soon"},
        ):
            case = {"promo_code": "WINTER10", **expires}
            assert not expired & set(self.ids(client, keys, text, {"customer": customer, "case": case}))
        case = {"promo_code": "WINTER10", "promo_code_expires": "2026-11-24"}
        assert self.top(client, keys, text, {"customer": customer, "case": case})["pattern_id"] in expired

    def test_damage_on_arrival_needs_a_delivered_order(self, client: TestClient, keys: Keys) -> None:
        damaged = {"damaged_item_photo", "damaged_item_replacement"}
        text = "the mug was smashed to pieces, can you send a new one?"
        order = {"id": "A7", "item": "stoneware mug", "shipping_address": "12 Quay St"}
        for status in ("shipped", "out_for_delivery", "delivered_to_neighbour"):
            crm = {"customer": {"first_name": "Liam"}, "order": {**order, "status": status}}
            assert not damaged & set(self.ids(client, keys, text, crm))
        crm = {"customer": {"first_name": "Liam"}, "order": {**order, "status": "Delivered"}}
        assert self.top(client, keys, text, crm)["pattern_id"] in damaged

    def test_stuck_tracking_is_not_said_of_a_parcel_out_for_delivery(
        self, client: TestClient, keys: Keys
    ) -> None:
        text = "the tracking hasn't changed in days, is my parcel stuck somewhere?"
        order = {"id": "A6", "carrier": "UPS", "shipped_at": "2026-11-15", "eta": "2026-11-28"}
        crm = {
            "customer": {"first_name": "Jo"},
            "case": {"id": "C-6"},
            "order": {**order, "status": "out_for_delivery"},
        }
        assert "late_delivery_tracking_stuck" not in self.ids(client, keys, text, crm)
        crm["order"]["status"] = "in_transit"
        assert "late_delivery_tracking_stuck" in self.ids(client, keys, text, crm)

    def test_a_fee_is_waived_only_when_one_was_charged(self, client: TestClient, keys: Keys) -> None:
        text = "the delivery charge on my order is way too high, can you take it off?"
        order = {"id": "A8", "status": "shipped", "payment_method": "Visa 4242"}
        customer = {"first_name": "Ben", "segment": "platinum"}
        for fee in ({}, {"shipping_fee": "$0.00"}, {"shipping_fee": "free"}):
            crm = {"customer": customer, "order": {**order, **fee}}
            assert "shipping_cost_fee_waived" not in self.ids(client, keys, text, crm)
        crm = {"customer": customer, "order": {**order, "shipping_fee": "$24.95"}}
        assert self.top(client, keys, text, crm)["pattern_id"] == "shipping_cost_fee_waived"

    def test_a_declined_payment_is_said_only_when_the_order_shows_it(
        self, client: TestClient, keys: Keys
    ) -> None:
        text = "my card was declined, is my order still coming?"
        customer = {"first_name": "Ann"}
        for status in ("pending", "on_hold", "processing"):
            crm = {"customer": customer, "order": {"id": "A9", "status": status}}
            assert "payment_declined_order_on_hold" not in self.ids(client, keys, text, crm)
        crm = {"customer": customer, "order": {"id": "A9", "status": "Payment Failed"}}
        assert "payment_declined_order_on_hold" in self.ids(client, keys, text, crm)


class TestConversations:
    """Whole conversations through the API with the demo pack: the request holds through details,
    the next step of its flow comes first, and nothing in the conversation breaks the request."""

    @pytest.fixture
    def keys(self, client: TestClient, settings: Settings) -> Keys:
        return seed_tenants(settings.database_url, pack=DEMO_PACK_DIR)

    def post(self, client: TestClient, keys: Keys, turns: list[dict[str, str]], crm: Any = None) -> Any:
        body = make_context("unused")
        body["turns"] = turns
        if crm is not None:
            body["crm"] = crm
        response = client.post(URL, json=body, headers=auth(keys.acme_agent))
        assert response.status_code == 200, response.text
        return response.json()

    def test_detail_turn_keeps_the_request_and_says_so(self, client: TestClient, keys: Keys) -> None:
        crm = {"customer": {"first_name": "Dana", "email": "dana@example.com"}}
        turns = [
            {"role": "customer", "text": "I can't remember my password and I'm locked out"},
            {"role": "agent", "text": "I can help. What's the e-mail on the account?"},
            {"role": "customer", "text": "dana@example.com"},
        ]
        data = self.post(client, keys, turns, crm)
        top = data["recommendations"][0]
        assert top["intent"] == "password_reset"
        assert top["rationale"].startswith("continuing: the customer raised password reset 1 turn ago")

    def test_identity_step_first_until_the_account_is_on_screen(self, client: TestClient, keys: Keys) -> None:
        turns = [{"role": "customer", "text": "I can't remember my password and I'm locked out"}]
        first = self.post(client, keys, turns, {"customer": {"first_name": "Dana"}})["recommendations"][0]
        assert first["pattern_id"] == "identity_check"
        assert "next step of password_reset: step 1 of 2" in first["rationale"]
        opened = {"customer": {"first_name": "Dana", "email": "dana@example.com"}}
        after = self.post(client, keys, turns, opened)["recommendations"]
        assert "identity_check" not in [r["pattern_id"] for r in after]
        assert after[0]["pattern_id"] == "password_reset_link"

    def test_a_step_the_agent_already_sent_is_not_suggested_again(
        self, client: TestClient, keys: Keys
    ) -> None:
        turns = [{"role": "customer", "text": "I can't remember my password and I'm locked out"}]
        crm = {"customer": {"first_name": "Dana", "email": "dana@example.com"}}
        sent = self.post(client, keys, turns, crm)["recommendations"][0]
        turns += [{"role": "agent", "text": sent["text"]}, {"role": "customer", "text": "thanks, got it"}]
        data = self.post(client, keys, turns, crm)
        assert sent["pattern_id"] not in [r["pattern_id"] for r in data["recommendations"]]

    @pytest.mark.parametrize(
        "turns",
        [
            [{"role": "customer", "text": t} for t in ("A1001", "yes", "dana@example.com", "ok thanks")],
            [{"role": "customer", "text": "¿Dónde está mi pedido? Nunca llegó."}],
            [{"role": "customer", "text": "recommend me a good pizza recipe with mushrooms"}],
        ],
        ids=["only-details", "another-language", "off-topic"],
    )
    def test_nothing_to_act_on_escalates(self, client: TestClient, keys: Keys, turns: Any) -> None:
        data = self.post(client, keys, turns)
        assert data["escalate"] is True
        assert data["recommendations"] == []
        assert data["reason"]

    def test_two_hundred_turns_are_answered(self, client: TestClient, keys: Keys) -> None:
        turns = [{"role": "customer", "text": "where is my order A1001? it hasn't come"}]
        for n in range(199):
            turns.append({"role": "agent" if n % 2 == 0 else "customer", "text": f"detail {n}"})
        data = self.post(client, keys, turns)
        assert isinstance(data["recommendations"], list)

    def test_quoting_a_pattern_does_not_bypass_its_premise(self, client: TestClient, keys: Keys) -> None:
        reship = next(s for s in load_patterns(DEMO_PACK_DIR) if s.id == "missing_package_reship")
        crm = {
            "customer": {"first_name": "Dana", "email": "d@example.com"},
            "order": {"id": "A1", "status": "shipped"},
        }
        data = self.post(client, keys, [{"role": "customer", "text": reship.body}], crm)
        assert "missing_package_reship" not in [r["pattern_id"] for r in data["recommendations"]]

    def test_sold_out_is_said_only_when_the_crm_says_so(self, client: TestClient, keys: Keys) -> None:
        """ "That item is sold out" is a premise: a customer's word, or a product question, is not stock."""
        turns = [
            {"role": "customer", "text": "the sneakers i want are sold out in every size, any restock soon"}
        ]
        customer = {"first_name": "Sofia"}
        unknown = self.post(client, keys, turns, {"customer": customer})
        in_stock = self.post(client, keys, turns, {"customer": customer, "case": {"item_stock": "in_stock"}})
        for data in (unknown, in_stock):
            assert "out_of_stock_backorder" not in [r["pattern_id"] for r in data["recommendations"]]
        sold_out = self.post(client, keys, turns, {"customer": customer, "case": {"item_stock": "Sold Out"}})
        assert sold_out["recommendations"][0]["pattern_id"] == "out_of_stock_backorder"
        # Whatever the customer asks, none of the three sold-out patterns is eligible without the fact.
        body = make_context("unused")
        body["turns"] = [{"role": "customer", "text": "is this jacket dry clean only?"}]
        body["crm"] = {"customer": customer, "order": {"id": "A1", "status": "processing"}}
        context = InteractionContext.model_validate(body)
        stock_claims = [s for s in load_patterns(DEMO_PACK_DIR) if "case.item_stock" in s.eligibility.when]
        assert {s.id for s in stock_claims} == {
            "out_of_stock_backorder",
            "out_of_stock_in_order",
            "exchange_unavailable",
        }
        assert all(
            eligibility.check(s, context, context.slot_values(), StagePolicy()) is None for s in stock_claims
        )


class TestFirstRequests:
    """The requests a newcomer is told to send get a suggestion from the bundled demo pack."""

    @pytest.fixture
    def keys(self, client: TestClient, settings: Settings) -> Keys:
        return seed_tenants(settings.database_url, pack=DEMO_PACK_DIR)

    def test_the_start_banners_request(self, client: TestClient, keys: Keys) -> None:
        body = {**try_it_request(datetime.now(UTC).date()), "agent_id": "agent-1"}  # the test key's agent
        data = client.post(URL, json=body, headers=auth(keys.acme_agent)).json()
        assert data["escalate"] is False
        assert data["recommendations"][0]["pattern_id"] == "order_status_shipped"

    def test_the_readmes_request(self, client: TestClient, keys: Keys) -> None:
        readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
        block = readme.split("## Using the API", 1)[1].split("```", 2)[1]
        body = {**json.loads(block.split("-d '", 1)[1].split("'", 1)[0]), "agent_id": "agent-1"}
        data = client.post(URL, json=body, headers=auth(keys.acme_agent)).json()
        assert data["escalate"] is False
        assert data["recommendations"][0]["pattern_id"] == "missing_package_reship"


class TestServedFromMemory:
    @pytest.fixture
    def settings(self, sqlite_url: str) -> Settings:
        # Store reads fall due once a minute at most here, so a second request finds everything fresh.
        return make_settings(
            sqlite_url,
            server={"stamp_poll_s": 60, "readiness_poll_s": 60},
            ranking={"decisions_refresh_s": 60},
            metrics={"refresh_interval_s": 0},
        )

    def test_a_request_with_nothing_due_takes_no_thread_and_no_transaction(
        self, client: TestClient, keys: Keys
    ) -> None:
        assert client.post(URL, json=make_context(), headers=auth(keys.acme_agent)).status_code == 200
        factory = client.app_state["sessionmaker"]
        begun: list[str] = []

        def note(*_: object) -> None:
            begun.append(threading.current_thread().name)

        event.listen(factory, "after_transaction_create", note)
        try:
            response = client.post(
                URL, json=make_context(interaction_id="int-2"), headers=auth(keys.acme_agent)
            )
        finally:
            event.remove(factory, "after_transaction_create", note)
        assert response.status_code == 200
        assert response.json()["recommendations"][0]["pattern_id"] == "lost_package"
        assert [name for name in begun if name != "advisor-decision-writer"] == []
