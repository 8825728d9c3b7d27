"""Aggregate queries for the metric reports, and the outcome roll-up's reads and writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from advisor.metrics.cubes import CUBES, pick_cube, week_of_day
from advisor.metrics.models import Dimension, EventRecord, Filters, Outcome
from advisor.store.tables import (
    FeedbackEvent,
    MetricCursor,
    MetricDailyAgent,
    MetricDailyPattern,
    MetricOutcome,
    PatternVersion,
    Recommendation,
    RecommendationRequest,
)

CURSOR = "outcomes"
CHUNK = 500
MO = MetricOutcome
_COLUMNS: dict[Dimension, list[tuple[str, Any]]] = {
    Dimension.team: [("team", MO.team_id)],
    Dimension.agent: [("agent", MO.agent_id)],
    Dimension.pattern: [("pattern", MO.pattern_id)],
    Dimension.pattern_version: [("pattern", MO.pattern_id), ("pattern_version", MO.pattern_version)],
    Dimension.intent: [("intent", MO.intent)],
    Dimension.channel: [("channel", MO.channel)],
    Dimension.day: [("day", MO.day)],
    Dimension.week: [("week", MO.week)],
}
_OUTCOME_FIELDS = [f.name for f in fields(Outcome)]
CUBE_TABLES: dict[str, Any] = {"agent": MetricDailyAgent, "pattern": MetricDailyPattern}
CUBE_COLUMNS = {"team": "team_id", "agent": "agent_id", "pattern": "pattern_id"}
_FILTER_FIELDS = ("team", "agent", "pattern", "pattern_version", "intent", "channel")


def group_columns(dims: Sequence[Dimension]) -> list[Any]:
    """Return the labelled columns for the grouping dimensions (each column once)."""
    seen: dict[str, Any] = {}
    for dim in dims:
        for label, column in _COLUMNS[dim]:
            seen.setdefault(label, column.label(label))
    return list(seen.values())


def _where(filters: Filters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [MO.tenant_id == filters.tenant_id]
    if filters.start is not None:
        clauses.append(MO.shown_at >= filters.start.astimezone(UTC))
    if filters.end is not None:
        clauses.append(MO.shown_at < filters.end.astimezone(UTC))
    for value, column in (
        (filters.team, MO.team_id),
        (filters.agent, MO.agent_id),
        (filters.pattern, MO.pattern_id),
        (filters.pattern_version, MO.pattern_version),
        (filters.intent, MO.intent),
        (filters.channel, MO.channel),
    ):
        if value is not None:
            clauses.append(column == value)
    return clauses


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


class ReportsRepository:
    """Reads for the metric reports; writes only the roll-up tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- roll-up maintenance -------------------------------------------------------------------

    def lock(self) -> None:
        """Take the roll-up's write lock (the cursor row; SQLite's write lock) until the transaction ends."""
        touched = self.session.execute(
            update(MetricCursor).where(MetricCursor.name == CURSOR).values(updated_at=datetime.now(UTC))
        )
        if not touched.rowcount:  # type: ignore[attr-defined]
            self.session.execute(
                self._insert(MetricCursor)
                .values(name=CURSOR, last_event_id=0, updated_at=datetime.now(UTC))
                .on_conflict_do_nothing()
            )
            self.session.execute(
                update(MetricCursor).where(MetricCursor.name == CURSOR).values(updated_at=datetime.now(UTC))
            )

    def _insert(self, table: Any) -> Any:
        dialect = self.session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    def cursor(self) -> int:
        """Return the id of the last feedback event folded into the roll-up."""
        value = self.session.scalar(select(MetricCursor.last_event_id).where(MetricCursor.name == CURSOR))
        return int(value or 0)

    def apply_cube_deltas(self, deltas: dict[str, dict[tuple[object, ...], list[float]]]) -> None:
        """Add the changes to the daily cubes (insert new cells, increment existing ones)."""
        for cube, cells in deltas.items():
            table = CUBE_TABLES[cube]
            names = ["tenant_id", *(CUBE_COLUMNS.get(c, c) for c in CUBES[cube])]
            rows = []
            for key, (n, sim_sum, sim_n) in cells.items():
                if n == 0 and sim_n == 0 and abs(sim_sum) < 1e-12:
                    continue
                row = dict(zip(names, key, strict=True))
                row.update(
                    week=week_of_day(str(row["day"])),
                    n=int(n),
                    similarity_sum=float(sim_sum),
                    similarity_n=int(sim_n),
                )
                rows.append(row)
            if not rows:
                continue
            stmt = self._insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=names,
                set_={
                    "n": table.n + stmt.excluded.n,
                    "similarity_sum": table.similarity_sum + stmt.excluded.similarity_sum,
                    "similarity_n": table.similarity_n + stmt.excluded.similarity_n,
                },
            )
            for i in range(0, len(rows), 5_000):
                self.session.execute(stmt, rows[i : i + 5_000])

    def advance_cursor(self, old: int, new: int) -> bool:
        """Move the cursor from ``old`` to ``new``; False when another refresh moved it first."""
        result = self.session.execute(
            update(MetricCursor)
            .where(MetricCursor.name == CURSOR, MetricCursor.last_event_id == old)
            .values(last_event_id=new, updated_at=datetime.now(UTC))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def events_after(self, after_id: int, limit: int) -> list[EventRecord]:
        """Return up to ``limit`` feedback events with id above ``after_id``, in id order."""
        F = FeedbackEvent
        result = self.session.execute(
            select(
                F.id,
                F.tenant_id,
                F.recommendation_id,
                F.agent_id,
                F.team_id,
                F.channel,
                F.pattern_id,
                F.pattern_version,
                F.intent,
                F.action,
                F.final_text,
                F.reason,
                F.time_to_decision_ms,
                F.occurred_at,
                F.received_at,
            )
            .where(F.id > after_id)
            .order_by(F.id)
            .limit(limit)
        )
        return [EventRecord(*row) for row in result]  # type: ignore[call-arg]

    def outcomes(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Outcome]:
        """Return the stored outcomes for (tenant, recommendation) keys."""
        found: dict[tuple[str, str], Outcome] = {}
        by_tenant: dict[str, list[str]] = {}
        for tenant, rec_id in sorted(keys):
            by_tenant.setdefault(tenant, []).append(rec_id)
        for tenant, ids in by_tenant.items():
            for i in range(0, len(ids), CHUNK):
                rows = self.session.execute(
                    select(*[getattr(MO, name) for name in _OUTCOME_FIELDS]).where(
                        MO.tenant_id == tenant, MO.recommendation_id.in_(ids[i : i + CHUNK])
                    )
                )
                for row in rows:
                    outcome = Outcome(*row)
                    found[(outcome.tenant_id, outcome.recommendation_id)] = outcome
        return found

    def rendered_texts(self, recommendation_ids: set[str]) -> dict[str, str]:
        """Return the text each suggestion was shown with."""
        texts: dict[str, str] = {}
        ordered = sorted(recommendation_ids)
        for i in range(0, len(ordered), CHUNK):
            rows = self.session.execute(
                select(Recommendation.id, Recommendation.text).where(
                    Recommendation.id.in_(ordered[i : i + CHUNK])
                )
            )
            texts.update({str(rid): str(text) for rid, text in rows})
        return texts

    def save_outcomes(self, outcomes: list[Outcome]) -> None:
        """Insert or update outcome rows (one statement per chunk)."""
        if not outcomes:
            return
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(MetricOutcome)
        keys = ("tenant_id", "recommendation_id")
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: stmt.excluded[name] for name in _OUTCOME_FIELDS if name not in keys},
        )
        payload = [asdict(o) for o in outcomes]
        for i in range(0, len(payload), 5_000):
            self.session.execute(stmt, payload[i : i + 5_000])

    def all_outcomes(self, tenant_id: str) -> list[Outcome]:
        """Return every outcome of a tenant (for audits and the recount test)."""
        rows = self.session.execute(
            select(*[getattr(MO, name) for name in _OUTCOME_FIELDS]).where(MO.tenant_id == tenant_id)
        )
        return [Outcome(*row) for row in rows]

    def backdate_request(self, request_id: str, at: datetime) -> None:
        """Move a served request and its suggestions to ``at`` (used by the demo simulation)."""
        moment = at.astimezone(UTC)
        requests = RecommendationRequest
        self.session.execute(update(requests).where(requests.id == request_id).values(created_at=moment))
        self.session.execute(
            update(Recommendation).where(Recommendation.request_id == request_id).values(created_at=moment)
        )

    # --- report queries ------------------------------------------------------------------------

    def outcome_counts(
        self, filters: Filters, dims: Sequence[Dimension], by: Sequence[str] = ("decision",)
    ) -> list[dict[str, Any]]:
        """Count outcomes per group and per ``by`` column, with the sum and count of similarities."""
        groups = group_columns(dims)
        wanted = (
            {g.name for g in groups}
            | set(by)
            | {f for f in _FILTER_FIELDS if getattr(filters, f) is not None}
        )
        cube = pick_cube(wanted, filters.start, filters.end)
        if cube is not None:
            return self._cube_counts(cube, filters, [g.name for g in groups], by)
        extra = [getattr(MO, name).label(name) for name in by]
        stmt = (
            select(
                *groups,
                *extra,
                func.count().label("n"),
                func.sum(MO.similarity).label("similarity_sum"),
                func.count(MO.similarity).label("similarity_n"),
            )
            .where(*_where(filters))
            .group_by(*groups, *extra)
        )
        return _rows(self.session.execute(stmt))

    def _cube_counts(
        self, cube: str, filters: Filters, labels: list[str], by: Sequence[str]
    ) -> list[dict[str, Any]]:
        table = CUBE_TABLES[cube]

        def col(label: str) -> Any:
            return getattr(table, CUBE_COLUMNS.get(label, label))

        columns = [col(label).label(label) for label in [*labels, *by]]
        clauses: list[ColumnElement[bool]] = [table.tenant_id == filters.tenant_id]
        if filters.start is not None:
            clauses.append(table.day >= filters.start.astimezone(UTC).date().isoformat())
        if filters.end is not None:
            clauses.append(table.day < filters.end.astimezone(UTC).date().isoformat())
        for name in _FILTER_FIELDS:
            value = getattr(filters, name)
            if value is not None:
                clauses.append(col(name) == value)
        stmt = (
            select(
                *columns,
                func.sum(table.n).label("n"),
                func.sum(table.similarity_sum).label("similarity_sum"),
                func.sum(table.similarity_n).label("similarity_n"),
            )
            .where(*clauses)
            .group_by(*columns)
            .having(func.sum(table.n) > 0)
        )
        rows = _rows(self.session.execute(stmt))
        for row in rows:
            for key in ("team", "reason"):
                if row.get(key) == "":
                    row[key] = None
            if row["similarity_n"] == 0:
                row["similarity_sum"] = None
        return rows

    def delays(self, filters: Filters, dims: Sequence[Dimension]) -> list[dict[str, Any]]:
        """Return p50 and p90 (nearest rank) of time to decision per group, computed in the database."""
        groups = group_columns(dims)
        partition = [g.element for g in groups]
        ranked = (
            select(
                *groups,
                MO.ttd_ms.label("ttd"),
                func.row_number().over(partition_by=partition or None, order_by=MO.ttd_ms).label("rn"),
                func.count().over(partition_by=partition or None).label("cnt"),
            )
            .where(*_where(filters), MO.ttd_ms.is_not(None))
            .subquery()
        )
        outer = [ranked.c[g.name] for g in groups]
        stmt = select(
            *outer,
            func.max(ranked.c.cnt).label("n"),
            func.min(case((ranked.c.rn >= ranked.c.cnt * 0.5, ranked.c.ttd))).label("p50_ms"),
            func.min(case((ranked.c.rn >= ranked.c.cnt * 0.9, ranked.c.ttd))).label("p90_ms"),
            func.avg(ranked.c.ttd).label("mean_ms"),
        ).group_by(*outer)
        return _rows(self.session.execute(stmt))

    def choice_counts(self, filters: Filters) -> list[dict[str, Any]]:
        """Count suggestions used (accepted or edited) per team, agent, intent and pattern."""
        stmt = (
            select(
                MO.team_id.label("team"),
                MO.agent_id.label("agent"),
                MO.intent.label("intent"),
                MO.pattern_id.label("pattern"),
                func.count().label("n"),
            )
            .where(*_where(filters), MO.decision.in_(("accepted", "edited")))
            .group_by(MO.team_id, MO.agent_id, MO.intent, MO.pattern_id)
        )
        return _rows(self.session.execute(stmt))

    def edit_pairs(self, filters: Filters, per_version: int) -> list[dict[str, Any]]:
        """Return the latest edits per pattern version: the suggested text and the text sent."""
        F, R = FeedbackEvent, Recommendation
        ranked = (
            select(
                MO.pattern_id.label("pattern"),
                MO.pattern_version.label("pattern_version"),
                R.text.label("suggested"),
                F.final_text.label("sent"),
                func.row_number()
                .over(partition_by=[MO.pattern_id, MO.pattern_version], order_by=MO.decided_at.desc())
                .label("rn"),
            )
            .join(F, F.id == MO.decision_event_id)
            .join(R, R.id == MO.recommendation_id)
            .where(*_where(filters), MO.decision == "edited")
            .subquery()
        )
        stmt = (
            select(ranked.c.pattern, ranked.c.pattern_version, ranked.c.suggested, ranked.c.sent)
            .where(ranked.c.rn <= per_version)
            .order_by(ranked.c.pattern, ranked.c.pattern_version)
        )
        return _rows(self.session.execute(stmt))

    def served_requests(self, filters: Filters) -> list[dict[str, Any]]:
        """Return each served request in the period: interaction, channel, escalation, top suggestion."""
        Q, R = RecommendationRequest, Recommendation
        clauses: list[ColumnElement[bool]] = [Q.tenant_id == filters.tenant_id]
        if filters.start is not None:
            clauses.append(Q.created_at >= filters.start.astimezone(UTC))
        if filters.end is not None:
            clauses.append(Q.created_at < filters.end.astimezone(UTC))
        for value, column in (
            (filters.team, Q.team_id),
            (filters.agent, Q.agent_id),
            (filters.channel, Q.channel),
        ):
            if value is not None:
                clauses.append(column == value)
        stmt = (
            select(
                Q.interaction_id.label("interaction_id"),
                Q.channel.label("channel"),
                Q.escalate.label("escalate"),
                R.intent.label("intent"),
                Q.candidates.label("candidates"),
            )
            .outerjoin(R, and_(R.request_id == Q.id, R.rank == 1))
            .where(*clauses)
        )
        rows = _rows(self.session.execute(stmt))
        for row in rows:
            if not row["escalate"]:
                row["candidates"] = None  # only escalated requests need their candidates
        return rows

    def pattern_catalogue(self, tenant_id: str) -> dict[tuple[str, int], tuple[str, str]]:
        """Return (pattern, version) → (first intent, title) for every version of the tenant."""
        rows = self.session.execute(
            select(
                PatternVersion.pattern_id,
                PatternVersion.version,
                PatternVersion.intents,
                PatternVersion.title,
            ).where(PatternVersion.tenant_id == tenant_id)
        )
        return {
            (pid, ver): (intents[0] if intents else "unknown", title) for pid, ver, intents, title in rows
        }
