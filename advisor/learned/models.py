"""Request and response shapes of the learned-examples API, its statuses and its bounds.

    (feedback: accepted / lightly edited) ──▶ pending ──approve──▶ approved ──withdraw──▶ withdrawn
                                                 │                     ▲                      │
                                                 └──reject──▶ rejected ┴──────approve─────────┘

A rejected or withdrawn text never becomes pending again; a lead may still approve it later.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

from advisor.patterns.models import PatternId
from advisor.patterns.schemas import Note, Team
from advisor.schemas import Strict
from advisor.tenancy.audit import AuditRecord

MAX_APPROVED_PER_PATTERN = 100
"""At most this many learned examples of one pattern are approved (and enter its index) at a time."""
MAX_REVIEW_IDS = 100
"""At most this many candidate ids in one review request (approve and reject together)."""

ExampleId = Annotated[int, Field(ge=1, le=2**62)]


class LearnedStatus(StrEnum):
    """Where a candidate example stands."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"


class LearnedExampleOut(BaseModel):
    """A candidate example: the masked customer text, the pattern it fitted, and the evidence."""

    id: int
    pattern_id: str
    pattern_title: str | None = Field(description="Title of the pattern's latest version.")
    pattern_version: int = Field(description="Version suggested at the latest confirming decision.")
    text: str = Field(description="The customer's words, identifiers masked as `[…]`.")
    status: LearnedStatus
    decisions: int = Field(
        description="Feedback events that accepted or lightly edited this pattern's suggestion, or named "
        "this pattern as the reply sent instead of another suggestion (a correction)."
    )
    agents: int = Field(description="Distinct agents behind those decisions (repeats count once).")
    corrections: int = Field(description="Of the decisions, how many were corrections.")
    first_seen: datetime
    last_seen: datetime
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None


class ReviewIn(Strict):
    """Approve and reject candidates in bulk, with one note for the audit log."""

    approve: list[ExampleId] = Field(default_factory=list, max_length=MAX_REVIEW_IDS)
    reject: list[ExampleId] = Field(default_factory=list, max_length=MAX_REVIEW_IDS)
    note: Note | None = None

    @model_validator(mode="after")
    def _disjoint(self) -> Self:
        self.approve = list(dict.fromkeys(self.approve))
        self.reject = list(dict.fromkeys(self.reject))
        if not self.approve and not self.reject:
            raise ValueError("give at least one id in 'approve' or 'reject'")
        if len(self.approve) + len(self.reject) > MAX_REVIEW_IDS:
            raise ValueError(f"review at most {MAX_REVIEW_IDS} ids per request")
        both = sorted(set(self.approve) & set(self.reject))
        if both:
            raise ValueError(f"id {both[0]} is in both 'approve' and 'reject'")
        return self


class WithdrawIn(Strict):
    """Take an approved example out of the index again (undo), with a note for the audit log."""

    note: Note | None = None


class ReviewOut(BaseModel):
    """What a review changed: the candidates now, the ids already in the asked state, the audit entries."""

    changed: list[LearnedExampleOut]
    unchanged: list[int] = Field(description="Ids already approved (or rejected) as asked; nothing written.")
    audit: list[AuditRecord] = Field(default_factory=list)


class ProposalOut(BaseModel):
    """A new version proposed from a change several agents made to a pattern's suggestion."""

    id: str
    """Stable while the evidence stands: the pattern, its version and the change."""
    pattern_id: str
    pattern_version: int
    pattern_title: str
    owner: str
    removed: str
    """The words of the body the change replaces ("" for an insertion)."""
    added: str
    """What agents put there instead ("" for a deletion)."""
    body: str
    """The version's body now."""
    proposed_body: str
    decisions: int
    """Edit decisions that carry the change."""
    agents: int
    support: int
    """Decisions counted towards the bar, each agent for at most a few (``edits.EDITS_PER_AGENT``)."""
    version_edits: int
    """All edit decisions of the version read (its latest, up to ``PROPOSAL_EDITS_READ``)."""
    examples: list[str]
    """Texts agents sent (as stored: redacted)."""
    last_at: datetime


class ProposalDraftIn(Strict):
    """Turn a proposal into a draft version; ``expected_lock_version`` as for any edit (409 when stale)."""

    expected_lock_version: int | None = Field(default=None, ge=1)
    note: Note | None = None


class NewPatternProposalOut(BaseModel):
    """A new pattern proposed from replies several agents wrote alike on escalated requests."""

    id: str
    title: str
    """The typical reply's first sentence (the lead gives the pattern its id and may retitle the draft)."""
    body: str
    """The group's most typical reply, as stored (redacted)."""
    examples: list[str]
    """The customers' masked words on those requests: the new pattern's example utterances."""
    replies: int
    agents: int
    support: int
    """Replies counted towards the bar, each agent for at most a few."""
    teams: list[str]
    sample_replies: list[str]
    last_at: datetime


class NewPatternDraftIn(Strict):
    """Create the proposed pattern as draft version 1 with this id (owner: a lead's team by default)."""

    id: PatternId
    owner: Team | None = None
    note: Note | None = None
