"""POST /v1/recommendations."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from advisor.api.deps import PrincipalDep, SettingsDep, TelemetryDep, in_transaction, read_later
from advisor.context.models import within_limits
from advisor.feedback.acceptance import AcceptanceBook
from advisor.ranking.rank import HybridRanker
from advisor.recommendations.library import LibraryCache
from advisor.recommendations.models import RecommendationRequest, RecommendationsResponse
from advisor.recommendations.service import recommend
from advisor.store import Session
from advisor.store.decisions import DecisionLog
from advisor.store.patterns import PatternRepository
from advisor.store.stamps import StoreStamps
from advisor.store.writer import DecisionWriter

router = APIRouter(tags=["recommendations"])
INLINE_PATTERNS = 2000
"""Libraries up to this size are ranked on the event loop; a larger one in a pool thread, where its matrix
products, which release the GIL, overlap with other requests' work (10,000 patterns: docs/benchmarks.md)."""

EXAMPLE = {
    "interaction_id": "chat-20261125-0042",
    "channel": "chat",
    "locale": "en-US",
    "agent_id": "agent-demo",
    "team_id": "team-care",
    "turns": [
        {
            "role": "customer",
            "text": "Hi, my order still hasn't arrived and it was due on Monday",
            "at": "2026-11-25T10:02:00Z",
        },
    ],
    "crm": {
        "customer": {"first_name": "Dana", "segment": "gold"},
        "order": {"id": "A1001", "status": "shipped", "carrier": "UPS", "eta": "Nov 27"},
    },
    "k": 3,
}


@router.post(
    "/v1/recommendations",
    response_model=RecommendationsResponse,
    openapi_extra={"requestBody": {"content": {"application/json": {"example": EXAMPLE}}}},
)
async def create_recommendations(
    body: RecommendationRequest,
    principal: PrincipalDep,
    request: Request,
    settings: SettingsDep,
    telemetry: TelemetryDep,
) -> RecommendationsResponse:
    """Rank the approved patterns for a live conversation.

    Returns up to `k` suggestions, best first, each rendered with the CRM values of the request,
    with a calibrated confidence and a one-line rationale. When no approved, eligible pattern is
    confident enough, the list is empty and `escalate` is true with the reason: advisor never guesses.
    The request and its suggestions reach the decision log in batches within a few tens of
    milliseconds; feedback on a suggestion may be sent at once.
    """
    within_limits(body, settings.limits.max_turns, settings.limits.max_turn_chars)
    library: LibraryCache = request.state.library
    stamps: StoreStamps = request.state.stamps
    writer: DecisionWriter = request.state.writer
    tenant = principal.tenant_id

    def load(session: Session) -> tuple[HybridRanker, int, AcceptanceBook | None]:
        stamps.refresh(session)
        ranker, stamp = library.ranker(tenant, PatternRepository(session), stamps.library(tenant))
        return ranker, stamp, library.acceptance(tenant, DecisionLog(session))

    def refresh(session: Session) -> None:
        stamps.refresh(session)
        library.acceptance(tenant, DecisionLog(session))

    # The usual request needs nothing from the store: the stamps, the ranker and agents' decisions are
    # in memory, so it takes no connection, and a library of usual size is ranked here without a thread
    # hop (whose hand-overs of the GIL cost more than the ranking). When the stamps or the book are merely
    # old, the read they are due goes on in the background (one at a time) and this request is served
    # from memory; it waits for the store only when the library must be (re)built, nothing was read yet,
    # or this process changed the store since the last read.
    stamp = stamps.library(tenant)
    cached = library.in_memory(tenant, stamp) if stamps.usable() else None
    if cached is None:
        with stamps.read_in_flight():
            ranker, stamp, acceptance = await in_transaction(request, load)
    else:
        ranker, acceptance = cached
        if not stamps.fresh() or (acceptance is not None and acceptance.due()):
            read_later(request, refresh)
    started = time.perf_counter()
    if len(ranker.index) <= INLINE_PATTERNS:
        served = recommend(body, principal, ranker, stamp, writer, acceptance)
    else:
        served = await run_in_threadpool(recommend, body, principal, ranker, stamp, writer, acceptance)
    telemetry.observe_ranking(time.perf_counter() - started, served.escalate)
    return served
