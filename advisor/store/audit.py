"""The audit log repository: append and read only; nothing here updates or deletes a row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from advisor.store.tables.audit import AuditEntryRow
from advisor.tenancy.audit import AuditFilter, AuditRecord
from advisor.utc import utcnow


def to_record(row: AuditEntryRow) -> AuditRecord:
    """Convert a stored row to an AuditRecord."""
    return AuditRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        before=row.before,
        after=row.after,
        note=row.note,
    )


class AuditLog:
    """Appends to and reads the tenant's audit log."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(
        self,
        tenant_id: str,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> AuditRecord:
        """Write one entry in the caller's transaction and return it (the hook point for subscribers)."""
        row = AuditEntryRow(
            tenant_id=tenant_id,
            at=utcnow(),
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            before=before,
            after=after,
            note=note,
        )
        self.session.add(row)
        self.session.flush()
        return to_record(row)

    def _query(self, tenant_id: str, where: AuditFilter) -> Select[AuditEntryRow]:
        query = select(AuditEntryRow).where(AuditEntryRow.tenant_id == tenant_id)
        if where.actor is not None:
            query = query.where(AuditEntryRow.actor == where.actor)
        if where.action is not None:
            query = query.where(AuditEntryRow.action == where.action)
        if where.subject_type is not None:
            query = query.where(AuditEntryRow.subject_type == where.subject_type)
        if where.subject_id is not None:
            query = query.where(AuditEntryRow.subject_id == where.subject_id)
        if where.since is not None:
            query = query.where(AuditEntryRow.at >= where.since)
        if where.until is not None:
            query = query.where(AuditEntryRow.at < where.until)
        if where.after_id is not None:
            query = query.where(AuditEntryRow.id > where.after_id)
        return query.order_by(AuditEntryRow.id)

    def find(self, tenant_id: str, where: AuditFilter) -> list[AuditRecord]:
        """Return up to ``where.limit`` matching entries, oldest first."""
        rows = self.session.scalars(self._query(tenant_id, where).limit(where.limit))
        return [to_record(r) for r in rows]

    def stream(self, tenant_id: str, where: AuditFilter, batch: int = 500) -> Iterator[AuditRecord]:
        """Yield every matching entry, oldest first, in batches (for export)."""
        after = where.after_id
        while True:
            page = self.find(tenant_id, where.model_copy(update={"after_id": after, "limit": batch}))
            yield from page
            if len(page) < batch:
                return
            after = page[-1].id
