"""The default ranker: BM25 fused with embeddings, eligibility first, calibrated confidence, escalation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from advisor.context.models import InteractionContext
from advisor.patterns.models import PatternSpec
from advisor.ranking import eligibility
from advisor.ranking.calibration import Calibration
from advisor.ranking.index import FloatArray, PatternIndex
from advisor.ranking.protocols import Embedder
from advisor.ranking.query import build_query
from advisor.ranking.rationale import find_evidence
from advisor.ranking.scoring import Candidate, Ranked
from advisor.ranking.text import terms

RANKER_NAME = "hybrid-bm25-static"
SHORTLIST = 256


@dataclass(frozen=True)
class FusionWeights:
    """How lexical and semantic evidence combine: score = semantic·w + bm25/(bm25+k)·(1-w)."""

    semantic: float = 0.6
    bm25_half: float = 6.0
    nearest: float = 0.4


class HybridRanker:
    """Rank approved, eligible patterns for a conversation; escalate when nothing is confident."""

    def __init__(
        self,
        specs: Sequence[PatternSpec],
        embedder: Embedder,
        *,
        calibration: Calibration | None = None,
        policy: eligibility.StagePolicy | None = None,
        weights: FusionWeights | None = None,
        threshold: float = 0.4,
        candidates: int = 20,
        library_stamp: str = "",
    ) -> None:
        self.index = PatternIndex(specs, embedder)
        self.embedder = embedder
        self.calibration = calibration or Calibration.load()
        self.policy = policy or eligibility.StagePolicy()
        self.weights = weights or FusionWeights()
        self.threshold = threshold
        self.max_candidates = candidates
        self.version = f"{RANKER_NAME}/{embedder.name}/w{self.weights.semantic}-k{self.weights.bm25_half}"
        self.library_stamp = library_stamp
        self._positions = {s.key: n for n, s in enumerate(self.index.specs)}

    def scores(self, context: InteractionContext) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Return (fused, semantic, lexical, per-row similarity) for every indexed pattern."""
        parts = build_query(context)
        weights = np.asarray([p.weight for p in parts], dtype=np.float32)
        vectors = self.embedder.encode([p.text for p in parts])
        query = (weights[:, None] * vectors).sum(axis=0)
        query /= max(float(np.linalg.norm(query)), 1e-9)
        bm25 = self.index.lexical([(terms(p.text), p.weight) for p in parts])
        lexical = bm25 / (bm25 + self.weights.bm25_half)
        shortlist = None
        if len(self.index) > SHORTLIST:
            # Large library: compare examples only for patterns whose centroid or words come close.
            central = self.index.centroid_similarity(query)
            prelim = self.weights.semantic * central + (1 - self.weights.semantic) * lexical
            shortlist = np.union1d(
                np.argpartition(-prelim, SHORTLIST)[:SHORTLIST],
                np.argpartition(-lexical, SHORTLIST // 4)[: SHORTLIST // 4],
            )
        semantic, sims = self.index.semantic(query, nearest_weight=self.weights.nearest, shortlist=shortlist)
        fused = (self.weights.semantic * semantic + (1 - self.weights.semantic) * lexical).astype(np.float32)
        return fused, semantic, lexical.astype(np.float32), sims

    def rank(self, context: InteractionContext, k: int) -> Ranked:
        """Return up to ``k`` confident suggestions, best first, or an escalation with its reason."""
        if not len(self.index):
            return Ranked([], [], escalate=True, reason="no approved pattern is available")
        fused, semantic, lexical, sims = self.scores(context)
        slots = context.slot_values()
        order = np.argsort(-fused, kind="stable")
        eligible: list[Candidate] = []
        ineligible = 0
        for i in order:
            spec = self.index.specs[int(i)]
            rules = eligibility.check(spec, context, slots, self.policy)
            if rules is None:
                ineligible += 1
                continue
            eligible.append(
                Candidate(
                    spec=spec,
                    score=float(fused[i]),
                    semantic=float(semantic[i]),
                    lexical=float(lexical[i]),
                    rules=rules,
                )
            )
            if len(eligible) > self.max_candidates:
                break
        if not eligible:
            return Ranked(
                [],
                [],
                escalate=True,
                reason="no approved pattern is eligible for this context",
                ineligible=ineligible,
            )
        for j, cand in enumerate(eligible):
            others = [c.score for n, c in enumerate(eligible[:2]) if n != j]
            margin = cand.score - (others[0] if others else 0.0)
            cand.confidence = self.calibration.confidence(cand.score, margin)
        considered = eligible[: self.max_candidates]
        chosen = [c for c in considered[:k] if c.confidence >= self.threshold]
        for cand in chosen:
            position = self._positions[cand.spec.key]
            cand.nearest_example = self.index.nearest_example(position, sims)
            cand.matched_terms, cand.evidence = find_evidence(context, self.index.vocabulary[position])
        if not chosen:
            best = considered[0]
            reason = (
                f"no confident suggestion: best match '{best.spec.title}' has confidence "
                f"{best.confidence:.2f}, below the threshold {self.threshold:.2f}"
            )
            return Ranked([], considered, escalate=True, reason=reason, ineligible=ineligible)
        return Ranked(chosen, considered, escalate=False, reason=None, ineligible=ineligible)
