"""In-memory index of the approved library: BM25 over pattern texts, embeddings of examples."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import bm25s
import numpy as np
import numpy.typing as npt

from advisor.patterns.models import SLOT_RE, PatternSpec
from advisor.ranking.protocols import Embedder, Vectors
from advisor.ranking.text import document_terms

FloatArray = npt.NDArray[np.float32]
EMBED_CHUNK = 8192
"""Example texts embedded per call while an index is built: a large library is embedded into one
preallocated matrix, chunk by chunk, instead of holding every text's intermediate arrays at once."""


def pattern_document(spec: PatternSpec) -> str:
    """Return the text lexical search sees for a pattern: title, intents, examples, body without slots."""
    intents = " ".join(i.replace("_", " ") for i in spec.intents)
    body = SLOT_RE.sub(" ", spec.body)
    return "\n".join([spec.title, intents, *spec.examples, body])


def embed_rows(embedder: Embedder, rows: Sequence[str]) -> Vectors:
    """Embed ``rows`` into one float32 matrix, ``EMBED_CHUNK`` texts per call."""
    if not rows:
        return np.zeros((0, 1), dtype=np.float32)
    first = embedder.encode(rows[:EMBED_CHUNK])
    if len(rows) <= EMBED_CHUNK:
        return first
    out: Vectors = np.empty((len(rows), first.shape[1]), dtype=np.float32)
    out[: len(first)] = first
    for start in range(EMBED_CHUNK, len(rows), EMBED_CHUNK):
        out[start : start + EMBED_CHUNK] = embedder.encode(rows[start : start + EMBED_CHUNK])
    return out


class PatternIndex:
    """Both indexes over a fixed list of patterns; rebuilt whenever the library changes."""

    def __init__(
        self, specs: Sequence[PatternSpec], embedder: Embedder, *, k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.specs = list(specs)
        self.embedder = embedder
        self.vocabulary: list[frozenset[str]] = []
        """Each pattern's terms (interned: a word used by many patterns is stored once)."""
        corpus = []
        for spec in self.specs:
            tokens = [sys.intern(t) for t in document_terms(pattern_document(spec))]
            corpus.append(tokens or ["\u2205"])
            self.vocabulary.append(frozenset(tokens))
        self.bm25 = bm25s.BM25(k1=k1, b=b)
        if self.specs:
            self.bm25.index(corpus, show_progress=False)
        # Semantic rows: the title, then each example, grouped by pattern.
        rows: list[str] = []
        self.row_owner: list[int] = []
        self.starts: list[int] = []
        for i, spec in enumerate(self.specs):
            self.starts.append(len(rows))
            for text in [spec.title, *spec.examples]:
                rows.append(text)
                self.row_owner.append(i)
        self.row_texts = rows
        self.vectors: Vectors = embed_rows(embedder, rows)
        self._starts = np.asarray(self.starts, dtype=np.intp)
        self._ends = np.append(self._starts[1:], len(rows)).astype(np.intp)
        self._centroids = self._pattern_centroids()

    @property
    def centroids(self) -> Vectors:
        """Each pattern's unit-length mean example vector, [patterns × dimensions]."""
        return self._centroids

    def _pattern_centroids(self) -> Vectors:
        if not self.specs:
            return np.zeros((0, 1), dtype=np.float32)
        sums = np.add.reduceat(self.vectors, self._starts, axis=0)
        centroids: Vectors = (sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)).astype(
            np.float32
        )
        return centroids

    def __len__(self) -> int:
        return len(self.specs)

    def lexical(self, weighted_terms: Sequence[tuple[list[str], float]]) -> FloatArray:
        """Return the weighted BM25 score of every pattern for the query parts."""
        total = np.zeros(len(self.specs), dtype=np.float32)
        vocab = self.bm25.vocab_dict if self.specs else {}
        for tokens, weight in weighted_terms:
            known = [t for t in tokens if t in vocab]
            if known:
                total += weight * np.asarray(self.bm25.get_scores(known), dtype=np.float32)
        return total

    def semantic(
        self,
        query: Vectors,
        *,
        nearest_weight: float,
        shortlist: npt.NDArray[np.intp] | None = None,
        central: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """Return (per-pattern similarity, per-row similarity): a blend of nearest example and centroid.

        With a ``shortlist`` only those patterns' examples are compared (the rest keep their centroid
        similarity, and their rows read as -1): reading every example vector of a large library costs
        more memory bandwidth than the whole rest of a request. ``central`` is the centroid similarity
        when the caller already has it.
        """
        if central is None:
            central = (self._centroids @ query).astype(np.float32)
        if shortlist is None or len(shortlist) >= len(self.specs):
            sims = (self.vectors @ query).astype(np.float32)
            nearest = np.maximum.reduceat(sims, self._starts)
            return (nearest_weight * nearest + (1 - nearest_weight) * central).astype(np.float32), sims
        lengths = self._ends[shortlist] - self._starts[shortlist]
        firsts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        rows = np.repeat(self._starts[shortlist] - firsts, lengths) + np.arange(int(lengths.sum()))
        shortlisted = (self.vectors[rows] @ query).astype(np.float32)
        sims = np.full(len(self.row_texts), -1.0, dtype=np.float32)
        sims[rows] = shortlisted
        nearest = central.copy()
        nearest[shortlist] = np.maximum.reduceat(shortlisted, firsts)
        return (nearest_weight * nearest + (1 - nearest_weight) * central).astype(np.float32), sims

    def centroid_similarity_many(self, queries: Vectors) -> FloatArray:
        """Return the centroid cosines of several unit-length queries: [patterns × queries]."""
        return (self._centroids @ queries.T).astype(np.float32)

    def centroid_similarity(self, query: Vectors) -> FloatArray:
        """Return each pattern's centroid cosine with the query (cheap: one row per pattern)."""
        return (self._centroids @ query).astype(np.float32)

    def nearest_example(self, pattern: int, sims: FloatArray) -> str | None:
        """Return the example of ``pattern`` closest to the query (None if it only has its title)."""
        start = self.starts[pattern]
        end = self.starts[pattern + 1] if pattern + 1 < len(self.starts) else len(self.row_texts)
        if end - start <= 1:
            return None
        return self.row_texts[start + 1 + int(np.argmax(sims[start + 1 : end]))]
