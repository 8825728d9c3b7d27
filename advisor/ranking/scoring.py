"""Result types of ranking: scored candidates, evidence spans and the escalation decision."""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.patterns.models import PatternSpec


@dataclass(frozen=True)
class Span:
    """A stretch of a turn that matched a pattern: ``turns[turn].text[start:end]``."""

    turn: int
    start: int
    end: int
    text: str


@dataclass
class Candidate:
    """One eligible pattern with its scores and the signals that explain them."""

    spec: PatternSpec
    score: float
    semantic: float
    lexical: float
    confidence: float = 0.0
    matched_terms: list[str] = field(default_factory=list)
    nearest_example: str | None = None
    evidence: list[Span] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    features: tuple[float, ...] = ()
    """The calibration features its confidence was computed from (``calibration.FEATURES``)."""
    state_note: str | None = None
    """Why the conversation state put it here, e.g. "continuing: the customer raised ... 3 turns ago"."""
    acceptance_note: str | None = None
    """What agents did with it for requests like this (see ranking/acceptance.py)."""
    flow_step: str | None = None
    """Why a flow put it here, e.g. "next step of missing_package: step 2 of 3" (see ranking/flows.py)."""
    shared_from: float | None = None
    """Its topic's confidence, when the topic's eligible alternatives share it (ranking/alternatives.py)."""
    share: float = 1.0
    """Then its share of that confidence, before agents' decisions move it."""
    rival: str | None = None
    """Then the title of the alternative with the largest other share."""
    close_call: bool = False
    """Then whether that rival fits about as well (the rationale names it)."""


@dataclass
class Ranked:
    """What a ranker returns: the suggestions, what it considered, and whether to escalate."""

    candidates: list[Candidate]
    considered: list[Candidate]
    escalate: bool
    reason: str | None
    ineligible: int = 0
    topic_turn: int | None = None
    """Index in the context's turns of the customer turn that raised the topic the ranking followed."""
