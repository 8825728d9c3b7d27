"""A large library: built in chunks and compared with examples only for its closest patterns, it must
suggest what comparing every example, embedded at once, suggests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from advisor.context.models import InteractionContext
from advisor.patterns.files import load_patterns
from advisor.patterns.models import PatternSpec, Status
from advisor.ranking import index, rank
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


TOLERANCE = 0.05
"""How far a shortlisted ranker's confidence may be from the exhaustive one's (measured: at most 0.03)."""


def test_a_large_library_ranks_first_what_comparing_every_example_ranks_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specs = load_patterns(ROOT / "advisor" / "packs" / "demo") + fillers()
    assert len(specs) > rank.EXACT_UP_TO
    cases = [json.loads(line) for line in (ROOT / "bench" / "cases" / "demo.jsonl").open()]
    contexts = [InteractionContext.model_validate(c["context"]) for c in cases if c.get("expected")]
    embedder = StaticEmbedder("minilm-static-cs")

    def best(ranker: rank.HybridRanker) -> list[tuple[str | None, float]]:
        """Each case's best-ranked pattern and its confidence (whether or not it clears the threshold)."""
        return [
            (ranked.considered[0].spec.id, ranked.considered[0].confidence)
            if ranked.considered
            else (None, 0.0)
            for ranked in (ranker.rank(context, k=3) for context in contexts)
        ]

    shortlisted = best(rank.HybridRanker(specs, embedder))
    monkeypatch.setattr(rank, "EXACT_UP_TO", len(specs))  # every example compared
    exact = best(rank.HybridRanker(specs, embedder))

    # The same winner everywhere. The patterns the shortlist leaves out are too far to win, but they
    # take part in the calibration's features, so a confidence may move by a few hundredths: only a case
    # that close to the threshold can be answered by one ranker and escalated by the other.
    pairs = list(zip(shortlisted, exact, strict=True))
    assert [(a, b) for a, b in pairs if a[0] != b[0] or abs(a[1] - b[1]) > TOLERANCE] == []
    assert not any(s and s.startswith("filler_") for s, _ in shortlisted)


def test_a_library_embedded_in_chunks_has_the_vectors_of_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    specs = load_patterns(ROOT / "advisor" / "packs" / "demo")
    rows = [text for spec in specs for text in [spec.title, *spec.examples]]
    embedder = StaticEmbedder("minilm-static-cs")
    monkeypatch.setattr(index, "EMBED_CHUNK", 7)  # many chunks, the last one short

    chunked = index.embed_rows(embedder, rows)

    assert len(rows) % 7  # the last chunk is short
    assert chunked.dtype == np.float32
    np.testing.assert_array_equal(chunked, embedder.encode(rows))
