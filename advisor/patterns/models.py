"""Pattern: an approved, versioned response template with slots, examples and eligibility rules."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from advisor.context.models import Channel

SLOT_RE = re.compile(r"\{([a-z_]+\.[a-z0-9_]+)\}")
PatternId = Annotated[str, StringConstraints(pattern=r"^[^\s/\\{}]{1,128}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class RiskLevel(StrEnum):
    """How much harm a wrong use of the pattern could do."""

    low = "low"
    medium = "medium"
    high = "high"


class Status(StrEnum):
    """Lifecycle state of one pattern version."""

    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    retired = "retired"


class Eligibility(BaseModel):
    """Rules a context must meet before the pattern may be suggested; empty list = no restriction."""

    model_config = ConfigDict(extra="forbid")

    channels: list[Channel] = Field(default_factory=list)
    locales: list[Annotated[str, StringConstraints(min_length=2, max_length=16)]] = Field(
        default_factory=list
    )
    segments: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=list
    )
    requires: list[Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]] = Field(
        default_factory=list
    )
    when: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z0-9_]+$")],
        list[Annotated[str, StringConstraints(min_length=1, max_length=64)]],
    ] = Field(default_factory=dict)
    """CRM facts that must hold one of the listed values (case-insensitive), e.g. order.status: [shipped]."""


MAX_FLOW_STEP = 50


class FlowStep(BaseModel):
    """A pattern's place in a flow: the steps a guideline prescribes for an intent, in order."""

    model_config = ConfigDict(extra="forbid")

    name: PatternId
    step: int = Field(ge=1, le=MAX_FLOW_STEP)


class PatternSpec(BaseModel):
    """One version of a pattern as written in a pattern file or stored."""

    model_config = ConfigDict(extra="forbid")

    id: PatternId
    version: int = Field(default=1, ge=1)
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4_000)]
    intents: list[PatternId] = Field(min_length=1)
    examples: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1_000)]
    ] = Field(default_factory=list)
    flows: list[FlowStep] = Field(default_factory=list, max_length=20)
    """Flows this pattern is a step of; one pattern (e.g. verify identity) may be step 1 of several."""
    eligibility: Eligibility = Field(default_factory=Eligibility)
    risk: RiskLevel = RiskLevel.low
    requires_review: bool = False
    owner: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    status: Status = Status.draft
    author: str | None = None
    approver: str | None = None
    change_note: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @field_validator("intents", "examples")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))

    @field_validator("flows")
    @classmethod
    def _one_step_per_flow(cls, v: list[FlowStep]) -> list[FlowStep]:
        seen: set[str] = set()
        for place in v:
            if place.name in seen:
                raise ValueError(f"flow '{place.name}' is listed twice; a pattern has one step per flow")
            seen.add(place.name)
        return v

    @property
    def slots(self) -> list[str]:
        """Slots the body uses, in order of first appearance."""
        return list(dict.fromkeys(SLOT_RE.findall(self.body)))

    @property
    def key(self) -> tuple[str, int]:
        """(id, version)."""
        return (self.id, self.version)
