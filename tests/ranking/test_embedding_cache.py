"""A conversation's turns are embedded once per process: the cache returns the same vectors without
asking the model again, stays bounded, and lets an index build (a large batch) pass through."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from advisor.ranking.embedding import CachedEmbedder, make_embedder
from advisor.ranking.protocols import Vectors


class Counting:
    """The real bundled embedder, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.inner = make_embedder("minilm-static-cs")
        self.name = self.inner.name
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.seen.extend(texts)
        return self.inner.encode(texts)


TURNS = ["hi, my parcel never arrived", "it was order A1001", "the tracking has not moved for a week"]


def test_repeated_turns_are_embedded_once() -> None:
    model = Counting()
    cached = CachedEmbedder(model, size=100)

    first = cached.encode(TURNS[:2])
    second = cached.encode(TURNS)

    assert model.seen == TURNS  # each turn embedded once, though the second request resent the first two
    np.testing.assert_array_equal(second[:2], first)
    np.testing.assert_allclose(second, model.inner.encode(TURNS), atol=1e-6)


def test_bounded() -> None:
    model = Counting()
    cached = CachedEmbedder(model, size=2)

    cached.encode(TURNS)
    cached.encode(TURNS[:1])

    assert model.seen == [*TURNS, TURNS[0]]  # the oldest was dropped to keep two


def test_large_batches_pass_through() -> None:
    model = Counting()
    cached = CachedEmbedder(model, size=1000)
    library = [f"example {n}" for n in range(CachedEmbedder.SMALL_BATCH + 1)]

    cached.encode(library)
    cached.encode(library[:1])

    assert len(model.seen) == len(library) + 1
