"""GET /v1/metrics/…: acceptance, consistency, delay, rejections, corrections, edits, coverage, readiness,
drift, versions.

Leads see their own team only; admins the whole tenant; agents get 403. Every report is JSON by default,
CSV with ``?format=csv`` or ``Accept: text/csv``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from advisor.api.deps import ReportReaderDep, SettingsDep, require
from advisor.context.models import Channel
from advisor.errors import Forbidden, InvalidInput
from advisor.metrics import service
from advisor.metrics.export import to_csv, to_json
from advisor.metrics.models import Dimension, Filters, Table, Thresholds
from advisor.schemas import IsoDateTime
from advisor.tenancy.models import ApiRole, Principal
from advisor.utc import as_utc

router = APIRouter(prefix="/v1/metrics", tags=["metrics"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key (problem+json)."},
    403: {"description": "Agents may not read metrics; leads only their own team (problem+json)."},
    422: {"description": "A query parameter is invalid; the problem names it (problem+json)."},
}
Reader = Annotated[Principal, require(ApiRole.lead, ApiRole.admin)]
Name = Annotated[str | None, Query(min_length=1, max_length=128)]


async def get_filters(
    principal: Reader,
    start: Annotated[
        IsoDateTime | None, Query(alias="from", description="Start of the period (inclusive).")
    ] = None,
    end: Annotated[
        IsoDateTime | None, Query(alias="to", description="End of the period (exclusive).")
    ] = None,
    team: Name = None,
    agent: Name = None,
    pattern: Name = None,
    pattern_version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    intent: Name = None,
    channel: Channel | None = None,
) -> Filters:
    """Turn the common query parameters into filters scoped to the caller's tenant (and team for leads)."""
    start, end = _utc(start), _utc(end)
    if start is not None and end is not None and start >= end:
        raise InvalidInput("'from' must be before 'to'", field="from")
    if principal.role is ApiRole.lead:
        if principal.team_id is None:
            raise Forbidden("this lead key is not bound to a team")
        if team is not None and team != principal.team_id:
            raise Forbidden("leads may only read their own team's metrics", field="team")
        team = principal.team_id
    return Filters(
        principal.tenant_id,
        start,
        end,
        team,
        agent,
        pattern,
        pattern_version,
        intent,
        channel.value if channel else None,
    )


FiltersDep = Annotated[Filters, Depends(get_filters)]


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _parse_group_by(raw: str | None, allowed: tuple[Dimension, ...]) -> list[Dimension]:
    dims: list[Dimension] = []
    for part in (raw or "").split(","):
        name = part.strip()
        if not name:
            continue
        if name not in {d.value for d in allowed}:
            raise InvalidInput(
                f"cannot group by '{name}'; choose from {', '.join(allowed)}", field="group_by"
            )
        if Dimension(name) not in dims:
            dims.append(Dimension(name))
    return dims


GroupByParam = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Comma-separated: team, agent, pattern, pattern_version, intent, channel, day, week.",
    ),
]


async def group_by_any(group_by: GroupByParam = None) -> list[Dimension]:
    """Parse ``group_by`` (any dimension)."""
    return _parse_group_by(group_by, tuple(Dimension))


async def group_by_coverage(
    group_by: Annotated[str | None, Query(max_length=200, description="intent and/or channel")] = None,
) -> list[Dimension]:
    """Parse ``group_by`` for the coverage report (intent, channel)."""
    return _parse_group_by(group_by, (Dimension.intent, Dimension.channel))


GroupBy = Annotated[list[Dimension], Depends(group_by_any)]
CoverageGroupBy = Annotated[list[Dimension], Depends(group_by_coverage)]
Format = Annotated[Literal["json", "csv"] | None, Query(description="json (default) or csv")]
Alpha = Annotated[
    float | None, Query(gt=0.0, lt=1.0, description="Significance level (default from settings).")
]


def render(table: Table, request: Request, fmt: str | None) -> Response:
    """Return the report as JSON, or CSV when asked for by ``format`` or the Accept header."""
    wants_csv = fmt == "csv" or (fmt is None and "text/csv" in request.headers.get("accept", ""))
    if wants_csv:
        return Response(
            to_csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{table.metric}.csv"'},
        )
    return JSONResponse(to_json(table))


@router.get("/rates", responses=PROBLEMS)
def get_rates(
    request: Request, reports: ReportReaderDep, filters: FiltersDep, dims: GroupBy, format: Format = None
) -> Response:
    """Acceptance, edit, rejection and ignore rates (over shown suggestions) with 95 % Wilson intervals.

    Also `decided_acceptance` (accepted over decided) and the mean similarity of sent to suggested text.
    """
    return render(reports.read(lambda repo: service.rates(repo, filters, dims)), request, format)


@router.get("/consistency/text", responses=PROBLEMS)
def get_text_consistency(
    request: Request, reports: ReportReaderDep, filters: FiltersDep, dims: GroupBy, format: Format = None
) -> Response:
    """How close sent text stays to the suggested text (normalised edit similarity, 1 = unchanged)."""
    return render(reports.read(lambda repo: service.text_consistency(repo, filters, dims)), request, format)


@router.get("/consistency/choices", responses=PROBLEMS)
def get_choice_consistency(
    request: Request,
    reports: ReportReaderDep,
    filters: FiltersDep,
    level: Annotated[Literal["agent", "team"], Query()] = "agent",
    format: Format = None,
) -> Response:
    """Per intent: how concentrated the choice of pattern is (modal share, normalised entropy)."""
    return render(
        reports.read(lambda repo: service.choice_consistency(repo, filters, level)), request, format
    )


@router.get("/consistency/outliers", responses=PROBLEMS)
def get_outliers(
    request: Request,
    reports: ReportReaderDep,
    settings: SettingsDep,
    filters: FiltersDep,
    alpha: Alpha = None,
    format: Format = None,
) -> Response:
    """Agents whose decisions differ from the rest of their team (z-test on acceptance, chi-square on mix)."""
    level = alpha if alpha is not None else settings.metrics.alpha
    return render(reports.read(lambda repo: service.outliers(repo, filters, level)), request, format)


@router.get("/delay", responses=PROBLEMS)
def get_delay(
    request: Request, reports: ReportReaderDep, filters: FiltersDep, dims: GroupBy, format: Format = None
) -> Response:
    """Time from shown to decision: p50 and p90 in milliseconds, per group."""
    return render(reports.read(lambda repo: service.delay(repo, filters, dims)), request, format)


@router.get("/rejections", responses=PROBLEMS)
def get_rejections(
    request: Request, reports: ReportReaderDep, filters: FiltersDep, dims: GroupBy, format: Format = None
) -> Response:
    """Rejection reasons per group, with each reason's share of the rejections."""
    return render(reports.read(lambda repo: service.rejections(repo, filters, dims)), request, format)


@router.get("/corrections", responses=PROBLEMS)
def get_corrections(
    request: Request, reports: ReportReaderDep, filters: FiltersDep, format: Format = None
) -> Response:
    """Rejections that named the approved reply sent instead, per (suggested, sent) pair: which patterns
    agents replace, and with what (the examples of the two may overlap, or one's premise be wrong)."""
    return render(reports.read(lambda repo: service.corrections(repo, filters)), request, format)


@router.get("/edits", responses=PROBLEMS)
def get_edits(
    request: Request,
    reports: ReportReaderDep,
    filters: FiltersDep,
    per_version: Annotated[int, Query(ge=1, le=2_000, description="Latest edits read per version.")] = 50,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
    format: Format = None,
) -> Response:
    """The most common changes agents make to each pattern version, as word diffs."""
    return render(reports.read(lambda repo: service.edits(repo, filters, per_version, top)), request, format)


@router.get("/coverage", responses=PROBLEMS)
def get_coverage(
    request: Request,
    reports: ReportReaderDep,
    filters: FiltersDep,
    dims: CoverageGroupBy,
    format: Format = None,
) -> Response:
    """Share of interactions that got a suggestion versus were escalated, by intent and/or channel."""
    return render(
        reports.read(lambda repo: service.coverage(repo, filters, dims), coverage=True), request, format
    )


Share = Annotated[float | None, Query(ge=0.0, le=1.0)]
Count = Annotated[int | None, Query(ge=1, le=10_000_000)]


@router.get("/readiness", responses=PROBLEMS)
def get_readiness(
    request: Request,
    reports: ReportReaderDep,
    settings: SettingsDep,
    filters: FiltersDep,
    min_decisions: Count = None,
    min_acceptance_low: Share = None,
    min_similarity: Share = None,
    weak_min_decisions: Count = None,
    weak_edit_rate: Share = None,
    weak_rejection_rate: Share = None,
    format: Format = None,
) -> Response:
    """Per pattern version: ready for Run-stage automation, weak, or still collecting evidence, and why."""
    d = settings.metrics
    thresholds = Thresholds(
        min_decisions=min_decisions or d.ready_min_decisions,
        min_acceptance_low=d.ready_min_acceptance_low if min_acceptance_low is None else min_acceptance_low,
        min_similarity=d.ready_min_similarity if min_similarity is None else min_similarity,
        weak_min_decisions=weak_min_decisions or d.weak_min_decisions,
        weak_edit_rate=d.weak_edit_rate if weak_edit_rate is None else weak_edit_rate,
        weak_rejection_rate=d.weak_rejection_rate if weak_rejection_rate is None else weak_rejection_rate,
    )
    return render(reports.read(lambda repo: service.readiness(repo, filters, thresholds)), request, format)


@router.get("/drift", responses=PROBLEMS)
def get_drift(
    request: Request,
    reports: ReportReaderDep,
    settings: SettingsDep,
    filters: FiltersDep,
    baseline_from: Annotated[
        IsoDateTime | None, Query(description="Default: the period before 'from'.")
    ] = None,
    baseline_to: Annotated[IsoDateTime | None, Query(description="Default: 'from'.")] = None,
    alpha: Alpha = None,
    format: Format = None,
) -> Response:
    """Per pattern: a significant change of acceptance between a baseline period and the current one."""
    end = filters.end or datetime.now(UTC)
    start = filters.start or end - timedelta(days=7)
    base_end = _utc(baseline_to) or start
    base_start = _utc(baseline_from) or base_end - (end - start)
    if base_start >= base_end:
        raise InvalidInput("'baseline_from' must be before 'baseline_to'", field="baseline_from")
    current = Filters(**{**filters.__dict__, "start": start, "end": end})
    baseline = Filters(**{**filters.__dict__, "start": base_start, "end": base_end})
    level = alpha if alpha is not None else settings.metrics.alpha
    return render(reports.read(lambda repo: service.drift(repo, current, baseline, level)), request, format)


@router.get("/versions", responses=PROBLEMS)
def get_versions(
    request: Request,
    reports: ReportReaderDep,
    settings: SettingsDep,
    filters: FiltersDep,
    alpha: Alpha = None,
    format: Format = None,
) -> Response:
    """Per pattern version: its rates and the change in acceptance from the previous version."""
    level = alpha if alpha is not None else settings.metrics.alpha
    return render(reports.read(lambda repo: service.versions(repo, filters, level)), request, format)
