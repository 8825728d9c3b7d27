"""Fold served requests into one coverage row per interaction, incrementally and idempotently.

An interaction is attributed to its *first* request (earliest ``created_at``, then id): that request's day,
team, agent and channel. It is *covered* when any of its requests returned a suggestion; its intent is the
top suggestion of its first covered request, or, when it was only escalated, the top candidate of its first
escalated request ("unknown" when there was none). Every field is a minimum over the requests, so folding a
request twice, or in any order, gives the same row: the refresh may re-read recent requests. It reads them
in ``created_at`` order and only moves its time cursor to ``lag_s`` seconds ago, which covers transactions
that commit a little out of order.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from advisor.metrics.cubes import week_of
from advisor.utc import as_utc

logger = logging.getLogger("advisor.metrics")
UNKNOWN = "unknown"
CoverageCell = tuple[str, str, str, str, str, int]  # tenant, day, team ('' = none), channel, intent, covered
CoverageDeltas = dict[CoverageCell, int]


@dataclass(frozen=True)
class RequestRecord:
    """One served request as the coverage roll-up reads it."""

    id: str
    tenant_id: str
    interaction_id: str
    agent_id: str
    team_id: str | None
    channel: str
    escalate: bool
    created_at: datetime
    intent: str | None  # the top suggestion's intent, or for an escalation the top candidate's


@dataclass
class Interaction:
    """One interaction's coverage row (see ``advisor.store.tables.metrics.MetricInteractionRow``)."""

    tenant_id: str
    interaction_id: str
    first_at: datetime
    first_request_id: str
    day: str
    week: str
    team_id: str
    agent_id: str
    channel: str
    covered: int = 0
    intent: str = UNKNOWN
    covered_at: datetime | None = None
    covered_request_id: str | None = None
    covered_intent: str | None = None
    escalated_at: datetime | None = None
    escalated_request_id: str | None = None
    escalated_intent: str | None = None


def _earlier(at: datetime, request_id: str, than_at: datetime | None, than_id: str | None) -> bool:
    return than_at is None or (at, request_id) < (as_utc(than_at), than_id or "")


def fold_request(row: Interaction | None, request: RequestRecord) -> Interaction:
    """Return ``row`` updated with one request (a new row for the interaction's first request seen)."""
    at = as_utc(request.created_at)
    day = at.date().isoformat()
    if row is None or _earlier(at, request.id, row.first_at, row.first_request_id):
        attributes = {
            "first_at": at,
            "first_request_id": request.id,
            "day": day,
            "week": week_of(day),
            "team_id": request.team_id or "",
            "agent_id": request.agent_id,
            "channel": request.channel,
        }
        row = (
            Interaction(request.tenant_id, request.interaction_id, **attributes)  # type: ignore[arg-type]
            if row is None
            else replace(row, **attributes)  # type: ignore[arg-type]
        )
    if not request.escalate and _earlier(at, request.id, row.covered_at, row.covered_request_id):
        row.covered_at, row.covered_request_id = at, request.id
        row.covered_intent = request.intent or UNKNOWN
    if request.escalate and _earlier(at, request.id, row.escalated_at, row.escalated_request_id):
        row.escalated_at, row.escalated_request_id = at, request.id
        row.escalated_intent = request.intent or UNKNOWN
    row.covered = 0 if row.covered_at is None else 1
    row.intent = (row.covered_intent if row.covered else row.escalated_intent) or UNKNOWN
    return row


def coverage_cell(row: Interaction) -> CoverageCell:
    """Return the daily cube cell an interaction counts in."""
    return (row.tenant_id, row.day, row.team_id, row.channel, row.intent, row.covered)


def recount_coverage(requests: Iterable[RequestRecord]) -> dict[tuple[str, str], Interaction]:
    """Build every interaction row from scratch (the reference the incremental refresh must equal)."""
    out: dict[tuple[str, str], Interaction] = {}
    for request in requests:
        key = (request.tenant_id, request.interaction_id)
        out[key] = fold_request(out.get(key), request)
    return out


class CoverageRollup(Protocol):
    """What the coverage refresh needs from the store."""

    def lock(self, name: str = ...) -> None: ...
    def coverage_cursor(self) -> datetime | None: ...
    def has_requests_since(self, at: datetime | None) -> bool: ...
    def requests_page(
        self, since: datetime | None, after: tuple[datetime, str] | None, limit: int
    ) -> list[RequestRecord]: ...
    def interactions(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Interaction]: ...
    def save_interactions(self, rows: list[Interaction]) -> None: ...
    def apply_coverage_deltas(self, deltas: CoverageDeltas) -> None: ...
    def advance_coverage_cursor(self, old: datetime | None, new: datetime) -> bool: ...


@dataclass(frozen=True)
class CoverageRefresh:
    """What one coverage refresh did."""

    requests: int
    interactions: int
    cursor: datetime | None
    advanced: bool


def _start(cursor: datetime | None, since: datetime | None) -> datetime | None:
    """Where to read from: the cursor, or ``since`` when that is earlier (None: from the beginning)."""
    if since is None or (cursor is not None and cursor <= since):
        return cursor
    return since


def refresh_coverage(
    store: CoverageRollup,
    *,
    now: datetime,
    lag_s: float = 30.0,
    batch: int = 20_000,
    since: datetime | None = None,
    max_requests: int | None = None,
) -> CoverageRefresh:
    """Fold the requests from the time cursor on (from ``since`` when earlier) into the coverage roll-up."""
    cursor = store.coverage_cursor()
    if not store.has_requests_since(_start(cursor, since)):
        return CoverageRefresh(0, 0, cursor, False)  # nothing new: no lock, no write
    store.lock("coverage")  # one refresh at a time: the cube increments must not be applied twice
    cursor = store.coverage_cursor()  # another refresh may have moved it while we waited
    start = _start(cursor, since)
    horizon = as_utc(now) - timedelta(seconds=lag_s)
    after: tuple[datetime, str] | None = None
    seen = touched = 0
    exhausted = False
    while True:
        requests = store.requests_page(start, after, batch)
        if not requests:
            exhausted = True
            break
        keys = {(r.tenant_id, r.interaction_id) for r in requests}
        current = store.interactions(keys)
        before = {key: replace(row) for key, row in current.items()}
        for request in requests:
            key = (request.tenant_id, request.interaction_id)
            current[key] = fold_request(current.get(key), request)
        changed = [row for key, row in current.items() if before.get(key) != row]
        deltas: CoverageDeltas = defaultdict(int)
        for row in changed:
            old = before.get((row.tenant_id, row.interaction_id))
            if old is not None:
                deltas[coverage_cell(old)] -= 1
            deltas[coverage_cell(row)] += 1
        store.save_interactions(changed)
        store.apply_coverage_deltas(deltas)
        seen += len(requests)
        touched += len(changed)
        last = requests[-1]
        after = (as_utc(last.created_at), last.id)
        if len(requests) < batch:
            exhausted = True
            break
        if max_requests is not None and seen >= max_requests:
            break  # a bounded step: the next refresh goes on from the cursor
    # every request up to the horizon has been read when the log ran out; otherwise up to the last one read
    reached = horizon if exhausted or after is None else min(horizon, after[0])
    new = reached if cursor is None else max(as_utc(cursor), reached)
    advanced = new != cursor and store.advance_coverage_cursor(cursor, new)
    if new != cursor and not advanced:
        logger.info("coverage roll-up cursor moved concurrently; another refresh won")
    return CoverageRefresh(seen, touched, new if advanced else cursor, advanced)
