"""What a library is not about: a bank of everyday off-topic requests, written for this project.

A softmax over a library's topics must give every text to some topic, however unrelated. The bank
(``off_topic.txt``: weather, sport, recipes, homework, small talk...) is the library head's extra class,
"not for this library" (``head.OFF_TOPIC``), so that such text gets a low probability for every topic.
Mid-conversation, the margin by which the latest turn matches the bank better than the library
(``BackgroundBank.margin``) is also a calibration feature: the escalation threshold keeps its meaning
(confidence = how often a suggestion like this is right).

The bank is general text, not any data set's wording. A library that covers one of its topics (a travel
desk answering "find me a cheap hotel") takes those lines out of its bank: a bank sentence as close as
``COVERED`` to one of the library's titles or examples is the library's.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import numpy.typing as npt

from advisor.ranking.protocols import Embedder, Vectors

FloatArray = npt.NDArray[np.float64]
BANK_FILE = Path(__file__).with_name("off_topic.txt")
COVERED = 0.7
"""A bank sentence this similar (cosine) to a library row is something the library answers."""
ROWS_PER_PRODUCT = 65_536
"""Library rows compared with the bank per matrix product (bounds the temporary similarity matrix)."""


@functools.cache
def bank_texts(path: Path = BANK_FILE) -> tuple[str, ...]:
    """Return the bank's sentences (one per line; blank lines and ``#`` comments skipped)."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


class BackgroundBank:
    """The bank's sentences that the library does not cover, embedded once per library build."""

    def __init__(self, embedder: Embedder, library_rows: Vectors) -> None:
        texts = bank_texts()
        vectors = embedder.encode(list(texts)) if texts else np.zeros((0, 1), dtype=np.float32)
        closest = np.full(len(texts), -1.0, dtype=np.float32)
        if len(vectors):
            # By chunks of library rows: a 100,000-pattern library has a million rows.
            for start in range(0, len(library_rows), ROWS_PER_PRODUCT):
                chunk = library_rows[start : start + ROWS_PER_PRODUCT]
                np.maximum(closest, (vectors @ chunk.T).max(axis=1), out=closest)
        keep = closest < COVERED
        self.texts = [t for t, kept in zip(texts, keep, strict=True) if kept]
        self.vectors: Vectors = np.ascontiguousarray(vectors[keep], dtype=np.float32)

    def __len__(self) -> int:
        return len(self.vectors)

    def margin(self, vectors: Vectors, library_best: FloatArray) -> FloatArray:
        """Return, per text, its best bank similarity minus its best library similarity (0: no bank).

        ``vectors``: unit-length embeddings; ``library_best``: each text's best similarity to a row.
        """
        if not len(self.vectors) or not len(vectors):
            return np.zeros(len(vectors))
        best: FloatArray = (vectors @ self.vectors.T).max(axis=1).astype(np.float64)
        return best - library_best
