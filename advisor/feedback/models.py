"""Feedback: what an agent did with a suggestion."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from advisor.context.models import MAX_TURN_CHARS, Identifier
from advisor.schemas import Strict


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
    final_text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TURN_CHARS)] | None = None
    reason: RejectReason | None = None
    comment: Annotated[str, StringConstraints(max_length=1_000)] | None = None
    time_to_decision_ms: int | None = Field(default=None, ge=0, le=86_400_000)
    occurred_at: datetime | None = None

    @model_validator(mode="after")
    def _action_fields(self) -> Self:
        if self.action is Action.edited and not (self.final_text and self.final_text.strip()):
            raise ValueError("final_text is required when action is 'edited'")
        if self.action is Action.rejected and self.reason is None:
            raise ValueError("reason is required when action is 'rejected'")
        if self.action is not Action.rejected and self.reason is not None:
            raise ValueError("reason is only allowed when action is 'rejected'")
        if (
            self.action is not Action.edited
            and self.final_text is not None
            and self.action is not Action.accepted
        ):
            raise ValueError("final_text is only allowed when action is 'edited' or 'accepted'")
        return self


class FeedbackAck(BaseModel):
    """Acknowledgement: the event is durable. ``duplicate`` is true for a resend."""

    event_id: int
    recommendation_id: str
    client_event_id: str
    action: Action
    duplicate: bool
