"""Metric roll-ups: outcome rows, their cursors, and the daily cubes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from advisor.store.tables.base import Base
from advisor.utc import utcnow


class MetricOutcomeRow(Base):
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


class MetricCursorRow(Base):
    """How far the metric roll-ups have consumed the feedback log (highest event id folded in)."""

    __tablename__ = "metric_cursors"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None] = mapped_column()  # time cursors (coverage): requests folded up to here
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CubeMeasures:
    """The measures of a daily outcome cube, after its key columns (the delay histogram follows them)."""

    week: Mapped[str] = mapped_column(String(10))
    n: Mapped[int] = mapped_column(Integer, default=0)
    similarity_sum: Mapped[float] = mapped_column(Float, default=0.0)
    similarity_n: Mapped[int] = mapped_column(Integer, default=0)
    ttd_sum: Mapped[float] = mapped_column(Float, default=0.0)
    ttd_n: Mapped[int] = mapped_column(Integer, default=0)


class MetricDailyAgentRow(CubeMeasures, Base):
    """Roll-up cube: outcomes per day, team, agent, channel, decision and reason (team/reason '' = none)."""

    __tablename__ = "metric_daily_agent"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)


class MetricDailyPatternRow(CubeMeasures, Base):
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


class MetricInteractionRow(Base):
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


class MetricDailyCoverageRow(Base):
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


# Delay histogram of the metric cubes: d00 … d39 (see advisor.metrics.delay).
for _cube in (MetricDailyAgentRow, MetricDailyPatternRow):
    for _bucket in range(40):
        setattr(_cube, f"d{_bucket:02d}", mapped_column(Integer, default=0, nullable=False))
