"""Pattern versions, their serving heads and the library stamps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from advisor.store.tables.base import Base
from advisor.utc import utcnow


class PatternVersionRow(Base):
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


class PatternHeadRow(Base):
    """Per pattern: which approved version serves, whether it is suspended, and its edit lock."""

    __tablename__ = "pattern_heads"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    pattern_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    serving_version: Mapped[int | None] = mapped_column(Integer)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    suspend_reason: Mapped[str | None] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)


class LibraryStampRow(Base):
    """Bumped on every change of what may be served; processes rebuild their index when it moves."""

    __tablename__ = "library_stamps"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    stamp: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
