"""A library larger than the shortlist compares examples only for its closest patterns: what it suggests
must be what comparing every example suggests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.context.models import InteractionContext
from advisor.patterns.files import load_patterns
from advisor.patterns.models import PatternSpec, Status
from advisor.ranking import rank
from advisor.ranking.embedding import StaticEmbedder

ROOT = Path(__file__).resolve().parents[2]
FILLER_TOPICS = (
    "garden furniture assembly",
    "piano lessons for beginners",
    "vintage camera repair",
    "aquarium water chemistry",
    "wedding cake tasting",
    "ski boot fitting",
    "beekeeping starter kits",
    "chess club membership",
    "pottery kiln firing",
    "telescope lens cleaning",
)


def fillers() -> list[PatternSpec]:
    """Two hundred and forty approved patterns on topics no customer of the demo desk raises."""
    return [
        PatternSpec(
            id=f"filler_{n}",
            title=f"{topic} ({n})",
            body=f"Our guide to {topic}.",
            intents=[f"filler_{n}"],
            examples=[f"question {n} about {topic}", f"help with {topic}, case {n}"],
            owner="test",
            status=Status.approved,
        )
        for n in range(240)
        for topic in [FILLER_TOPICS[n % len(FILLER_TOPICS)]]
    ]


def test_a_large_library_suggests_what_comparing_every_example_suggests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specs = load_patterns(ROOT / "advisor" / "packs" / "demo") + fillers()
    assert len(specs) > rank.EXACT_UP_TO
    cases = [json.loads(line) for line in (ROOT / "bench" / "cases" / "demo.jsonl").open()]
    contexts = [InteractionContext.model_validate(c["context"]) for c in cases if c.get("expected")]
    embedder = StaticEmbedder("minilm-static-cs")

    def top_ids(ranker: rank.HybridRanker) -> list[str | None]:
        return [
            (ranked.candidates[0].spec.id if ranked.candidates else None)
            for ranked in (ranker.rank(context, k=3) for context in contexts)
        ]

    shortlisted = top_ids(rank.HybridRanker(specs, embedder))
    monkeypatch.setattr(rank, "EXACT_UP_TO", len(specs))  # every example compared
    exact = top_ids(rank.HybridRanker(specs, embedder))

    same = sum(a == b for a, b in zip(shortlisted, exact, strict=True))
    assert same == len(exact), [(a, b) for a, b in zip(shortlisted, exact, strict=True) if a != b]
    assert not any(s and s.startswith("filler_") for s in shortlisted)
