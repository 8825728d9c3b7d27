"""A topic's confidence is shared among its eligible alternatives (advisor/ranking/alternatives.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.context.models import InteractionContext
from advisor.patterns.files import load_patterns
from advisor.patterns.models import Eligibility, FlowStep, PatternSpec
from advisor.ranking.embedding import StaticEmbedder
from advisor.ranking.rank import HybridRanker
from advisor.ranking.rationale import explain
from advisor.ranking.scoring import Candidate, Ranked
from tests.builders import make_context

DEMO = Path(__file__).resolve().parents[2] / "advisor" / "packs" / "demo"
EMBEDDER = StaticEmbedder("minilm-static-cs")
TOPICS = {
    "password": ["I forgot my password", "can't log in, reset my password", "password reset link please"],
    "refund": ["where is my refund", "refund still not on my card", "when will I get my money back"],
    "shipping": ["how long does delivery take", "what shipping options are there", "do you deliver abroad"],
    "returns": ["how do I send this back", "I want to return my jacket", "print a return label"],
}
ADD = ["add a scarf to my order", "put one more shirt in my order", "can you add socks to what I ordered"]
REMOVE = ["take the belt out of my order", "remove the hat from my order", "I don't want the gloves any more"]


def spec(pattern_id: str, title: str, intent: str, examples: list[str], **extra: Any) -> PatternSpec:
    return PatternSpec(
        id=pattern_id,
        title=title,
        body=f"{title}.",
        intents=[intent],
        examples=examples,
        owner="team-a",
        status="approved",
        **extra,
    )


def library(
    *,
    add_channels: list[str] | None = None,
    remove_channels: list[str] | None = None,
    add_flows: list[FlowStep] | None = None,
    remove_flows: list[FlowStep] | None = None,
    extra: list[PatternSpec] | None = None,
) -> list[PatternSpec]:
    """Four one-pattern topics and an order-change topic with two alternatives: add and remove an item."""
    specs = [spec(topic, topic.title(), topic, examples) for topic, examples in TOPICS.items()]
    for pattern_id, title, examples, channels, flows in (
        ("add_item", "Add an item", ADD, add_channels, add_flows),
        ("remove_item", "Remove an item", REMOVE, remove_channels, remove_flows),
    ):
        specs.append(
            spec(
                pattern_id,
                title,
                "order_change",
                examples,
                flows=flows or [],
                eligibility=Eligibility(channels=channels or []),
            )
        )
    return specs + (extra or [])


def rank_turns(specs: list[PatternSpec], turns: list[dict[str, str]], channel: str = "chat") -> Ranked:
    context = InteractionContext.model_validate(make_context(turns=turns, channel=channel))
    return HybridRanker(specs, EMBEDDER).rank(context, k=5)


def rank(specs: list[PatternSpec], text: str, channel: str = "chat") -> dict[str, Candidate]:
    ranked = rank_turns(specs, [{"role": "customer", "text": text}], channel)
    return {c.spec.id: c for c in ranked.considered}


AMBIGUOUS = "I need to change the items in my order"
CLEAR = "please take the belt out of my order"


def test_two_alternatives_that_fit_about_equally_share_the_topics_confidence() -> None:
    specs = library(remove_channels=["chat"])
    alone = rank(specs, AMBIGUOUS, channel="voice")  # only "add an item" is eligible on voice
    both = rank(specs, AMBIGUOUS, channel="chat")
    topic = alone["add_item"].confidence
    assert "remove_item" not in alone
    assert both["add_item"].confidence + both["remove_item"].confidence == pytest.approx(topic, abs=1e-9)
    assert max(both["add_item"].confidence, both["remove_item"].confidence) < 0.8 * topic
    top, other = sorted((both["add_item"], both["remove_item"]), key=lambda c: -c.confidence)
    assert f'close call with "{other.spec.title}"' in explain(top)
    assert f'close call with "{top.spec.title}"' in explain(other)


def test_a_clear_match_keeps_nearly_all_of_it_and_its_trailing_rival_names_no_close_call() -> None:
    alone = rank(library(add_channels=["voice"]), CLEAR)  # "add an item" is not eligible on chat
    both = rank(library(), CLEAR)
    assert "add_item" not in alone
    assert both["remove_item"].confidence > 0.8 * alone["remove_item"].confidence
    assert "close call" not in explain(both["remove_item"])
    assert "close call" not in explain(both["add_item"])


def test_a_detail_turn_leaves_the_split_where_the_request_put_it() -> None:
    turns = [
        {"role": "customer", "text": CLEAR},
        {"role": "agent", "text": "Sure, what is the order number?"},
        {"role": "customer", "text": "A1001"},
    ]
    considered = {c.spec.id: c for c in rank_turns(library(), turns).considered}
    remove, add = considered["remove_item"], considered["add_item"]
    assert remove.confidence > 0.8 * (remove.confidence + add.confidence)


def test_steps_of_one_flow_are_not_alternatives_but_branches_of_one_step_are() -> None:
    steps = rank(
        library(
            add_flows=[FlowStep(name="order_change", step=1)],
            remove_flows=[FlowStep(name="order_change", step=2)],
        ),
        AMBIGUOUS,
    )
    assert steps["add_item"].shared_from is None
    assert steps["add_item"].confidence == pytest.approx(steps["remove_item"].confidence)
    branches = rank(
        library(
            add_flows=[FlowStep(name="order_change", step=2)],
            remove_flows=[FlowStep(name="order_change", step=2)],
        ),
        AMBIGUOUS,
    )
    assert branches["add_item"].confidence + branches["remove_item"].confidence == pytest.approx(
        branches["add_item"].shared_from
    )


def test_a_step_shared_by_several_flows_keeps_the_topics_confidence() -> None:
    account = spec(
        "account_check",
        "Check the account",
        "account_check",
        ["what is your account number", "can I have your name and e-mail"],
        flows=[FlowStep(name="adding", step=1), FlowStep(name="removing", step=1)],
    )
    considered = rank(
        library(
            add_flows=[FlowStep(name="adding", step=2)],
            remove_flows=[FlowStep(name="removing", step=2)],
            extra=[account],
        ),
        AMBIGUOUS,
    )
    add = considered["add_item"]
    assert add.shared_from is not None
    assert considered["account_check"].shared_from is None
    assert considered["account_check"].confidence == pytest.approx(add.shared_from)


def test_when_no_alternative_reaches_the_threshold_alone_the_escalation_says_so() -> None:
    swap = spec(
        "swap_item",
        "Swap an item",
        "order_change",
        ["swap the shirt in my order for another", "change the size of an item I ordered", "exchange it"],
    )
    text = "I want to change something in my order"
    ranked = rank_turns(library(extra=[swap]), [{"role": "customer", "text": text}])
    best = ranked.considered[0]
    assert ranked.escalate
    assert best.shared_from is not None
    assert best.shared_from >= 0.4
    assert ranked.reason is not None
    assert ranked.reason.startswith(f'no single answer stands out: "{best.spec.title}" and "{best.rival}"')


@pytest.fixture(scope="module")
def demo() -> HybridRanker:
    return HybridRanker(load_patterns(DEMO), EMBEDDER)


def test_the_demo_does_not_offer_adding_an_item_as_a_sure_thing_when_the_customer_wants_one_removed(
    demo: HybridRanker,
) -> None:
    context = InteractionContext.model_validate(
        make_context(
            "I accidentally put 3 shirts in my order, I only need one",
            crm={"customer": {"first_name": "Dana"}, "order": {"id": "A1001", "status": "processing"}},
        )
    )
    considered = {c.spec.id: c for c in demo.rank(context, k=3).considered}
    add, remove = considered["order_modify_add_item"], considered["order_modify_remove_item"]
    assert add.confidence < 0.8
    assert f'close call with "{remove.spec.title}"' in explain(add)
    assert add.confidence + remove.confidence > 0.8  # the topic itself is clear
