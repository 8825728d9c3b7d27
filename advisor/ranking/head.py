"""A scorer trained on the library: which topic does a text belong to, learnt from the approved examples.

Retrieval compares a message with each pattern's examples one pattern at a time; it cannot learn that
"book" separates one intent from its neighbour "find" while "hotel" is shared by both. This head is a
multinomial logistic regression (scikit-learn) over the message's embedding and its word and character
n-grams (TF-IDF), fitted on the examples and titles of the approved patterns whenever the library
changes: a fraction of a second for a hundred intents, a few seconds for a thousand, on one core.
Its probabilities are a second kind of evidence beside the retrieval scores: the conversation-state
model weighs both (features ``learnt``, ``learnt_x_strength`` and ``learnt_x_first``, fitted like its
other weights), so a message's intent is sharper, while a detail turn, on which a softmax is
confidently arbitrary, is no evidence for it (as for retrieval). It never adds a pattern: eligibility
and approval decide which patterns exist for the ranker before any score is computed.

On by default (setting ``ranking.library_head``). A softmax over a small library's topics alone would
give off-topic text a confident-looking topic, so the head has one class more, ``OFF_TOPIC``, fitted on
the everyday requests of ``background.py``'s bank that the library does not cover; its probability is
left out of the topics' (a row sums to less than 1 for text the library is not about).
A library with more topics than ``MAX_TOPICS`` is ranked by retrieval alone (the weights would grow
with topics × features); so is one with a single topic (there is nothing to separate). Fitting costs
about rows × topics: a large library's head reads at most ``rows_per_topic`` rows of each topic (its
patterns' titles first, then their first examples, in turn), so that a rebuild stays within seconds
(retrieval still reads every example).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

MAX_TOPICS = 300
FIT_BUDGET = 400_000
"""Training rows × classes: one core fits that in a few seconds (CLINC150's 150 topics × 12 rows fit)."""
MIN_ROWS_PER_TOPIC = 3
WEIGHT_BUDGET = 6_000_000
"""Topics × n-gram features stays below this (24 MB of float32 weights per library)."""
EMBEDDING_SCALE = 2.0
"""The unit-length embedding is scaled so that it weighs like the n-gram blocks (each unit length)."""
REGULARISATION_C = 10.0
Analyzer = Callable[[str], list[str]]
OFF_TOPIC = -1
"""The label of the out-of-library class: everyday requests the library does not cover."""


class LibraryHead:
    """Topic probabilities for texts, from a model fitted on the library's own examples."""

    def __init__(self, texts: Sequence[str], vectors: npt.NDArray[np.float32], topics: Sequence[int]) -> None:
        """Fit on ``texts`` (their embeddings ``vectors``) labelled with topics 0..n-1 or ``OFF_TOPIC``."""
        classes = len(set(topics))
        per_block = max(1000, WEIGHT_BUDGET // (2 * classes))
        self.vectorizers = (
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=per_block, dtype=np.float32),
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(2, 4),
                sublinear_tf=True,
                max_features=per_block,
                dtype=np.float32,
            ),
        )
        for vectorizer in self.vectorizers:
            vectorizer.fit(texts)
        model = LogisticRegression(C=REGULARISATION_C, max_iter=200, tol=1e-3)
        model.fit(self._features(texts, vectors), np.asarray(topics))
        self.topics = np.asarray(model.classes_, dtype=np.intp)
        self.coef = np.ascontiguousarray(model.coef_.T, dtype=np.float32)
        self.intercept = model.intercept_.astype(np.float32)
        if classes == 2:  # scikit-learn keeps one weight vector for two classes: make it two
            self.coef = np.hstack([-self.coef / 2, self.coef / 2])
            self.intercept = np.asarray([-self.intercept[0] / 2, self.intercept[0] / 2], dtype=np.float32)
        # Scoring a few texts per request: scikit-learn's own analyzers, then the TF-IDF weighting and
        # the sparse product done here (its ``transform`` costs about 0.5 ms a call in validation and
        # matrix building, several times the arithmetic). ``scores`` equals the scikit-learn pipeline.
        offset = vectors.shape[1]
        self._blocks: list[tuple[Analyzer, dict[str, int], npt.NDArray[np.float64], int]] = []
        for vectorizer in self.vectorizers:
            vocabulary = {str(gram): int(n) for gram, n in vectorizer.vocabulary_.items()}
            idf = vectorizer.idf_.astype(np.float64)
            self._blocks.append((vectorizer.build_analyzer(), vocabulary, idf, offset))
            offset += len(vocabulary)

    @staticmethod
    def rows_per_topic(topics: int) -> int:
        """How many training rows of each topic the head reads, for a library of this many topics."""
        return max(MIN_ROWS_PER_TOPIC, FIT_BUDGET // (topics + 1) ** 2)

    @staticmethod
    def applies(topics: int) -> bool:
        """True when a library with this many topics gets a head."""
        return 2 <= topics <= MAX_TOPICS

    def _features(self, texts: Sequence[str], vectors: npt.NDArray[np.float32]) -> sparse.csr_matrix:
        blocks = [
            sparse.csr_matrix(vectors * EMBEDDING_SCALE),
            *(v.transform(texts) for v in self.vectorizers),
        ]
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    def scores(self, texts: Sequence[str], vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Return [texts × known topics] logits (columns in the order of ``self.topics``)."""
        width = vectors.shape[1]
        out: npt.NDArray[np.float32] = (vectors * EMBEDDING_SCALE) @ self.coef[:width] + self.intercept
        for row, text in enumerate(texts):
            for analyzer, vocabulary, idf, offset in self._blocks:
                counts = Counter(n for n in map(vocabulary.get, analyzer(text)) if n is not None)
                if not counts:
                    continue
                columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
                # Sublinear term frequency times idf, unit length per block (TfidfVectorizer's settings).
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                weights = (1.0 + np.log(tf)) * idf[columns]
                weights /= np.linalg.norm(weights)
                out[row] += weights.astype(np.float32) @ self.coef[columns + offset]
        return out

    def probabilities(
        self, texts: Sequence[str], vectors: npt.NDArray[np.float32], n_topics: int
    ) -> npt.NDArray[np.float64]:
        """Return [texts × n_topics] probabilities; a row sums to 1 minus the out-of-library class's."""
        logits = self.scores(texts, vectors)
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits.astype(np.float64))
        odds /= odds.sum(axis=1, keepdims=True)
        out = np.zeros((len(texts), n_topics))
        known = self.topics >= 0  # the rest is the out-of-library class (OFF_TOPIC)
        out[:, self.topics[known]] = odds[:, known]
        return out
