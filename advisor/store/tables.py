"""Tables of the store: portable types only, named constraints (SQLite batch migrations need names)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from advisor.utc import as_utc

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp written and read as aware UTC on both engines (SQLite keeps no zone: it stores UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        """Convert to UTC before storing (SQLite would otherwise keep another zone's wall time)."""
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime, whatever the engine or the session's time zone."""
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UtcDateTime(),
    }


class Tenant(Base):
    """A customer organisation; every other row belongs to one."""

    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key (stored hashed) bound to a tenant, a role, its owner (a person), maybe a team and agent."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str | None] = mapped_column(String(128))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    owner: Mapped[str | None] = mapped_column(String(128))
    created_by: Mapped[str | None] = mapped_column(String(160))
    label: Mapped[str | None] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class PatternVersion(Base):
    """One version of a pattern; versions are never deleted."""

    __tablename__ = "pattern_versions"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    pattern_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    intents: Mapped[list[Any]] = mapped_column()
    examples: Mapped[list[Any]] = mapped_column()
    flows: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'"))
    collects: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'"))
    eligibility: Mapped[dict[str, Any]] = mapped_column()
    risk: Mapped[str] = mapped_column(String(8))
    requires_review: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str] = mapped_column(String(128))
    author: Mapped[str | None] = mapped_column(String(128))
    approver: Mapped[str | None] = mapped_column(String(128))
    change_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatternHead(Base):
    """Per pattern: which approved version serves, whether it is suspended, and its edit lock."""

    __tablename__ = "pattern_heads"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    pattern_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    serving_version: Mapped[int | None] = mapped_column(Integer)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    suspend_reason: Mapped[str | None] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)


class LibraryStamp(Base):
    """Bumped on every change of what may be served; processes rebuild their index when it moves."""

    __tablename__ = "library_stamps"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    stamp: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecommendationRequest(Base):
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


class Recommendation(Base):
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


class FeedbackEvent(Base):
    """An agent's action on a suggestion (append-only); ``client_event_id`` makes resends idempotent."""

    __tablename__ = "feedback_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    client_event_id: Mapped[str] = mapped_column(String(128))
    recommendation_id: Mapped[str] = mapped_column(ForeignKey("recommendations.id"), index=True)
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
    time_to_decision_ms: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        UniqueConstraint("tenant_id", "client_event_id", name="uq_feedback_events_tenant_client_event"),
        Index("ix_feedback_tenant_occurred", "tenant_id", "occurred_at"),
        Index("ix_feedback_tenant_pattern", "tenant_id", "pattern_id", "pattern_version"),
    )


class AuditEntry(Base):
    """Append-only record of a governance change: who, when, what, before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_audit_tenant_at", "tenant_id", "at"),)


class WebhookSubscription(Base):
    """A URL that receives signed webhook deliveries for some event types; delivery health per URL."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[Any]] = mapped_column()
    secret: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_delivery_at: Mapped[datetime | None] = mapped_column()


class WebhookDelivery(Base):
    """Outbox row: one event for one subscription, written in the transaction that caused the event."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_subscription_event"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )


class DemoSecret(Base):
    """The demo desk's agent key, kept in clear so that /demo/config can hand it to a loopback browser."""

    __tablename__ = "demo_secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TenantPolicy(Base):
    """A tenant's stage policy: which risk levels may be suggested (absent row = Walk default)."""

    __tablename__ = "tenant_policies"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    allowed_risks: Mapped[list[Any]] = mapped_column()
    high_with_review: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(128))


class MetricOutcome(Base):
    """Roll-up: one row per suggestion that reached an agent, with its final decision."""

    __tablename__ = "metric_outcomes"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    recommendation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    pattern_id: Mapped[str] = mapped_column(String(128))
    pattern_version: Mapped[int] = mapped_column(Integer)
    intent: Mapped[str] = mapped_column(String(128))
    shown_at: Mapped[datetime] = mapped_column()
    shown_event_at: Mapped[datetime | None] = mapped_column()
    day: Mapped[str] = mapped_column(String(10))
    week: Mapped[str] = mapped_column(String(10))
    decision: Mapped[str] = mapped_column(String(16))
    decision_event_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(32))
    reported_ttd_ms: Mapped[int | None] = mapped_column(Integer)
    ttd_ms: Mapped[int | None] = mapped_column(Integer)
    similarity: Mapped[float | None] = mapped_column(Float)
    ttd_bucket: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        Index("ix_metric_outcomes_tenant_shown", "tenant_id", "shown_at"),
        Index("ix_metric_outcomes_tenant_pattern", "tenant_id", "pattern_id", "pattern_version"),
        Index("ix_metric_outcomes_tenant_team_agent", "tenant_id", "team_id", "agent_id"),
        Index(
            "ix_metric_outcomes_tenant_decision",
            "tenant_id",
            "decision",
            "team_id",
            "agent_id",
            "channel",
            "intent",
            "pattern_id",
            "pattern_version",
            "shown_at",
            "day",
            "week",
            "ttd_ms",
            "ttd_bucket",
            "decided_at",
            "decision_event_id",
            "recommendation_id",
        ),
    )


class MetricCursor(Base):
    """How far the metric roll-ups have consumed the feedback log (highest event id folded in)."""

    __tablename__ = "metric_cursors"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None] = mapped_column()  # time cursors (coverage): requests folded up to here
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MetricDailyAgent(Base):
    """Roll-up cube: outcomes per day, team, agent, channel, decision and reason (team/reason '' = none)."""

    __tablename__ = "metric_daily_agent"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    week: Mapped[str] = mapped_column(String(10))
    n: Mapped[int] = mapped_column(Integer, default=0)
    similarity_sum: Mapped[float] = mapped_column(Float, default=0.0)
    similarity_n: Mapped[int] = mapped_column(Integer, default=0)
    ttd_sum: Mapped[float] = mapped_column(Float, default=0.0)
    ttd_n: Mapped[int] = mapped_column(Integer, default=0)


class MetricDailyPattern(Base):
    """Roll-up cube: outcomes per day, team, pattern version, intent, decision and reason."""

    __tablename__ = "metric_daily_pattern"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    pattern_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    pattern_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    intent: Mapped[str] = mapped_column(String(128), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    week: Mapped[str] = mapped_column(String(10))
    n: Mapped[int] = mapped_column(Integer, default=0)
    similarity_sum: Mapped[float] = mapped_column(Float, default=0.0)
    similarity_n: Mapped[int] = mapped_column(Integer, default=0)
    ttd_sum: Mapped[float] = mapped_column(Float, default=0.0)
    ttd_n: Mapped[int] = mapped_column(Integer, default=0)


class MetricInteraction(Base):
    """Coverage roll-up: one row per interaction, attributed to its first request (migration 0005).

    The first request (earliest ``created_at``, then id) gives the day, team, agent and channel; the first
    request that returned a suggestion gives the intent (its top suggestion's); an interaction that was only
    escalated takes the intent of its first escalated request's top candidate.
    """

    __tablename__ = "metric_interactions"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    interaction_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    first_at: Mapped[datetime] = mapped_column()
    first_request_id: Mapped[str] = mapped_column(String(36))
    day: Mapped[str] = mapped_column(String(10))
    week: Mapped[str] = mapped_column(String(10))
    team_id: Mapped[str] = mapped_column(String(128))  # '' = no team
    agent_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    covered: Mapped[int] = mapped_column(Integer)  # 1 when any request returned a suggestion
    intent: Mapped[str] = mapped_column(String(128))
    covered_at: Mapped[datetime | None] = mapped_column()
    covered_request_id: Mapped[str | None] = mapped_column(String(36))
    covered_intent: Mapped[str | None] = mapped_column(String(128))
    escalated_at: Mapped[datetime | None] = mapped_column()
    escalated_request_id: Mapped[str | None] = mapped_column(String(36))
    escalated_intent: Mapped[str | None] = mapped_column(String(128))
    __table_args__ = (
        Index("ix_metric_interactions_tenant_first", "tenant_id", "first_at"),
        Index("ix_metric_interactions_tenant_agent", "tenant_id", "agent_id", "first_at"),
    )


class MetricDailyCoverage(Base):
    """Roll-up cube: interactions per day of first request, team, channel, intent and covered (0/1)."""

    __tablename__ = "metric_daily_coverage"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    intent: Mapped[str] = mapped_column(String(128), primary_key=True)
    covered: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[str] = mapped_column(String(10))
    n: Mapped[int] = mapped_column(Integer, default=0)


# The coverage roll-up reads new requests in (created_at, id) order (migration 0005).
Index("ix_requests_created", RecommendationRequest.created_at, RecommendationRequest.id)
# The coverage roll-up joins each request to its top suggestion (migration 0003).
Index(
    "ix_recommendations_request_rank", Recommendation.request_id, Recommendation.rank, Recommendation.intent
)


class Team(Base):
    """A team of a tenant: owns patterns, and lead keys govern it (once a tenant registers teams)."""

    __tablename__ = "teams"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(128))


# Delay histogram of the metric cubes: d00 … d39 (see advisor.metrics.delay).
for _cube in (MetricDailyAgent, MetricDailyPattern):
    for _bucket in range(40):
        setattr(_cube, f"d{_bucket:02d}", mapped_column(Integer, default=0, nullable=False))


class LearnedExample(Base):
    """A customer text agents confirmed a pattern for: a candidate example until a lead reviews it.

    One row per (tenant, pattern, normalised text). ``decisions`` counts confirming feedback events and
    ``agents`` the distinct agents behind them (``learned_example_agents``). Only approved rows reach the
    ranking index; a rejected or withdrawn row stays, so that the same text never comes back as pending.
    """

    __tablename__ = "learned_examples"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    pattern_id: Mapped[str] = mapped_column(String(128))
    pattern_version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decisions: Mapped[int] = mapped_column(Integer, default=0)
    agents: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column()
    last_seen: Mapped[datetime] = mapped_column()
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "pattern_id", "text_key", name="uq_learned_examples_tenant_pattern_text"
        ),
        ForeignKeyConstraint(
            ["tenant_id", "pattern_id", "pattern_version"],
            ["pattern_versions.tenant_id", "pattern_versions.pattern_id", "pattern_versions.version"],
            name="fk_learned_examples_pattern_version",
        ),
        Index("ix_learned_examples_tenant_status", "tenant_id", "status", "id"),
    )


class LearnedExampleAgent(Base):
    """An agent who confirmed a learned example: one row per agent, so repeats count as one agent."""

    __tablename__ = "learned_example_agents"
    example_id: Mapped[int] = mapped_column(ForeignKey("learned_examples.id"), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
