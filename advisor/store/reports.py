"""Aggregate queries for the metric reports, and the outcome roll-up's reads and writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from advisor.metrics.models import Dimension, EventRecord, Filters, Outcome
from advisor.store.tables import (
    FeedbackEvent,
    MetricCursor,
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

    def cursor(self) -> int:
        """Return the id of the last feedback event folded into the roll-up."""
        value = self.session.scalar(select(MetricCursor.last_event_id).where(MetricCursor.name == CURSOR))
        if value is None:
            self.session.add(MetricCursor(name=CURSOR, last_event_id=0))
            self.session.flush()
            return 0
        return int(value)

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
        ordered = sorted(keys)
        for i in range(0, len(ordered), CHUNK):
            chunk = ordered[i : i + CHUNK]
            rows = self.session.execute(
                select(*[getattr(MO, name) for name in _OUTCOME_FIELDS]).where(
                    tuple_(MO.tenant_id, MO.recommendation_id).in_(chunk)
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
            texts.update({str(rid): str(text) for rid, text in rows})  # noqa: C416
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

    # --- report queries ------------------------------------------------------------------------

    def outcome_counts(
        self, filters: Filters, dims: Sequence[Dimension], by: Sequence[str] = ("decision",)
    ) -> list[dict[str, Any]]:
        """Count outcomes per group and per ``by`` column, with the sum and count of similarities."""
        groups = group_columns(dims)
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
