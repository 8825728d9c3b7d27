"""The decision log: served requests, the suggestions shown, and the agents' feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from advisor.store.tables.base import Base
from advisor.utc import utcnow


class RecommendationRequestRow(Base):
    """One served request: context hash, ranker version and every candidate considered (the audit trail)."""

    __tablename__ = "recommendation_requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    interaction_id: Mapped[str] = mapped_column(String(128))
    agent_id: Mapped[str] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(32))
    context_hash: Mapped[str] = mapped_column(String(64))
    ranker_version: Mapped[str] = mapped_column(String(200))
    library_stamp: Mapped[int] = mapped_column(Integer)
    escalate: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    candidates: Mapped[list[Any]] = mapped_column()
    latency_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    topic_text: Mapped[str | None] = mapped_column(Text)
    """The customer turn that raised the topic the ranking followed, identifiers masked (migration 0007);
    None when nothing was suggested. The only customer text kept for learning (advisor.learned.capture)."""
    __table_args__ = (Index("ix_requests_tenant_created", "tenant_id", "created_at"),)


class RecommendationRow(Base):
    """One suggestion shown to an agent; feedback refers to its id."""

    __tablename__ = "recommendations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("recommendation_requests.id"), index=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    interaction_id: Mapped[str] = mapped_column(String(128))
    agent_id: Mapped[str] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(Integer)
    pattern_id: Mapped[str] = mapped_column(String(128))
    pattern_version: Mapped[int] = mapped_column(Integer)
    intent: Mapped[str] = mapped_column(String(128))
    score: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    approved_text: Mapped[str] = mapped_column(Text)
    unfilled: Mapped[list[Any]] = mapped_column()
    risk: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "pattern_id", "pattern_version"],
            ["pattern_versions.tenant_id", "pattern_versions.pattern_id", "pattern_versions.version"],
            name="fk_recommendations_pattern_version",
        ),
        Index("ix_recommendations_tenant_created", "tenant_id", "created_at"),
    )


class FeedbackEventRow(Base):
    """An agent's action on a suggestion (append-only); ``client_event_id`` makes resends idempotent."""

    __tablename__ = "feedback_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    client_event_id: Mapped[str] = mapped_column(String(128))
    recommendation_id: Mapped[str] = mapped_column(ForeignKey("recommendations.id"))
    interaction_id: Mapped[str] = mapped_column(String(128))
    agent_id: Mapped[str] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    pattern_id: Mapped[str] = mapped_column(String(128))
    pattern_version: Mapped[int] = mapped_column(Integer)
    intent: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))
    final_text: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    used_pattern_id: Mapped[str | None] = mapped_column(String(128))
    """On a rejection: the approved pattern the agent sent instead (a correction)."""
    time_to_decision_ms: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def on(cls, rec: RecommendationRow, **fields: Any) -> FeedbackEventRow:
        """An event on suggestion ``rec`` (see ``event_columns``)."""
        return cls(**event_columns(rec, **fields))

    __table_args__ = (
        UniqueConstraint("tenant_id", "client_event_id", name="uq_feedback_events_tenant_client_event"),
        # A suggestion's events by action: "was it accepted?" reads one entry, not every event (0009).
        Index("ix_feedback_recommendation_action", "recommendation_id", "action"),
        Index("ix_feedback_tenant_occurred", "tenant_id", "occurred_at"),
        Index("ix_feedback_tenant_pattern", "tenant_id", "pattern_id", "pattern_version"),
    )


class WrittenReplyRow(Base):
    """What an agent wrote themselves on an escalated request (migration 0011): the raw material of
    proposed new patterns. Idempotent per (tenant, client event id) like feedback."""

    __tablename__ = "written_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    client_event_id: Mapped[str] = mapped_column(String(128))
    request_id: Mapped[str] = mapped_column(ForeignKey("recommendation_requests.id"))
    interaction_id: Mapped[str] = mapped_column(String(128))
    agent_id: Mapped[str] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "client_event_id", name="uq_written_replies_tenant_client_event"),
        Index("ix_written_replies_tenant_received", "tenant_id", "received_at"),
    )


def event_columns(rec: RecommendationRow, **fields: Any) -> dict[str, Any]:
    """The column values of an event on suggestion ``rec``: its tenant, interaction, agent, team, channel,
    pattern version and intent are copied (metrics read one table); ``fields`` give the rest."""
    return {
        "tenant_id": rec.tenant_id,
        "recommendation_id": rec.id,
        "interaction_id": rec.interaction_id,
        "agent_id": rec.agent_id,
        "team_id": rec.team_id,
        "channel": rec.channel,
        "pattern_id": rec.pattern_id,
        "pattern_version": rec.pattern_version,
        "intent": rec.intent,
        **fields,
    }


# The coverage roll-up reads new requests in (created_at, id) order (migration 0005).
Index("ix_requests_created", RecommendationRequestRow.created_at, RecommendationRequestRow.id)
# The coverage roll-up joins each request to its top suggestion (migration 0003).
Index(
    "ix_recommendations_request_rank",
    RecommendationRow.request_id,
    RecommendationRow.rank,
    RecommendationRow.intent,
)
