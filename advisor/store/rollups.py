"""The metric roll-ups' reads and writes: cursor and lock, outcome rows, daily cubes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from advisor.metrics.cubes import CUBES, MEASURES, column, week_of
from advisor.metrics.models import EventRecord, Outcome
from advisor.store.tables.decisions import FeedbackEventRow, RecommendationRequestRow, RecommendationRow
from advisor.store.tables.metrics import (
    MetricCursorRow,
    MetricDailyAgentRow,
    MetricDailyPatternRow,
    MetricOutcomeRow,
)

CURSOR = "outcomes"
CHUNK = 500
MO = MetricOutcomeRow
OUTCOME_FIELDS = [f.name for f in fields(Outcome)]
CUBE_TABLES: dict[str, Any] = {"agent": MetricDailyAgentRow, "pattern": MetricDailyPatternRow}


class RollupStore:
    """Keeps the outcome rows and daily cubes; used by the refresh in ``advisor.metrics.rollup``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, name: str = CURSOR) -> None:
        """Take a roll-up's write lock (its cursor row; SQLite's write lock) until the transaction ends."""
        touched = self.session.execute(
            update(MetricCursorRow).where(MetricCursorRow.name == name).values(updated_at=datetime.now(UTC))
        )
        if not touched.rowcount:  # type: ignore[attr-defined]
            self.session.execute(
                self._insert(MetricCursorRow)
                .values(name=name, last_event_id=0, updated_at=datetime.now(UTC))
                .on_conflict_do_nothing()
            )
            self.session.execute(
                update(MetricCursorRow)
                .where(MetricCursorRow.name == name)
                .values(updated_at=datetime.now(UTC))
            )

    def _insert(self, table: Any) -> Any:
        dialect = self.session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    def latest_event_id(self) -> int:
        """Return the highest feedback event id (0 when there is none)."""
        return int(self.session.scalar(select(func.max(FeedbackEventRow.id))) or 0)

    def cursor(self) -> int:
        """Return the id of the last feedback event folded into the roll-up."""
        value = self.session.scalar(
            select(MetricCursorRow.last_event_id).where(MetricCursorRow.name == CURSOR)
        )
        return int(value or 0)

    def apply_cube_deltas(self, deltas: dict[str, dict[tuple[object, ...], list[float]]]) -> None:
        """Add the changes to the daily cubes (insert new cells, increment existing ones)."""
        for cube, cells in deltas.items():
            table = CUBE_TABLES[cube]
            names = ["tenant_id", *(column(c) for c in CUBES[cube])]
            rows = []
            for key, values in cells.items():
                if all(abs(v) < 1e-12 for v in values):
                    continue  # the changes cancelled out
                row = dict(zip(names, key, strict=True))
                row["week"] = week_of(str(row["day"]))
                for measure, value in zip(MEASURES, values, strict=True):
                    row[measure] = float(value) if measure.endswith("_sum") else int(value)
                rows.append(row)
            if not rows:
                continue
            stmt = self._insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=names,
                set_={m: getattr(table, m) + stmt.excluded[m] for m in MEASURES},
            )
            for i in range(0, len(rows), 5_000):
                self.session.connection().execute(stmt, rows[i : i + 5_000])

    def advance_cursor(self, old: int, new: int) -> bool:
        """Move the cursor from ``old`` to ``new``; False when another refresh moved it first."""
        result = self.session.execute(
            update(MetricCursorRow)
            .where(MetricCursorRow.name == CURSOR, MetricCursorRow.last_event_id == old)
            .values(last_event_id=new, updated_at=datetime.now(UTC))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def events_after(self, after_id: int, limit: int) -> list[EventRecord]:
        """Return up to ``limit`` feedback events with id above ``after_id``, in id order."""
        F = FeedbackEventRow
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
        return [EventRecord(**row._mapping) for row in result]

    def outcomes(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Outcome]:
        """Return the stored outcomes for (tenant, recommendation) keys."""
        found: dict[tuple[str, str], Outcome] = {}
        by_tenant: dict[str, list[str]] = {}
        for tenant, rec_id in sorted(keys):
            by_tenant.setdefault(tenant, []).append(rec_id)
        with self.planned_per_call():
            for tenant, ids in by_tenant.items():
                for i in range(0, len(ids), CHUNK):
                    rows = self.session.execute(
                        select(*[getattr(MO, name) for name in OUTCOME_FIELDS]).where(
                            MO.tenant_id == tenant, MO.recommendation_id.in_(ids[i : i + CHUNK])
                        )
                    )
                    for row in rows:
                        outcome = Outcome(*row)
                        found[(outcome.tenant_id, outcome.recommendation_id)] = outcome
        return found

    @contextmanager
    def planned_per_call(self) -> Iterator[None]:
        """Plan the roll-up's key look-ups for their actual keys on PostgreSQL (a no-op on SQLite).

        psycopg prepares a statement server-side from its fifth run, and PostgreSQL then switches to a
        generic plan costed for the table as it was then. In a backfill that is an empty roll-up table
        whose statistics cannot catch up while its rows are uncommitted, so each look-up scanned the whole
        growing table, testing every row against all 500 parameters: quadratic time. Planned per call, the
        key list is hashed and the index used. The upserts keep their cached plans (no scan to choose).
        """
        if self.session.get_bind().dialect.name != "postgresql":
            yield
            return
        self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        try:
            yield
        finally:
            self.session.execute(text("SET LOCAL plan_cache_mode = DEFAULT"))

    def rendered_texts(self, recommendation_ids: set[str]) -> dict[str, str]:
        """Return the text each suggestion was shown with."""
        texts: dict[str, str] = {}
        ordered = sorted(recommendation_ids)
        for i in range(0, len(ordered), CHUNK):
            rows = self.session.execute(
                select(RecommendationRow.id, RecommendationRow.text).where(
                    RecommendationRow.id.in_(ordered[i : i + CHUNK])
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
        stmt = insert(MetricOutcomeRow)
        keys = ("tenant_id", "recommendation_id")
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: stmt.excluded[name] for name in OUTCOME_FIELDS if name not in keys},
        )
        payload = [
            {name: getattr(o, name) for name in OUTCOME_FIELDS} for o in outcomes
        ]  # asdict deep-copies
        for i in range(0, len(payload), 5_000):
            self.session.connection().execute(stmt, payload[i : i + 5_000])

    def all_outcomes(self, tenant_id: str) -> list[Outcome]:
        """Return every outcome of a tenant (for audits and the recount test)."""
        rows = self.session.execute(
            select(*[getattr(MO, name) for name in OUTCOME_FIELDS]).where(MO.tenant_id == tenant_id)
        )
        return [Outcome(*row) for row in rows]

    def backdate_request(self, request_id: str, at: datetime) -> None:
        """Move a served request and its suggestions to ``at`` (used by the demo simulation)."""
        moment = at.astimezone(UTC)
        requests = RecommendationRequestRow
        self.session.execute(update(requests).where(requests.id == request_id).values(created_at=moment))
        self.session.execute(
            update(RecommendationRow)
            .where(RecommendationRow.request_id == request_id)
            .values(created_at=moment)
        )
