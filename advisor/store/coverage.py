"""The coverage roll-up's reads and writes: time cursor, new requests, interaction rows, daily cube."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select, update

from advisor.metrics.coverage import CoverageDeltas, Interaction, RequestRecord
from advisor.metrics.cubes import week_of
from advisor.store.rollups import CHUNK, RollupStore
from advisor.store.tables.decisions import RecommendationRequestRow, RecommendationRow
from advisor.store.tables.metrics import MetricCursorRow, MetricDailyCoverageRow, MetricInteractionRow
from advisor.store.tables.patterns import PatternVersionRow
from advisor.utc import as_utc

COVERAGE_CURSOR = "coverage"
MI = MetricInteractionRow
INTERACTION_FIELDS = [f.name for f in fields(Interaction)]


class CoverageStore(RollupStore):
    """Keeps the per-interaction coverage rows and their daily cube (see ``advisor.metrics.coverage``)."""

    def coverage_cursor(self) -> datetime | None:
        """Return the time from which requests are still to be (re)read; None before the first refresh."""
        value = self.session.scalar(
            select(MetricCursorRow.last_at).where(MetricCursorRow.name == COVERAGE_CURSOR)
        )
        return None if value is None else as_utc(value)

    def has_requests_since(self, at: datetime | None) -> bool:
        """True when some request was created at or after ``at`` (any request when None)."""
        Q = RecommendationRequestRow
        stmt = select(Q.id).limit(1)
        if at is not None:
            stmt = stmt.where(Q.created_at >= at.astimezone(UTC))
        return self.session.scalar(stmt) is not None

    def requests_page(
        self, since: datetime | None, after: tuple[datetime, str] | None, limit: int
    ) -> list[RequestRecord]:
        """Return up to ``limit`` requests in (created_at, id) order: from ``since``, then after ``after``."""
        Q, R = RecommendationRequestRow, RecommendationRow
        stmt = (
            select(
                Q.id,
                Q.tenant_id,
                Q.interaction_id,
                Q.agent_id,
                Q.team_id,
                Q.channel,
                Q.escalate,
                Q.created_at,
                R.intent,
            )
            .outerjoin(R, and_(R.request_id == Q.id, R.rank == 1))
            .order_by(Q.created_at, Q.id)
            .limit(limit)
        )
        if after is not None:
            at, request_id = after[0].astimezone(UTC), after[1]
            stmt = stmt.where(or_(Q.created_at > at, and_(Q.created_at == at, Q.id > request_id)))
        elif since is not None:
            stmt = stmt.where(Q.created_at >= since.astimezone(UTC))
        rows = [RequestRecord(*row) for row in self.session.execute(stmt)]
        return self._with_candidate_intents(rows)

    def _with_candidate_intents(self, rows: list[RequestRecord]) -> list[RequestRecord]:
        """Give each escalated request the intent of its top candidate (pattern versions never change)."""
        Q = RecommendationRequestRow
        escalated = [r.id for r in rows if r.escalate]
        tops: dict[str, tuple[str, str, int]] = {}
        for i in range(0, len(escalated), CHUNK):
            found = self.session.execute(
                select(Q.id, Q.tenant_id, Q.candidates).where(Q.id.in_(escalated[i : i + CHUNK]))
            )
            for request_id, tenant, candidates in found:
                top = (candidates or [None])[0]
                if isinstance(top, dict) and top.get("pattern_id") and top.get("version"):
                    tops[request_id] = (tenant, str(top["pattern_id"]), int(top["version"]))
        catalogues = {tenant: self.pattern_catalogue(tenant) for tenant in {t for t, _, _ in tops.values()}}
        out = []
        for row in rows:
            if row.id in tops:
                tenant, pattern, version = tops[row.id]
                row = replace(row, intent=catalogues[tenant].get((pattern, version), (None, ""))[0])
            out.append(row)
        return out

    def pattern_catalogue(self, tenant_id: str) -> dict[tuple[str, int], tuple[str, str]]:
        """Return (pattern, version) → (first intent, title) for every version of the tenant."""
        rows = self.session.execute(
            select(
                PatternVersionRow.pattern_id,
                PatternVersionRow.version,
                PatternVersionRow.intents,
                PatternVersionRow.title,
            ).where(PatternVersionRow.tenant_id == tenant_id)
        )
        return {
            (pid, ver): (intents[0] if intents else "unknown", title) for pid, ver, intents, title in rows
        }

    def interactions(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Interaction]:
        """Return the stored coverage rows for (tenant, interaction) keys."""
        found: dict[tuple[str, str], Interaction] = {}
        by_tenant: dict[str, list[str]] = {}
        for tenant, interaction in sorted(keys):
            by_tenant.setdefault(tenant, []).append(interaction)
        columns = [getattr(MI, name) for name in INTERACTION_FIELDS]
        with self.planned_per_call():
            for tenant, ids in by_tenant.items():
                for i in range(0, len(ids), CHUNK):
                    chunk = ids[i : i + CHUNK]
                    rows = self.session.execute(
                        select(*columns).where(MI.tenant_id == tenant, MI.interaction_id.in_(chunk))
                    )
                    for row in rows:
                        item = _interaction(row)
                        found[(item.tenant_id, item.interaction_id)] = item
        return found

    def save_interactions(self, rows: list[Interaction]) -> None:
        """Insert or update coverage rows (one statement per chunk)."""
        if not rows:
            return
        stmt = self._insert(MetricInteractionRow)
        keys = ("tenant_id", "interaction_id")
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: stmt.excluded[name] for name in INTERACTION_FIELDS if name not in keys},
        )
        payload = [{name: getattr(row, name) for name in INTERACTION_FIELDS} for row in rows]
        for i in range(0, len(payload), 5_000):
            self.session.connection().execute(stmt, payload[i : i + 5_000])

    def apply_coverage_deltas(self, deltas: CoverageDeltas) -> None:
        """Add the changes to the daily coverage cube (insert new cells, increment existing ones)."""
        names = ["tenant_id", "day", "team_id", "channel", "intent", "covered"]
        rows: list[dict[str, Any]] = [
            {**dict(zip(names, key, strict=True)), "week": week_of(key[1]), "n": n}
            for key, n in deltas.items()
            if n != 0
        ]
        if not rows:
            return
        stmt = self._insert(MetricDailyCoverageRow)
        stmt = stmt.on_conflict_do_update(
            index_elements=names, set_={"n": MetricDailyCoverageRow.n + stmt.excluded.n}
        )
        for i in range(0, len(rows), 5_000):
            self.session.connection().execute(stmt, rows[i : i + 5_000])

    def advance_coverage_cursor(self, old: datetime | None, new: datetime) -> bool:
        """Move the time cursor from ``old`` to ``new``; False when another refresh moved it first."""
        C = MetricCursorRow
        same = C.last_at.is_(None) if old is None else C.last_at == old.astimezone(UTC)
        result = self.session.execute(
            update(C)
            .where(C.name == COVERAGE_CURSOR, same)
            .values(last_at=new.astimezone(UTC), updated_at=datetime.now(UTC))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def all_interactions(self, tenant_id: str) -> list[Interaction]:
        """Return every coverage row of a tenant (for audits and the recount test)."""
        columns = [getattr(MI, name) for name in INTERACTION_FIELDS]
        return [
            _interaction(row)
            for row in self.session.execute(select(*columns).where(MI.tenant_id == tenant_id))
        ]


def _interaction(row: Any) -> Interaction:
    """Return a stored coverage row with its times as aware UTC (SQLite hands them back naive)."""
    item = Interaction(*row)
    for name in ("first_at", "covered_at", "escalated_at"):
        value = getattr(item, name)
        if value is not None:
            setattr(item, name, as_utc(value))
    return item
