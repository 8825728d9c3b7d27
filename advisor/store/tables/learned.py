"""Learned examples: customer texts agents confirmed, and who confirmed them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from advisor.store.tables.base import Base
from advisor.utc import utcnow


class LearnedExampleRow(Base):
    """A customer text agents confirmed a pattern for: a candidate example until a lead reviews it.

    One row per (tenant, pattern, normalised text). ``decisions`` counts confirming feedback events,
    ``agents`` the distinct agents behind them (``learned_example_agents``) and ``corrections`` the
    decisions that named this pattern as the reply sent instead of another suggestion. Only approved
    rows reach the ranking index; a rejected or withdrawn row stays, so that the same text never comes
    back as pending.
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
    corrections: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
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


class LearnedExampleAgentRow(Base):
    """An agent who confirmed a learned example: one row per agent, so repeats count as one agent."""

    __tablename__ = "learned_example_agents"
    example_id: Mapped[int] = mapped_column(ForeignKey("learned_examples.id"), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
