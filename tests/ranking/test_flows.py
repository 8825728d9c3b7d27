"""Flows on the demo pack with the real embedder: what was sent, the next step, the rationale."""

from __future__ import annotations

from typing import Any

import pytest

from advisor.context.models import InteractionContext
from advisor.patterns.files import load_patterns
from advisor.patterns.models import PatternSpec
from advisor.ranking.embedding import StaticEmbedder
from advisor.ranking.flows import FlowProgress, FlowTracker, apply_flows
from advisor.ranking.rationale import explain
from advisor.ranking.scoring import Candidate
from advisor.settings import DEMO_PACK_DIR


@pytest.fixture(scope="module")
def specs() -> dict[str, PatternSpec]:
    return {s.id: s for s in load_patterns(DEMO_PACK_DIR)}


@pytest.fixture(scope="module")
def embedder() -> StaticEmbedder:
    return StaticEmbedder("minilm-static-cs")


def conversation(*turns: tuple[str, str], **crm: Any) -> InteractionContext:
    return InteractionContext.model_validate(
        {
            "interaction_id": "i-1",
            "channel": "chat",
            "agent_id": "agent-1",
            "turns": [{"role": role, "text": text} for role, text in turns],
            "crm": crm,
        }
    )


def candidates(specs: dict[str, PatternSpec], *ids: str) -> list[Candidate]:
    return [
        Candidate(spec=specs[i], score=1.0 - n / 10, semantic=0.5, lexical=0.5) for n, i in enumerate(ids)
    ]


OPENING = ("customer", "I forgot my password and can't log in")
ASKED = ("agent", "Sure, I can help with that. Could I get your full name or account ID please?")
ANSWERED = ("customer", "it's Chloe Zhang, username czhang1")


def test_nothing_sent_at_the_opening(specs: dict[str, PatternSpec], embedder: StaticEmbedder) -> None:
    progress = FlowTracker(list(specs.values()), embedder).progress(conversation(OPENING))
    assert progress.sent == frozenset()
    assert progress.next_step("password_reset") == 1
    assert progress.steps["password_reset"] == (1, 2)


def test_agent_paraphrase_of_the_identity_step_counts_as_sent(
    specs: dict[str, PatternSpec], embedder: StaticEmbedder
) -> None:
    progress = FlowTracker(list(specs.values()), embedder).progress(conversation(OPENING, ASKED, ANSWERED))
    assert progress.sent == frozenset({"identity_check"})
    assert progress.last_step("password_reset") == 1
    assert progress.next_step("password_reset") == 2
    assert progress.next_step("missing_package") == 2  # the shared step is done in every flow


def test_small_talk_sends_nothing(specs: dict[str, PatternSpec], embedder: StaticEmbedder) -> None:
    context = conversation(
        OPENING,
        ("agent", "I'm sorry to hear that. Is there anything else I can help you with today?"),
        ("customer", "no that's all"),
    )
    assert FlowTracker(list(specs.values()), embedder).progress(context).sent == frozenset()


def test_inserted_suggestion_counts_as_sent_with_crm_values_filled(
    specs: dict[str, PatternSpec], embedder: StaticEmbedder
) -> None:
    body = specs["password_reset_link"].body.replace("{customer.first_name}", "Chloe")
    context = conversation(
        OPENING, ASKED, ANSWERED, ("agent", body), ("customer", "thanks!"), customer={"first_name": "Chloe"}
    )
    progress = FlowTracker(list(specs.values()), embedder).progress(context)
    assert {"identity_check", "password_reset_link"} <= progress.sent
    assert progress.next_step("password_reset") is None


def test_step_one_first_when_nothing_sent(specs: dict[str, PatternSpec]) -> None:
    progress = FlowProgress(steps={"password_reset": (1, 2)})
    ranked = apply_flows(
        candidates(specs, "password_reset_link", "username_recovery_email", "identity_check"), progress
    )
    assert [c.spec.id for c in ranked] == ["identity_check", "password_reset_link", "username_recovery_email"]
    assert ranked[0].flow_step == "next step of password_reset: step 1 of 2"
    assert ranked[1].flow_step is None


def test_sent_step_dropped_and_next_step_first(specs: dict[str, PatternSpec]) -> None:
    progress = FlowProgress(
        sent=frozenset({"identity_check"}),
        done={"damaged_item": frozenset({1})},
        steps={"damaged_item": (1, 2, 3)},
    )
    ranked = apply_flows(
        candidates(
            specs,
            "damaged_item_replacement",
            "identity_check",
            "late_delivery_in_transit",
            "damaged_item_photo",
        ),
        progress,
    )
    assert [c.spec.id for c in ranked] == [
        "damaged_item_photo",
        "damaged_item_replacement",
        "late_delivery_in_transit",
    ]
    assert ranked[0].flow_step == "next step of damaged_item: step 2 of 3"
    assert "next step of damaged_item: step 2 of 3" in explain(ranked[0])


def test_alternatives_of_one_step_keep_the_ranking_order(specs: dict[str, PatternSpec]) -> None:
    progress = FlowProgress(
        sent=frozenset({"identity_check"}),
        done={"missing_package": frozenset({1})},
        steps={"missing_package": (1, 2)},
    )
    ranked = apply_flows(
        candidates(specs, "missing_package_reship", "identity_check", "missing_package_marked_delivered"),
        progress,
    )
    assert [c.spec.id for c in ranked] == ["missing_package_reship", "missing_package_marked_delivered"]


def test_finished_flow_and_patterns_without_flows_keep_their_order(specs: dict[str, PatternSpec]) -> None:
    progress = FlowProgress(
        sent=frozenset({"identity_check", "password_reset_link", "return_policy_standard"}),
        done={"password_reset": frozenset({1, 2})},
        steps={"password_reset": (1, 2)},
    )
    ranked = apply_flows(
        candidates(
            specs,
            "return_policy_standard",
            "password_reset_compromised",
            "password_reset_link",
            "shipping_cost_rates",
        ),
        progress,
    )
    assert [c.spec.id for c in ranked] == ["password_reset_compromised", "shipping_cost_rates"]
    assert all(c.flow_step is None for c in ranked)


def test_a_step_shared_by_flows_is_named_by_the_conversations_topic(specs: dict[str, PatternSpec]) -> None:
    """Verify identity is step 1 of many flows; for a refund question the rationale says refund_status,
    not the first flow the pattern happens to list."""
    progress = FlowProgress(steps={"order_status": (1, 2), "refund_status": (1, 2)})
    ranked = apply_flows(
        candidates(specs, "identity_check", "order_status_shipped"), progress, prefer=["refund_status"]
    )
    assert ranked[0].spec.id == "identity_check"
    assert ranked[0].flow_step == "next step of refund_status: step 1 of 2"


def test_the_account_step_is_done_when_a_later_steps_facts_are_on_screen(
    specs: dict[str, PatternSpec], embedder: StaticEmbedder
) -> None:
    """The subscription is on the agent's screen: the agent needs no account ID to answer what it costs,
    so the subscription flow moves on to its answer; other flows still start by verifying the customer."""
    tracker = FlowTracker(list(specs.values()), embedder)
    asked = ("customer", "how much will my next membership renewal cost me")
    on_screen = tracker.progress(conversation(asked, case={"subscription_plan": "Plus Delivery Pass"}))
    assert on_screen.next_step("subscription_bill") == 2
    assert on_screen.next_step("order_status") == 1
    assert tracker.progress(conversation(asked)).next_step("subscription_bill") == 1


def test_a_shared_step_does_not_lead_another_topics_flow(specs: dict[str, PatternSpec]) -> None:
    """The customer asks about a renewal; the cancellation flow is past its account step. Its answer stays
    where the ranking put it, with its own confidence, instead of taking the shared step's place."""
    progress = FlowProgress(
        done={"subscription_cancel": frozenset({1})},
        steps={"subscription_cancel": (1, 2), "subscription_bill": (1, 2)},
    )
    ranked = candidates(
        specs, "identity_check", "subscription_bill_amount_due", "subscription_cancel_confirm"
    )
    ranked[0].confidence = ranked[1].confidence = 0.95
    ranked[2].confidence = 0.01
    ranked = apply_flows(ranked, progress, prefer=["subscription_bill", "subscription_double_charge"])
    assert [(c.spec.id, c.confidence) for c in ranked] == [
        ("identity_check", 0.95),
        ("subscription_bill_amount_due", 0.95),
        ("subscription_cancel_confirm", 0.01),
    ]
    assert ranked[0].flow_step == "next step of subscription_bill: step 1 of 2"


def test_a_shared_step_done_in_the_topics_flow_is_done(specs: dict[str, PatternSpec]) -> None:
    progress = FlowProgress(
        done={"subscription_bill": frozenset({1})},
        steps={"order_status": (1, 2), "subscription_bill": (1, 2)},
    )
    ranked = apply_flows(
        candidates(specs, "identity_check", "subscription_bill_double_charge"),
        progress,
        prefer=["subscription_bill", "subscription_double_charge"],
    )
    assert [c.spec.id for c in ranked] == ["subscription_bill_double_charge"]
