"""Feedback: what an agent did with a suggestion."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, TypeVar

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from advisor.context.models import Identifier
from advisor.patterns.models import PatternId
from advisor.schemas import Strict

MAX_FINAL_TEXT = 8_000
T = TypeVar("T")


class Action(StrEnum):
    """What happened to a suggestion."""

    shown = "shown"
    accepted = "accepted"
    edited = "edited"
    rejected = "rejected"


class RejectReason(StrEnum):
    """Why an agent dismissed a suggestion (a fixed list, so that metrics can count them)."""

    wrong_intent = "wrong_intent"
    outdated = "outdated"
    tone = "tone"
    missing_info = "missing_info"
    policy = "policy"
    other = "other"


class FeedbackIn(Strict):
    """One feedback event sent by the agent desktop."""

    recommendation_id: Identifier
    client_event_id: Identifier
    action: Action
    final_text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_FINAL_TEXT)] | None = Field(
        default=None, validate_default=True
    )
    reason: RejectReason | None = Field(default=None, validate_default=True)
    comment: Annotated[str, StringConstraints(max_length=1_000)] | None = None
    used_pattern_id: PatternId | None = Field(
        default=None,
        description="On a rejection: the approved pattern the agent sent instead (its id in the library). "
        "The customer's words become a candidate example of that pattern for a lead to review.",
    )
    time_to_decision_ms: int | None = Field(default=None, ge=0, le=86_400_000)
    occurred_at: datetime | None = None

    # Field validators (not one model validator) so that a 422 names the field: `reason`, `final_text`.
    # They read `action` from the fields validated before them; a bad action is reported on its own.
    @field_validator("final_text")
    @classmethod
    def _final_text_for_action(cls, value: str | None, info: ValidationInfo) -> str | None:
        action = info.data.get("action")
        if action is Action.edited and not (value and value.strip()):
            raise ValueError("final_text is required when action is 'edited'")
        if value is not None and action not in (Action.edited, Action.accepted, None):
            raise ValueError("final_text is only allowed when action is 'edited' or 'accepted'")
        return value

    @field_validator("reason")
    @classmethod
    def _reason_for_action(cls, value: RejectReason | None, info: ValidationInfo) -> RejectReason | None:
        if info.data.get("action") is Action.rejected and value is None:
            raise ValueError("reason is required when action is 'rejected'")
        return _only_on_rejection(value, info)

    @field_validator("used_pattern_id")
    @classmethod
    def _used_pattern_for_rejection(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _only_on_rejection(value, info)


def _only_on_rejection(value: T, info: ValidationInfo) -> T:
    """Refuse a value of a field that only a rejection may carry (``reason``, ``used_pattern_id``)."""
    if value is not None and info.data.get("action") not in (Action.rejected, None):
        raise ValueError(f"{info.field_name} is only allowed when action is 'rejected'")
    return value


class FeedbackAck(BaseModel):
    """Acknowledgement: the event is durable. ``duplicate`` is true for a resend."""

    event_id: int
    recommendation_id: str
    client_event_id: str
    action: Action
    duplicate: bool


class ReplyIn(Strict):
    """What the agent sent on an escalated request (``request_id`` from the recommendations response)."""

    request_id: Identifier
    client_event_id: Identifier
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FINAL_TEXT)]
    occurred_at: datetime | None = None


class ReplyAck(BaseModel):
    """The stored reply's id; ``duplicate`` for a resend of one already stored."""

    id: int
    request_id: str
    duplicate: bool
