"""Request and response shapes of the pattern governance API (bounded, strict, no NUL bytes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from advisor.patterns.lint import Finding
from advisor.patterns.models import (
    Eligibility,
    FlowStep,
    PatternId,
    PatternSpec,
    RiskLevel,
    Status,
    one_step_per_flow,
)
from advisor.schemas import Strict
from advisor.tenancy.audit import AuditRecord

Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
Team = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Example = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1_000)]


class Locked(Strict):
    """A change that may say which lock version it was based on (409 when stale)."""

    expected_lock_version: int | None = Field(default=None, ge=1)


class PatternContent(Locked):
    """The editable content of a version."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4_000)]
    intents: list[PatternId] = Field(min_length=1, max_length=20)
    examples: list[Example] = Field(default_factory=list, max_length=200)
    flows: list[FlowStep] = Field(default_factory=list, max_length=20)
    collects: list[Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]] = Field(
        default_factory=list, max_length=20
    )
    eligibility: Eligibility = Field(default_factory=Eligibility)
    risk: RiskLevel = RiskLevel.low
    requires_review: bool = False
    change_note: Note

    @field_validator("flows")
    @classmethod
    def _one_step_per_flow(cls, v: list[FlowStep]) -> list[FlowStep]:
        return one_step_per_flow(v)


class PatternCreate(PatternContent):
    """A new pattern; it starts as draft version 1. ``owner`` defaults to a lead's own team."""

    id: PatternId
    owner: Team | None = None


class TransitionIn(Locked):
    """Submit, approve, reject or retire one version, with a note for the audit log."""

    note: Note


class RollbackIn(Locked):
    """Make an earlier (or later) approved version serve again."""

    version: int = Field(ge=1)
    note: Note


class SuspendIn(Locked):
    """Stop (or resume) serving one pattern now."""

    reason: Note


class BulkSuspendIn(Strict):
    """Suspend or resume every pattern of one intent or of one team."""

    intent: PatternId | None = None
    team: Team | None = None
    reason: Note

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.intent is None) == (self.team is None):
            raise ValueError("give exactly one of 'intent' or 'team'")
        return self


class VersionOut(PatternSpec):
    """One stored version and whether it is the one serving."""

    serving: bool = False


class PatternOut(BaseModel):
    """A pattern: its head (what serves, kill switch, lock) and its versions."""

    id: str
    owner: str
    title: str
    latest_version: int
    latest_status: Status
    serving_version: int | None
    suspended: bool
    suspend_reason: str | None
    lock_version: int
    updated_at: datetime | None = None
    versions: list[VersionOut] | None = None


class ServingPatternOut(BaseModel):
    """A pattern version that may be suggested now (approved, serving, not suspended): what a desk's
    picker lists, so that an agent can say which approved reply they sent instead of a suggestion."""

    id: str
    version: int
    title: str
    owner: str
    intents: list[str]


class ChangeOut(BaseModel):
    """What a change did: the pattern now, the lint findings and the audit entry written."""

    pattern: PatternOut
    lint: list[Finding] = Field(default_factory=list)
    audit: list[AuditRecord] = Field(default_factory=list)


class BulkChangeOut(BaseModel):
    """Which patterns a bulk suspension (or resumption) changed."""

    changed: list[str]
    audit: list[AuditRecord] = Field(default_factory=list)


class ImportIn(Strict):
    """A pattern file uploaded as text; every version is stored or none."""

    format: Literal["yaml", "csv"]
    content: Annotated[str, StringConstraints(min_length=1, max_length=250_000)]
    approve: bool = Field(default=False, description="Keep approved statuses (admins only; audited).")


class ImportOut(BaseModel):
    """What an import stored."""

    versions: int
    patterns: list[str]
    approved: bool
    audit: list[AuditRecord] = Field(default_factory=list)
