"""The weak baseline: a nearest-example vote over embedded examples (no BM25, no calibration)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from advisor.context.models import InteractionContext, Role
from advisor.patterns.models import PatternSpec
from advisor.ranking.acceptance import Acceptance
from advisor.ranking.protocols import Embedder
from advisor.ranking.scoring import Candidate, Ranked


class NearestExampleVote:
    """Each of the ``neighbours`` closest examples votes for its pattern, weighted by similarity."""

    version = "baseline-nearest-example-vote"

    def __init__(self, specs: Sequence[PatternSpec], embedder: Embedder, neighbours: int = 5) -> None:
        self.specs = list(specs)
        self.embedder = embedder
        self.neighbours = neighbours
        owners: list[int] = []
        texts: list[str] = []
        for i, spec in enumerate(self.specs):
            for text in spec.examples or [spec.title]:
                texts.append(text)
                owners.append(i)
        self.owners = np.asarray(owners)
        self.vectors = embedder.encode(texts)

    def rank(self, context: InteractionContext, k: int, acceptance: Acceptance | None = None) -> Ranked:  # noqa: ARG002
        """Vote with the last customer turn only; never escalates and does not learn from decisions."""
        last = next(t.text for t in reversed(context.turns) if t.role is Role.customer)
        sims = self.vectors @ self.embedder.encode([last])[0]
        top = np.argsort(-sims)[: self.neighbours]
        votes: dict[int, float] = {}
        for row in top:
            votes[int(self.owners[row])] = votes.get(int(self.owners[row]), 0.0) + float(sims[row])
        order = sorted(votes, key=lambda i: -votes[i])
        cands = [
            Candidate(spec=self.specs[i], score=votes[i], semantic=votes[i], lexical=0.0, confidence=1.0)
            for i in order
        ]
        return Ranked(cands[:k], cands, escalate=False, reason=None)
