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
from advisor.store.tables import LearnedExample, LearnedExampleAgent, PatternVersion, utcnow
from advisor.utc import as_utc


class LearnedExampleRepository:
    """Reads and writes learned examples of one store."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, tenant_id: str, pattern_id: str, text_key: str) -> LearnedExample | None:
        """Return the candidate of a pattern with this normalised text, if any."""
        return self.session.scalar(
            select(LearnedExample).where(
                LearnedExample.tenant_id == tenant_id,
                LearnedExample.pattern_id == pattern_id,
                LearnedExample.text_key == text_key,
            )
        )

    def add(
        self, tenant_id: str, pattern_id: str, pattern_version: int, text: str, text_key: str, at: datetime
    ) -> LearnedExample:
        """Insert a pending candidate with no decisions yet; a concurrent insert of the same text wins."""
        row = LearnedExample(
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

    def count_decision(self, row: LearnedExample, agent_id: str, pattern_version: int, at: datetime) -> None:
        """Add one decision, and one agent unless this agent already confirmed the text."""
        new_agent = True
        try:
            with self.session.begin_nested():
                self.session.add(LearnedExampleAgent(example_id=row.id, agent_id=agent_id))
        except IntegrityError:
            new_agent = False
        # Counters move in SQL, so that two processes counting at once both count.
        self.session.execute(
            update(LearnedExample)
            .where(LearnedExample.id == row.id)
            .values(
                decisions=LearnedExample.decisions + 1,
                agents=LearnedExample.agents + (1 if new_agent else 0),
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

    def get_many(self, tenant_id: str, ids: Collection[int]) -> dict[int, LearnedExample]:
        """Return the tenant's candidates with these ids (another tenant's are simply absent)."""
        if not ids:
            return {}
        rows = self.session.scalars(
            select(LearnedExample).where(LearnedExample.tenant_id == tenant_id, LearnedExample.id.in_(ids))
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
    ) -> list[LearnedExample]:
        """Return up to ``limit`` candidates by id (after ``after_id``), optionally of one team's patterns."""
        query = select(LearnedExample).where(LearnedExample.tenant_id == tenant_id)
        if status is not None:
            query = query.where(LearnedExample.status == status.value)
        if pattern_id is not None:
            query = query.where(LearnedExample.pattern_id == pattern_id)
        if owner is not None:
            query = query.where(LearnedExample.pattern_id.in_(_owned_by(tenant_id, owner)))
        if after_id is not None:
            query = query.where(LearnedExample.id > after_id)
        return list(self.session.scalars(query.order_by(LearnedExample.id).limit(limit)))

    def set_status(
        self, row: LearnedExample, seen: str, status: LearnedStatus, actor: str, note: str | None
    ) -> bool:
        """Move a candidate from ``seen`` to ``status``; False when someone changed it first."""
        result = self.session.execute(
            update(LearnedExample)
            .where(LearnedExample.id == row.id, LearnedExample.status == seen)
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
                .select_from(LearnedExample)
                .where(
                    LearnedExample.tenant_id == tenant_id,
                    LearnedExample.pattern_id == pattern_id,
                    LearnedExample.status == LearnedStatus.approved.value,
                )
            )
            or 0
        )

    def approved_texts(self, tenant_id: str, per_pattern: int) -> dict[str, list[str]]:
        """Return each pattern's approved texts, most confirmed first, at most ``per_pattern`` each."""
        rows = self.session.execute(
            select(LearnedExample.pattern_id, LearnedExample.text)
            .where(
                LearnedExample.tenant_id == tenant_id,
                LearnedExample.status == LearnedStatus.approved.value,
            )
            .order_by(LearnedExample.pattern_id, LearnedExample.decisions.desc(), LearnedExample.id)
        )
        out: dict[str, list[str]] = defaultdict(list)
        for pattern_id, text in rows:
            if len(out[pattern_id]) < per_pattern:
                out[pattern_id].append(text)
        return dict(out)

    def pattern_examples(self, tenant_id: str, pattern_id: str, version: int) -> list[str]:
        """Return the example utterances a pattern version was written with (none for an unknown one)."""
        row = self.session.get(PatternVersion, (tenant_id, pattern_id, version))
        return list(row.examples) if row is not None else []

    def latest_versions(self, tenant_id: str, pattern_ids: Collection[str]) -> dict[str, PatternVersion]:
        """Return the latest version of each of these patterns (its title and owning team)."""
        if not pattern_ids:
            return {}
        rows = self.session.scalars(
            select(PatternVersion)
            .where(PatternVersion.tenant_id == tenant_id, PatternVersion.pattern_id.in_(pattern_ids))
            .order_by(PatternVersion.pattern_id, PatternVersion.version)
        )
        return {r.pattern_id: r for r in rows}


def _owned_by(tenant_id: str, owner: str) -> Select[Any]:
    """Ids of the tenant's patterns whose latest version is owned by ``owner``."""
    latest = (
        select(PatternVersion.pattern_id, func.max(PatternVersion.version).label("version"))
        .where(PatternVersion.tenant_id == tenant_id)
        .group_by(PatternVersion.pattern_id)
        .subquery()
    )
    return (
        select(PatternVersion.pattern_id)
        .join(
            latest,
            and_(
                latest.c.pattern_id == PatternVersion.pattern_id,
                latest.c.version == PatternVersion.version,
            ),
        )
        .where(PatternVersion.tenant_id == tenant_id, PatternVersion.owner == owner)
    )
