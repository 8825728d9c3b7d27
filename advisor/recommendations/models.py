"""Request and response bodies of ``POST /v1/recommendations``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from advisor.context.models import InteractionContext
from advisor.patterns.models import RiskLevel


class RecommendationRequest(InteractionContext):
    """An interaction context plus how many suggestions to return."""

    k: int = Field(default=3, ge=1, le=10)


class EvidenceSpan(BaseModel):
    """Customer words that matched: ``turns[turn].text[start:end] == text``."""

    turn: int
    start: int
    end: int
    text: str


class Signals(BaseModel):
    """The raw signals behind a suggestion, for developers and audits."""

    semantic: float
    lexical: float
    matched_terms: list[str]
    nearest_example: str | None
    rules: list[str]


class RecommendationOut(BaseModel):
    """One ranked suggestion: an approved pattern version rendered with the context's values."""

    recommendation_id: str
    rank: int
    pattern_id: str
    pattern_version: int
    title: str
    intent: str
    text: str
    unfilled_slots: list[str]
    score: float
    confidence: float = Field(ge=0.0, le=1.0, description="Calibrated probability that this pattern fits.")
    risk: RiskLevel
    requires_review: bool
    rationale: str
    evidence: list[EvidenceSpan]
    signals: Signals


class RecommendationsResponse(BaseModel):
    """Suggestions best first, or none with ``escalate: true`` and the reason."""

    request_id: str
    interaction_id: str
    recommendations: list[RecommendationOut]
    escalate: bool
    reason: str | None
    ranker_version: str
    latency_ms: float
