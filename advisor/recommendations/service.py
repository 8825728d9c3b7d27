"""Serve recommendations: rank, render, explain and persist the audit trail in one transaction."""

from __future__ import annotations

import time
import uuid
from typing import Protocol

from advisor.learned.capture import learning_text
from advisor.patterns.rendering import render
from advisor.ranking.acceptance import Acceptance
from advisor.ranking.rank import HybridRanker
from advisor.ranking.rationale import explain
from advisor.recommendations.models import (
    EvidenceSpan,
    RecommendationOut,
    RecommendationRequest,
    RecommendationsResponse,
    Signals,
)
from advisor.store.tables.decisions import RecommendationRequestRow, RecommendationRow
from advisor.tenancy.models import Principal
from advisor.tenancy.rights import acting_as


class ServedLog(Protocol):
    """Where a served request goes: the decision log itself, or the batching writer in front of it."""

    def add_request(
        self, request: RecommendationRequestRow, recommendations: list[RecommendationRow]
    ) -> None:
        """Record a served request with its suggestions."""
        ...


def recommend(
    request: RecommendationRequest,
    principal: Principal,
    ranker: HybridRanker,
    stamp: int,
    log: ServedLog,
    acceptance: Acceptance | None = None,
) -> RecommendationsResponse:
    """Rank the tenant's approved library for the context and record what was shown.

    ``acceptance``: agents' decisions so far, which update the confidence and order of suggestions.
    """
    team_id = acting_as(principal, request.agent_id, request.team_id)
    started = time.perf_counter()
    ranked = ranker.rank(request, k=request.k, acceptance=acceptance)
    slots = request.slot_values()
    request_id = str(uuid.uuid4())
    outs: list[RecommendationOut] = []
    rows: list[RecommendationRow] = []
    for rank, cand in enumerate(ranked.candidates, start=1):
        rendered = render(cand.spec.body, slots)
        rec_id = str(uuid.uuid4())
        intent = cand.spec.intents[0]
        outs.append(
            RecommendationOut(
                recommendation_id=rec_id,
                rank=rank,
                pattern_id=cand.spec.id,
                pattern_version=cand.spec.version,
                title=cand.spec.title,
                intent=intent,
                text=rendered.text,
                unfilled_slots=rendered.unfilled,
                score=round(cand.score, 4),
                confidence=round(cand.confidence, 4),
                risk=cand.spec.risk,
                requires_review=cand.spec.requires_review,
                rationale=explain(cand),
                evidence=[
                    EvidenceSpan(turn=s.turn, start=s.start, end=s.end, text=s.text) for s in cand.evidence
                ],
                signals=Signals(
                    semantic=round(cand.semantic, 4),
                    lexical=round(cand.lexical, 4),
                    matched_terms=cand.matched_terms,
                    nearest_example=cand.nearest_example,
                    rules=cand.rules,
                ),
            )
        )
        rows.append(
            RecommendationRow(
                id=rec_id,
                request_id=request_id,
                tenant_id=principal.tenant_id,
                interaction_id=request.interaction_id,
                agent_id=request.agent_id,
                team_id=team_id,
                channel=request.channel.value,
                rank=rank,
                pattern_id=cand.spec.id,
                pattern_version=cand.spec.version,
                intent=intent,
                score=cand.score,
                confidence=cand.confidence,
                text=rendered.text,
                approved_text=cand.spec.body,
                unfilled=rendered.unfilled,
                risk=cand.spec.risk.value,
            )
        )
    # Kept masked for learning: feedback on a suggestion can make it a candidate example; on an escalated
    # request, with what the agent wrote themselves (POST /v1/replies), an example of a proposed pattern.
    topic_text = learning_text(request.turns, ranked.topic_turn, slots)
    latency_ms = (time.perf_counter() - started) * 1000
    log.add_request(
        RecommendationRequestRow(
            id=request_id,
            tenant_id=principal.tenant_id,
            interaction_id=request.interaction_id,
            agent_id=request.agent_id,
            team_id=team_id,
            channel=request.channel.value,
            locale=request.locale,
            context_hash=request.digest(),
            ranker_version=ranker.version,
            library_stamp=stamp,
            escalate=ranked.escalate,
            reason=ranked.reason,
            candidates=[
                {
                    "pattern_id": c.spec.id,
                    "version": c.spec.version,
                    "score": round(c.score, 6),
                    "confidence": round(c.confidence, 6),
                }
                for c in ranked.considered
            ],
            latency_ms=latency_ms,
            topic_text=topic_text,
        ),
        rows,
    )
    return RecommendationsResponse(
        request_id=request_id,
        interaction_id=request.interaction_id,
        recommendations=outs,
        escalate=ranked.escalate,
        reason=ranked.reason,
        ranker_version=ranker.version,
        latency_ms=round(latency_ms, 3),
    )
