"""Pattern governance: library, versions, review, approval, rollback and the kill switch."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.responses import PlainTextResponse

from advisor.api.deps import PatternRepoDep, PrincipalDep, SessionDep
from advisor.errors import Forbidden, InvalidInput
from advisor.patterns import killswitch, service, transfer
from advisor.patterns.lifecycle import Transition
from advisor.patterns.models import Status
from advisor.patterns.schemas import (
    BulkChangeOut,
    BulkSuspendIn,
    ChangeOut,
    ImportIn,
    ImportOut,
    Locked,
    PatternContent,
    PatternCreate,
    PatternOut,
    RollbackIn,
    ServingPatternOut,
    SuspendIn,
    TransitionIn,
    VersionOut,
)
from advisor.store.audit import AuditLog
from advisor.store.patterns import PatternRepository
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.models import ApiRole

router = APIRouter(tags=["patterns"])

PatternIdPath = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[^\s/\\{}]+$")]
VersionPath = Annotated[int, Path(ge=1, le=1_000_000)]
IfMatch = Annotated[
    str | None,
    Header(max_length=64, description='The pattern\'s lock version as returned in `ETag`, e.g. `"3"`.'),
]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Role or team may not do this (e.g. four-eyes rule, not your draft)"},
    404: {"description": "Unknown pattern or version (or another tenant's)"},
    409: {"description": "Illegal transition or stale lock version (`If-Match` / `expected_lock_version`)"},
    422: {"description": "Invalid input, or lint errors that block submission"},
}
CONTENT_EXAMPLE = {
    "title": "Parcel late: open a carrier trace",
    "body": "Sorry {customer.first_name}, I've asked {order.carrier} to trace order {order.id}.",
    "intents": ["lost_package"],
    "examples": ["my parcel never arrived", "tracking has not moved", "where is my package"],
    "eligibility": {
        "channels": ["chat", "email"],
        "requires": ["order.id"],
        "when": {"order.status": ["shipped", "in_transit"], "order.eta": {"lt": "today"}},
    },
    "risk": "low",
    "change_note": "Shorter wording for chat",
}


async def governance(session: SessionDep) -> service.Governance:
    """Return the repositories of a governance use case on the request's transaction."""
    return service.Governance(
        patterns=PatternRepository(session), audit=AuditLog(session), webhooks=WebhookRepository(session)
    )


GovernanceDep = Annotated[service.Governance, Depends(governance)]


def _locked(body: Locked, if_match: str | None) -> None:
    """Take the lock version from `If-Match` when the body does not carry one."""
    if if_match is None or body.expected_lock_version is not None:
        return
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput('If-Match must be a lock version such as "3"', field="If-Match")
    body.expected_lock_version = int(raw)


def etag(response: Response, change: ChangeOut | PatternOut) -> None:
    pattern = change.pattern if isinstance(change, ChangeOut) else change
    response.headers["ETag"] = f'"{pattern.lock_version}"'


@router.get("/v1/patterns", response_model=list[PatternOut], responses=PROBLEMS)
def list_patterns(
    principal: PrincipalDep,
    gov: GovernanceDep,
    owner: Annotated[str | None, Query(max_length=128, description="Only this team's patterns")] = None,
    status: Annotated[
        Status | None,
        Query(description="Only patterns whose latest version has this status (`in_review`: the queue)"),
    ] = None,
) -> list[PatternOut]:
    """List the tenant's patterns: owner, latest version and status, serving version, kill switch."""
    return service.list_patterns(gov, principal, owner, status)


@router.get(
    "/v1/serving-patterns",
    response_model=list[ServingPatternOut],
    responses={
        401: PROBLEMS[401],
        422: {"description": "Invalid query (e.g. an empty or over-long `q`, a `limit` out of range)"},
        200: {
            "content": {
                "application/json": {
                    "example": [
                        {
                            "id": "lost_package",
                            "version": 2,
                            "title": "Parcel late: open a carrier trace",
                            "owner": "team-orders",
                            "intents": ["lost_package"],
                        }
                    ]
                }
            }
        },
    },
)
def list_serving_patterns(
    principal: PrincipalDep,
    repo: PatternRepoDep,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Only ids or titles containing this")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, by id")] = 200,
) -> list[ServingPatternOut]:
    """List the patterns that may be suggested now (approved, serving, not suspended), for any role.

    A desk's picker reads this so that an agent who rejects a suggestion can name the approved reply
    they sent instead (`used_pattern_id` on `POST /v1/feedback`)."""
    return service.serving_patterns(repo, principal, q, limit)


@router.post(
    "/v1/patterns",
    response_model=ChangeOut,
    status_code=201,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"example": {"id": "lost_package_short", **CONTENT_EXAMPLE}}}
        }
    },
)
def create_pattern(
    body: PatternCreate, principal: PrincipalDep, gov: GovernanceDep, response: Response
) -> ChangeOut:
    """Create a pattern as draft version 1 (lint findings come back, nothing serves until approval).

    A lead creates patterns for their own team (`owner` defaults to it); an admin for any team.
    """
    change = service.create_pattern(gov, principal, body)
    etag(response, change)
    return change


@router.get(
    "/v1/patterns/export",
    responses={**PROBLEMS, 200: {"content": {"application/yaml": {}, "text/csv": {}}}},
    response_class=PlainTextResponse,
)
def export_patterns(
    principal: PrincipalDep,
    gov: GovernanceDep,
    format: Annotated[Literal["yaml", "csv"], Query(description="File format")] = "yaml",
) -> PlainTextResponse:
    """Export every version of every pattern (statuses included) as YAML or CSV."""
    text = transfer.dump(transfer.export_specs(gov, principal), format)
    return PlainTextResponse(text, media_type="text/csv" if format == "csv" else "application/yaml")


@router.post(
    "/v1/patterns/import",
    response_model=ImportOut,
    status_code=201,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "format": "yaml",
                        "content": "patterns:\n  - id: greet\n    ...",
                        "approve": False,
                    }
                }
            }
        }
    },
)
def import_patterns(body: ImportIn, principal: PrincipalDep, gov: GovernanceDep) -> ImportOut:
    """Import a YAML or CSV library: all or nothing, errors name line and field. Admins only.

    Versions arrive as drafts unless `approve` is true, which keeps approved statuses and is audited.
    """
    if principal.role is not ApiRole.admin:
        raise Forbidden(f"role '{principal.role.value}' may not import; an admin key is needed")
    items = transfer.parse_text(body.content, body.format, f"upload.{body.format}")
    result = transfer.import_patterns(gov, principal, items, approve=body.approve)
    return ImportOut(
        versions=result.versions, patterns=result.patterns, approved=result.approved, audit=result.audit
    )


@router.get("/v1/patterns/{pattern_id}", response_model=PatternOut, responses=PROBLEMS)
def get_pattern(
    pattern_id: PatternIdPath, principal: PrincipalDep, gov: GovernanceDep, response: Response
) -> PatternOut:
    """Return a pattern with every version; `ETag` carries the lock version for `If-Match`."""
    pattern = service.get_pattern(gov, principal, pattern_id)
    etag(response, pattern)
    return pattern


@router.get("/v1/patterns/{pattern_id}/versions", response_model=list[VersionOut], responses=PROBLEMS)
def list_versions(pattern_id: PatternIdPath, principal: PrincipalDep, gov: GovernanceDep) -> list[VersionOut]:
    """Return every version of a pattern, oldest first (versions are never deleted)."""
    return service.get_pattern(gov, principal, pattern_id).versions or []


@router.post(
    "/v1/patterns/{pattern_id}/versions",
    response_model=ChangeOut,
    status_code=201,
    responses=PROBLEMS,
    openapi_extra={"requestBody": {"content": {"application/json": {"example": CONTENT_EXAMPLE}}}},
)
def new_version(
    pattern_id: PatternIdPath,
    body: PatternContent,
    principal: PrincipalDep,
    gov: GovernanceDep,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeOut:
    """Edit a pattern: start a new draft; the approved version keeps serving until the draft is approved."""
    _locked(body, if_match)
    change = service.new_version(gov, principal, pattern_id, body)
    etag(response, change)
    return change


@router.put(
    "/v1/patterns/{pattern_id}/versions/{version}",
    response_model=ChangeOut,
    responses=PROBLEMS,
    openapi_extra={"requestBody": {"content": {"application/json": {"example": CONTENT_EXAMPLE}}}},
)
def update_draft(
    pattern_id: PatternIdPath,
    version: VersionPath,
    body: PatternContent,
    principal: PrincipalDep,
    gov: GovernanceDep,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeOut:
    """Rewrite a draft in place; only its author may (others review it)."""
    _locked(body, if_match)
    change = service.update_draft(gov, principal, pattern_id, version, body)
    etag(response, change)
    return change


@router.post(
    "/v1/patterns/{pattern_id}/versions/{version}/{action}",
    response_model=ChangeOut,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {"content": {"application/json": {"example": {"note": "Checked with legal"}}}}
    },
)
def transition(
    pattern_id: PatternIdPath,
    version: VersionPath,
    action: Transition,
    body: TransitionIn,
    principal: PrincipalDep,
    gov: GovernanceDep,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeOut:
    """Move a version through its lifecycle: `submit` (lint must pass), `approve`, `reject` or `retire`.

    Approval needs a second person (four eyes) and makes the version serve at once.
    """
    _locked(body, if_match)
    change = service.transition(gov, principal, pattern_id, version, action, body)
    etag(response, change)
    return change


@router.post(
    "/v1/patterns/{pattern_id}/rollback",
    response_model=ChangeOut,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"example": {"version": 1, "note": "v2 confused agents"}}}
        }
    },
)
def rollback(
    pattern_id: PatternIdPath,
    body: RollbackIn,
    principal: PrincipalDep,
    gov: GovernanceDep,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeOut:
    """Make another approved version current again; every process serves it from its next request."""
    _locked(body, if_match)
    change = service.rollback(gov, principal, pattern_id, body)
    etag(response, change)
    return change


SUSPEND_EXAMPLE = {
    "requestBody": {"content": {"application/json": {"example": {"reason": "Carrier strike"}}}}
}


@router.post(
    "/v1/patterns/{pattern_id}/suspend",
    response_model=ChangeOut,
    responses=PROBLEMS,
    openapi_extra=SUSPEND_EXAMPLE,
)
def suspend(
    pattern_id: PatternIdPath,
    body: SuspendIn,
    principal: PrincipalDep,
    gov: GovernanceDep,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeOut:
    """Kill switch: stop suggesting this pattern now, with a reason."""
    _locked(body, if_match)
    change = killswitch.set_suspended(gov, principal, pattern_id, True, body)
    etag(response, change)
    return change


@router.post(
    "/v1/patterns/{pattern_id}/resume",
    response_model=ChangeOut,
    responses=PROBLEMS,
    openapi_extra=SUSPEND_EXAMPLE,
)
def resume(
    pattern_id: PatternIdPath,
    body: SuspendIn,
    principal: PrincipalDep,
    gov: GovernanceDep,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeOut:
    """Lift the kill switch of one pattern."""
    _locked(body, if_match)
    change = killswitch.set_suspended(gov, principal, pattern_id, False, body)
    etag(response, change)
    return change


BULK_EXAMPLE = {
    "requestBody": {
        "content": {"application/json": {"example": {"intent": "lost_package", "reason": "Carrier strike"}}}
    }
}


@router.post("/v1/suspensions", response_model=BulkChangeOut, responses=PROBLEMS, openapi_extra=BULK_EXAMPLE)
def suspend_many(body: BulkSuspendIn, principal: PrincipalDep, gov: GovernanceDep) -> BulkChangeOut:
    """Suspend every pattern of an `intent` or a `team` at once (a lead: only their team's)."""
    return killswitch.bulk_suspend(gov, principal, body, suspend=True)


@router.post(
    "/v1/suspensions/resume", response_model=BulkChangeOut, responses=PROBLEMS, openapi_extra=BULK_EXAMPLE
)
def resume_many(body: BulkSuspendIn, principal: PrincipalDep, gov: GovernanceDep) -> BulkChangeOut:
    """Resume every suspended pattern of an `intent` or a `team`."""
    return killswitch.bulk_suspend(gov, principal, body, suspend=False)
