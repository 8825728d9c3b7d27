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
from advisor.ranking.scoring import Candidate
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


def library(*, remove_channels: list[str] | None = None, one_flow: bool = False) -> list[PatternSpec]:
    """Four one-pattern topics and an order-change topic with two alternatives: add and remove an item."""
    flows = {
        "add": [FlowStep(name="order_change", step=1)],
        "remove": [FlowStep(name="order_change", step=2)],
    }
    specs = [spec(topic, topic.title(), topic, examples) for topic, examples in TOPICS.items()]
    specs.append(spec("add_item", "Add an item", "order_change", ADD, flows=flows["add"] if one_flow else []))
    specs.append(
        spec(
            "remove_item",
            "Remove an item",
            "order_change",
            REMOVE,
            flows=flows["remove"] if one_flow else [],
            eligibility=Eligibility(channels=remove_channels or []),
        )
    )
    return specs


def rank(specs: list[PatternSpec], text: str, channel: str = "chat") -> dict[str, Candidate]:
    context = InteractionContext.model_validate(make_context(text, channel=channel))
    ranked = HybridRanker(specs, EMBEDDER).rank(context, k=5)
    return {c.spec.id: c for c in ranked.considered}


AMBIGUOUS = "I need to change the items in my order"


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


def test_a_clear_match_keeps_nearly_all_of_it_and_names_no_rival() -> None:
    specs = library(remove_channels=["chat"])
    topic = rank(specs, "please take the belt out of my order", channel="chat")
    remove = topic["remove_item"]
    alone = rank(library(), "please take the belt out of my order")["remove_item"]
    assert remove.confidence > 0.8 * (remove.confidence + topic["add_item"].confidence)
    assert remove.alternative_note is None
    assert alone.confidence == pytest.approx(remove.confidence)


def test_steps_of_one_flow_are_not_alternatives() -> None:
    considered = rank(library(one_flow=True), AMBIGUOUS)
    assert considered["add_item"].confidence == pytest.approx(considered["remove_item"].confidence)
    assert considered["add_item"].alternative_note is None


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
    assert 'close call with "' in explain(add)
    assert remove.spec.title in explain(add)
    assert add.confidence + remove.confidence > 0.8  # the topic itself is clear
