"""Webhook subscriptions and the events they receive."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AnyHttpUrl, BaseModel, Field, StringConstraints, field_validator

from advisor.schemas import Strict


class EventType(StrEnum):
    """Events a subscription can receive."""

    feedback_recorded = "feedback.recorded"
    pattern_changed = "pattern.changed"


class WebhookCreate(Strict):
    """A URL to subscribe and the event types it wants."""

    url: AnyHttpUrl = Field(description="http(s) URL that receives POSTed JSON events.")
    events: list[EventType] = Field(min_length=1, max_length=len(EventType))
    description: Annotated[str, StringConstraints(max_length=200)] | None = None

    @field_validator("url")
    @classmethod
    def _bounded(cls, v: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(v)) > 2000:
            raise ValueError("url must be at most 2000 characters")
        return v

    @field_validator("events")
    @classmethod
    def _unique(cls, v: list[EventType]) -> list[EventType]:
        if len(set(v)) != len(v):
            raise ValueError("events must not repeat")
        return v


class WebhookPublic(BaseModel):
    """A subscription as listed (the signing secret is shown only once, at creation)."""

    id: str
    url: str
    events: list[EventType]
    description: str | None
    created_by: str
    created_at: datetime
    consecutive_failures: int = Field(description="Failed delivery rounds in a row (0 when healthy).")
    last_error: str | None
    last_delivery_at: datetime | None
    pending: int = Field(description="Deliveries waiting to be sent or retried.")


class WebhookCreated(WebhookPublic):
    """A new subscription with its signing secret (store it; it is not shown again)."""

    secret: str


class WebhookList(BaseModel):
    """The tenant's active subscriptions."""

    items: list[WebhookPublic]


class WebhookEvent(BaseModel):
    """The JSON body POSTed to a subscriber; ``id`` is the same for every retry (deduplicate on it)."""

    id: str
    type: EventType
    created_at: datetime
    tenant_id: str
    data: dict[str, Any]
