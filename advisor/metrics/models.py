"""What the metric reports are computed over: filters, grouping dimensions, roll-up records, thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any


class Dimension(StrEnum):
    """What a report can be grouped by (filters use the same names)."""

    team = "team"
    agent = "agent"
    pattern = "pattern"
    pattern_version = "pattern_version"
    intent = "intent"
    channel = "channel"
    day = "day"
    week = "week"


class Decision(StrEnum):
    """A suggestion's final outcome: the last of accepted/edited/rejected, or ignored when none came."""

    accepted = "accepted"
    edited = "edited"
    rejected = "rejected"
    ignored = "ignored"


DECIDED = (Decision.accepted, Decision.edited, Decision.rejected)


@dataclass(frozen=True)
class Filters:
    """Which suggestions a report covers: one tenant, a period [start, end) of first display, and slices."""

    tenant_id: str
    start: datetime | None = None
    end: datetime | None = None
    team: str | None = None
    agent: str | None = None
    pattern: str | None = None
    pattern_version: int | None = None
    intent: str | None = None
    channel: str | None = None

    def describe(self) -> dict[str, str | int | None]:
        """Return the filters as JSON-friendly values (without the tenant)."""
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "team": self.team,
            "agent": self.agent,
            "pattern": self.pattern,
            "pattern_version": self.pattern_version,
            "intent": self.intent,
            "channel": self.channel,
        }


@dataclass
class Shown:
    """Where a suggestion was shown: the dimensions its feedback events and its outcome row carry."""

    tenant_id: str
    recommendation_id: str
    agent_id: str
    team_id: str | None
    channel: str
    pattern_id: str
    pattern_version: int
    intent: str

    def shown(self) -> dict[str, Any]:
        """Return these dimensions by field name (to build another record shown in the same place)."""
        return {f.name: getattr(self, f.name) for f in fields(Shown)}


@dataclass
class EventRecord(Shown):
    """One feedback event as the roll-up reads it."""

    id: int
    action: str
    final_text: str | None
    reason: str | None
    time_to_decision_ms: int | None
    occurred_at: datetime
    received_at: datetime


@dataclass
class Outcome(Shown):
    """One suggestion's roll-up row: where it was shown and what the agent finally did with it."""

    shown_at: datetime
    shown_event_at: datetime | None = None
    day: str = ""
    week: str = ""
    decision: str = Decision.ignored.value
    decision_event_id: int | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    reported_ttd_ms: int | None = None
    ttd_ms: int | None = None
    similarity: float | None = None
    ttd_bucket: int | None = None


Group = dict[str, str | int | None]
"""A report group: the value of each grouping column label (``advisor.metrics.cubes.labels``)."""


@dataclass(frozen=True)
class OutcomeCount:
    """Outcomes of one group with one decision (and reason, when asked for), with their text similarity."""

    group: Group
    decision: str
    n: int
    similarity_sum: float | None
    similarity_n: int
    reason: str | None = None


@dataclass(frozen=True)
class DelayCount:
    """Timed decisions of one group: how many, their total time and their delay histogram."""

    group: Group
    ttd_n: int
    ttd_sum: float
    hist: list[int]


@dataclass(frozen=True)
class ChoiceCount:
    """Suggestions used (accepted or edited) by one agent for one intent and pattern."""

    team: str | None
    agent: str
    intent: str
    pattern: str
    n: int


@dataclass(frozen=True)
class CorrectionCount:
    """How often agents rejected one pattern and named another as the reply they sent instead."""

    pattern: str
    used_pattern: str
    n: int
    agents: int
    last_at: datetime | None


@dataclass(frozen=True)
class EditPair:
    """One edit of a pattern version: the suggested text and the text sent."""

    pattern: str
    pattern_version: int
    suggested: str
    sent: str


@dataclass(frozen=True)
class CoverageCount:
    """Interactions of one group that were covered (got a suggestion) or not."""

    group: Group
    covered: bool
    n: int


@dataclass(frozen=True)
class Thresholds:
    """When a pattern version counts as Run-ready or weak."""

    min_decisions: int
    min_acceptance_low: float
    min_similarity: float
    weak_min_decisions: int
    weak_edit_rate: float
    weak_rejection_rate: float


@dataclass
class Table:
    """A report: flat rows (one per group) plus the notes that explain it; exported as JSON or CSV."""

    metric: str
    rows: list[dict[str, object]]
    filters: dict[str, str | int | None] = field(default_factory=dict)
    group_by: list[str] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)
