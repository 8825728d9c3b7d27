"""The audit log: read with filters, or export as JSON lines. Nothing can change or delete it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from advisor.api.deps import PrincipalDep, SessionDep
from advisor.errors import InvalidInput
from advisor.schemas import IsoDateTime
from advisor.store.audit import AuditLog
from advisor.tenancy.audit import AuditFilter, AuditRecord
from advisor.tenancy.keys import require_admin

router = APIRouter(tags=["audit"])
NDJSON = "application/x-ndjson"
Text = Annotated[str | None, Query(max_length=200)]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Only admins read the audit log"},
    422: {"description": "Invalid filter"},
}


async def audit_filter(
    actor: Annotated[str | None, Query(max_length=128, description="e.g. `lead:key-1a2b3c4d`")] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. `pattern.approve`")] = None,
    subject_type: Annotated[
        str | None, Query(max_length=32, description="`pattern`, `api_key`, `policy`")
    ] = None,
    subject: Annotated[
        str | None, Query(max_length=200, description="Pattern id, key id or tenant id")
    ] = None,
    since: Annotated[IsoDateTime | None, Query(description="Inclusive, ISO 8601")] = None,
    until: Annotated[IsoDateTime | None, Query(description="Exclusive, ISO 8601")] = None,
    after_id: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="Page on: entries after this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditFilter:
    """Parse the audit filters from the query string."""
    if since is not None and until is not None and since >= until:
        raise InvalidInput("'since' must be before 'until'", field="since")
    return AuditFilter(
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject,
        since=since,
        until=until,
        after_id=after_id,
        limit=limit,
    )


FilterDep = Annotated[AuditFilter, Depends(audit_filter)]


def _lines(records: Iterator[AuditRecord]) -> Iterator[str]:
    for record in records:
        yield record.model_dump_json() + "\n"


def _export(log: AuditLog, tenant_id: str, where: AuditFilter) -> StreamingResponse:
    # Materialised before the transaction closes; the stream itself then only formats.
    records = list(log.stream(tenant_id, where))
    return StreamingResponse(_lines(iter(records)), media_type=NDJSON)


@router.get(
    "/v1/audit",
    response_model=list[AuditRecord],
    responses={**PROBLEMS, 200: {"content": {NDJSON: {}}, "description": "Entries, oldest first"}},
)
def read_audit(
    request: Request, where: FilterDep, principal: PrincipalDep, session: SessionDep
) -> list[AuditRecord] | StreamingResponse:
    """Return audit entries, oldest first, filtered by actor, action, subject and time.

    With `Accept: application/x-ndjson` every matching entry is returned as JSON lines (no `limit`).
    """
    require_admin(principal)
    log = AuditLog(session)
    if NDJSON in request.headers.get("accept", ""):
        return _export(log, principal.tenant_id, where)
    return log.find(principal.tenant_id, where)


@router.get("/v1/audit/export", responses={**PROBLEMS, 200: {"content": {NDJSON: {}}}})
def export_audit(where: FilterDep, principal: PrincipalDep, session: SessionDep) -> StreamingResponse:
    """Export every matching audit entry as JSON lines (`application/x-ndjson`)."""
    require_admin(principal)
    return _export(AuditLog(session), principal.tenant_id, where)
