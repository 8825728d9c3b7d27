"""Audit records: who changed what, when, with the state before and after (append-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditRecord(BaseModel):
    """One entry of the audit log, as the API and hooks see it."""

    model_config = ConfigDict(frozen=True)

    id: int
    tenant_id: str
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    note: str | None = None


class AuditFilter(BaseModel):
    """Which audit entries to return (all conditions must hold)."""

    actor: str | None = None
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_id: int | None = None
    limit: int = 100
