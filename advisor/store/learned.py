"""Learned examples: candidates gathered from agents' decisions, their review status and their agents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor.learned.models import LearnedStatus
from advisor.store.tables.learned import LearnedExampleAgentRow, LearnedExampleRow
from advisor.store.tables.patterns import PatternVersionRow
from advisor.utc import as_utc, utcnow


class LearnedExampleRepository:
    """Reads and writes learned examples of one store."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, tenant_id: str, pattern_id: str, text_key: str) -> LearnedExampleRow | None:
        """Return the candidate of a pattern with this normalised text, if any."""
        return self.session.scalar(
            select(LearnedExampleRow).where(
                LearnedExampleRow.tenant_id == tenant_id,
                LearnedExampleRow.pattern_id == pattern_id,
                LearnedExampleRow.text_key == text_key,
            )
        )

    def add(
        self, tenant_id: str, pattern_id: str, pattern_version: int, text: str, text_key: str, at: datetime
    ) -> LearnedExampleRow:
        """Insert a pending candidate with no decisions yet; a concurrent insert of the same text wins."""
        row = LearnedExampleRow(
            tenant_id=tenant_id,
            pattern_id=pattern_id,
            pattern_version=pattern_version,
            text=text,
            text_key=text_key,
            status=LearnedStatus.pending.value,
            decisions=0,
            agents=0,
            first_seen=at,
            last_seen=at,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            existing = self.find(tenant_id, pattern_id, text_key)
            if existing is None:
                raise
            return existing
        return row

    def count_decision(
        self,
        row: LearnedExampleRow,
        agent_id: str,
        pattern_version: int,
        at: datetime,
        *,
        correction: bool = False,
    ) -> None:
        """Add one decision (a correction when the agent named the pattern as sent instead of another
        suggestion), and one agent unless this agent already confirmed the text."""
        new_agent = True
        try:
            with self.session.begin_nested():
                self.session.add(LearnedExampleAgentRow(example_id=row.id, agent_id=agent_id))
        except IntegrityError:
            new_agent = False
        # Counters move in SQL, so that two processes counting at once both count.
        self.session.execute(
            update(LearnedExampleRow)
            .where(LearnedExampleRow.id == row.id)
            .values(
                decisions=LearnedExampleRow.decisions + 1,
                agents=LearnedExampleRow.agents + (1 if new_agent else 0),
                corrections=LearnedExampleRow.corrections + (1 if correction else 0),
            )
            .execution_options(synchronize_session=False)
        )
        self.session.refresh(row)
        if as_utc(at) > as_utc(row.last_seen):
            row.last_seen = at
            row.pattern_version = pattern_version
        if as_utc(at) < as_utc(row.first_seen):
            row.first_seen = at
        self.session.flush()

    def get_many(self, tenant_id: str, ids: Collection[int]) -> dict[int, LearnedExampleRow]:
        """Return the tenant's candidates with these ids (another tenant's are simply absent)."""
        if not ids:
            return {}
        rows = self.session.scalars(
            select(LearnedExampleRow).where(
                LearnedExampleRow.tenant_id == tenant_id, LearnedExampleRow.id.in_(ids)
            )
        )
        return {r.id: r for r in rows}

    def page(
        self,
        tenant_id: str,
        *,
        status: LearnedStatus | None,
        pattern_id: str | None,
        owner: str | None,
        after_id: int | None,
        limit: int,
    ) -> list[LearnedExampleRow]:
        """Return up to ``limit`` candidates by id (after ``after_id``), optionally of one team's patterns."""
        query = select(LearnedExampleRow).where(LearnedExampleRow.tenant_id == tenant_id)
        if status is not None:
            query = query.where(LearnedExampleRow.status == status.value)
        if pattern_id is not None:
            query = query.where(LearnedExampleRow.pattern_id == pattern_id)
        if owner is not None:
            query = query.where(LearnedExampleRow.pattern_id.in_(_owned_by(tenant_id, owner)))
        if after_id is not None:
            query = query.where(LearnedExampleRow.id > after_id)
        return list(self.session.scalars(query.order_by(LearnedExampleRow.id).limit(limit)))

    def set_status(
        self, row: LearnedExampleRow, seen: str, status: LearnedStatus, actor: str, note: str | None
    ) -> bool:
        """Move a candidate from ``seen`` to ``status``; False when someone changed it first."""
        result = self.session.execute(
            update(LearnedExampleRow)
            .where(LearnedExampleRow.id == row.id, LearnedExampleRow.status == seen)
            .values(status=status.value, reviewed_by=actor, reviewed_at=utcnow(), review_note=note)
            .execution_options(synchronize_session=False)
        )
        self.session.flush()
        self.session.refresh(row)
        return bool(getattr(result, "rowcount", 0) == 1)

    def approved_count(self, tenant_id: str, pattern_id: str) -> int:
        """Return how many learned examples of a pattern are approved."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(LearnedExampleRow)
                .where(
                    LearnedExampleRow.tenant_id == tenant_id,
                    LearnedExampleRow.pattern_id == pattern_id,
                    LearnedExampleRow.status == LearnedStatus.approved.value,
                )
            )
            or 0
        )

    def approved_texts(self, tenant_id: str, per_pattern: int) -> dict[str, list[str]]:
        """Return each pattern's approved texts, most confirmed first, at most ``per_pattern`` each."""
        rows = self.session.execute(
            select(LearnedExampleRow.pattern_id, LearnedExampleRow.text)
            .where(
                LearnedExampleRow.tenant_id == tenant_id,
                LearnedExampleRow.status == LearnedStatus.approved.value,
            )
            .order_by(LearnedExampleRow.pattern_id, LearnedExampleRow.decisions.desc(), LearnedExampleRow.id)
        )
        out: dict[str, list[str]] = defaultdict(list)
        for pattern_id, text in rows:
            if len(out[pattern_id]) < per_pattern:
                out[pattern_id].append(text)
        return dict(out)

    def pattern_examples(self, tenant_id: str, pattern_id: str, version: int) -> list[str]:
        """Return the example utterances a pattern version was written with (none for an unknown one)."""
        row = self.session.get(PatternVersionRow, (tenant_id, pattern_id, version))
        return list(row.examples) if row is not None else []

    def latest_versions(self, tenant_id: str, pattern_ids: Collection[str]) -> dict[str, PatternVersionRow]:
        """Return the latest version of each of these patterns (its title and owning team)."""
        if not pattern_ids:
            return {}
        rows = self.session.scalars(
            select(PatternVersionRow)
            .where(PatternVersionRow.tenant_id == tenant_id, PatternVersionRow.pattern_id.in_(pattern_ids))
            .order_by(PatternVersionRow.pattern_id, PatternVersionRow.version)
        )
        return {r.pattern_id: r for r in rows}


def _owned_by(tenant_id: str, owner: str) -> Select[Any]:
    """Ids of the tenant's patterns whose latest version is owned by ``owner``."""
    latest = (
        select(PatternVersionRow.pattern_id, func.max(PatternVersionRow.version).label("version"))
        .where(PatternVersionRow.tenant_id == tenant_id)
        .group_by(PatternVersionRow.pattern_id)
        .subquery()
    )
    return (
        select(PatternVersionRow.pattern_id)
        .join(
            latest,
            and_(
                latest.c.pattern_id == PatternVersionRow.pattern_id,
                latest.c.version == PatternVersionRow.version,
            ),
        )
        .where(PatternVersionRow.tenant_id == tenant_id, PatternVersionRow.owner == owner)
    )
