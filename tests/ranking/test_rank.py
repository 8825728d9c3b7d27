"""The default ranker on the test pack: ordering, eligibility, escalation, query weighting, evidence."""

from __future__ import annotations

from typing import Any

import pytest

from advisor.context.models import InteractionContext
from advisor.patterns.files import load_patterns
from advisor.ranking.baseline import NearestExampleVote
from advisor.ranking.calibration import FEATURES, Calibration
from advisor.ranking.eligibility import StagePolicy
from advisor.ranking.embedding import StaticEmbedder
from advisor.ranking.langchain import PatternRetriever
from advisor.ranking.rank import HybridRanker
from advisor.ranking.rationale import explain
from tests.builders import TEST_PACK, make_context


@pytest.fixture(scope="module")
def ranker() -> HybridRanker:
    return HybridRanker(load_patterns(TEST_PACK), StaticEmbedder("minilm-static-cs"))


def ctx(text: str = "my parcel never arrived", **overrides: Any) -> InteractionContext:
    return InteractionContext.model_validate(make_context(text, **overrides))


def test_best_pattern_first(ranker: HybridRanker) -> None:
    ranked = ranker.rank(ctx("I forgot my password and cannot log in"), k=3)
    assert ranked.candidates[0].spec.id == "password_reset"
    confidences = [c.confidence for c in ranked.considered]
    assert confidences == sorted(confidences, reverse=True)


def test_latest_customer_turn_weighs_most(ranker: HybridRanker) -> None:
    turns = [
        {"role": "customer", "text": "I forgot my password and I'm locked out"},
        {"role": "agent", "text": "I've sent you a reset link, anything else?"},
        {"role": "customer", "text": "yes, when will I get my refund for the jacket?"},
    ]
    ranked = ranker.rank(ctx(turns=turns), k=3)
    assert ranked.candidates[0].spec.id == "refund_status"


def test_ineligible_never_returned_even_when_best(ranker: HybridRanker) -> None:
    context = ctx("my package never arrived", crm={"customer": {"first_name": "Dana"}})
    ranked = ranker.rank(context, k=5)
    assert "lost_package" not in [c.spec.id for c in ranked.considered]
    assert ranked.ineligible >= 1


def test_policy_admits_high_risk_only_with_review() -> None:
    specs = load_patterns(TEST_PACK)
    legal = next(s for s in specs if s.id == "legal_threat")
    assert not StagePolicy().permits(legal)
    assert StagePolicy().permits(legal.model_copy(update={"requires_review": True}))


def test_escalates_with_reason_when_unsure(ranker: HybridRanker) -> None:
    ranked = ranker.rank(ctx("recommend me a good pizza recipe with mushrooms"), k=3)
    assert ranked.escalate
    assert ranked.candidates == []
    assert ranked.reason is not None
    assert "threshold" in ranked.reason


def test_empty_library_escalates() -> None:
    ranked = HybridRanker([], StaticEmbedder("minilm-static-cs")).rank(ctx(), k=3)
    assert ranked.escalate
    assert ranked.reason == "no approved pattern is available"


def test_rationale_names_customer_words_and_rules(ranker: HybridRanker) -> None:
    ranked = ranker.rank(ctx("my parcel never arrived, tracking is stuck"), k=1)
    top = ranked.candidates[0]
    line = explain(top)
    assert '"tracking"' in line
    assert "order.id = A1001" in line
    text = ctx("my parcel never arrived, tracking is stuck").turns[0].text
    assert all(text[s.start : s.end] == s.text for s in top.evidence)


def test_confidence_grows_with_belief_margin_and_agreement() -> None:
    calibration = Calibration.load()
    values = (0.5, 0.0, 0.5, 0.5, 1.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    base = dict(zip(FEATURES, values, strict=True))

    def conf(**changes: float) -> float:
        return calibration.confidence(tuple({**base, **changes}.values()))

    assert conf(belief_margin=0.6) > conf(belief_margin=0.0)
    assert conf(support=0.8) > conf(support=0.3)
    assert 0.0 < conf(belief=0.05, belief_margin=-0.5, support=0.1) < conf() < 1.0


def test_baseline_votes_without_escalating() -> None:
    baseline = NearestExampleVote(load_patterns(TEST_PACK), StaticEmbedder("minilm-static-cs"))
    ranked = baseline.rank(ctx("reset my password please"), k=3)
    assert ranked.candidates[0].spec.id == "password_reset"
    assert not ranked.escalate


def test_langchain_retriever_returns_pattern_documents(ranker: HybridRanker) -> None:
    retriever = PatternRetriever(ranker=ranker, k=2)
    docs = retriever.invoke("I forgot my password")
    assert docs[0].metadata["pattern_id"] == "password_reset"
    assert docs[0].page_content.startswith("I've sent a password reset link")
    assert retriever.invoke("what's a good pizza recipe with mushrooms") == []


def test_when_condition_admits_only_matching_crm_values() -> None:
    from advisor.patterns.models import Eligibility
    from advisor.ranking import eligibility

    spec = next(s for s in load_patterns(TEST_PACK) if s.id == "lost_package")
    shipped_only = spec.model_copy(update={"eligibility": Eligibility(when={"order.status": ["Shipped"]})})
    shipped = ctx()
    assert eligibility.check(shipped_only, shipped, shipped.slot_values(), StagePolicy()) == [
        "order.status is shipped"
    ]
    delivered = ctx(crm={"order": {"id": "A1", "status": "delivered"}})
    assert eligibility.check(shipped_only, delivered, delivered.slot_values(), StagePolicy()) is None
    unknown = ctx(crm={"order": {"id": "A1"}})
    assert eligibility.check(shipped_only, unknown, unknown.slot_values(), StagePolicy()) is None
