"""Pattern versions, which version serves, and the library stamp that tells processes to rebuild."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from advisor.learned.capture import normalise
from advisor.learned.models import MAX_APPROVED_PER_PATTERN
from advisor.patterns.models import Eligibility, FlowStep, PatternSpec, Status
from advisor.ranking.eligibility import StagePolicy
from advisor.store.learned import LearnedExampleRepository
from advisor.store.policy import PolicyRepository
from advisor.store.stamps import mark_changed
from advisor.store.tables.patterns import LibraryStampRow, PatternHeadRow, PatternVersionRow
from advisor.store.tenancy import TenancyRepository
from advisor.utc import utcnow


def _serving(query: Select[Any], tenant_id: str) -> Select[Any]:
    """Restrict ``query`` to the tenant's versions that may be served (approved, current, not suspended)."""
    return (
        query.join(
            PatternHeadRow,
            (PatternHeadRow.tenant_id == PatternVersionRow.tenant_id)
            & (PatternHeadRow.pattern_id == PatternVersionRow.pattern_id)
            & (PatternHeadRow.serving_version == PatternVersionRow.version),
        )
        .where(
            PatternVersionRow.tenant_id == tenant_id,
            PatternVersionRow.status == Status.approved.value,
            PatternHeadRow.suspended.is_(False),
        )
        .order_by(PatternVersionRow.pattern_id)
    )


def to_spec(row: PatternVersionRow, learned: Sequence[str] = ()) -> PatternSpec:
    """Convert a stored row to a PatternSpec, with ``learned`` examples after its own (none repeated)."""
    examples = list(row.examples)
    if learned:
        known = {normalise(e) for e in examples}
        examples += [t for t in learned if normalise(t) not in known]
    return PatternSpec(
        id=row.pattern_id,
        version=row.version,
        title=row.title,
        body=row.body,
        intents=row.intents,
        examples=examples,
        flows=[FlowStep.model_validate(f) for f in row.flows or []],
        collects=list(row.collects or []),
        eligibility=Eligibility.model_validate(row.eligibility),
        risk=row.risk,
        requires_review=row.requires_review,
        owner=row.owner,
        status=Status(row.status),
        author=row.author,
        approver=row.approver,
        change_note=row.change_note,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class PatternRepository:
    """Reads and writes pattern versions and heads of one store."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_version(self, tenant_id: str, spec: PatternSpec) -> PatternVersionRow:
        """Insert a version (and its head when new); make it serve if it is approved."""
        row = PatternVersionRow(
            tenant_id=tenant_id,
            pattern_id=spec.id,
            version=spec.version,
            status=spec.status.value,
            title=spec.title,
            body=spec.body,
            intents=spec.intents,
            examples=spec.examples,
            flows=[f.model_dump(mode="json") for f in spec.flows],
            collects=spec.collects,
            eligibility=spec.eligibility.model_dump(mode="json"),
            risk=spec.risk.value,
            requires_review=spec.requires_review,
            owner=spec.owner,
            author=spec.author,
            approver=spec.approver,
            change_note=spec.change_note,
        )
        if spec.created_at is not None:
            row.created_at = spec.created_at
        if spec.updated_at is not None:
            row.updated_at = spec.updated_at
        self.session.add(row)
        head = self.session.get(PatternHeadRow, (tenant_id, spec.id))
        if head is None:
            head = PatternHeadRow(
                tenant_id=tenant_id, pattern_id=spec.id, serving_version=None, suspended=False, lock_version=1
            )
            self.session.add(head)
        if spec.status is Status.approved and (
            head.serving_version is None or spec.version > head.serving_version
        ):
            head.serving_version = spec.version
        self.session.flush()
        return row

    def get_version(self, tenant_id: str, pattern_id: str, version: int) -> PatternVersionRow | None:
        """Return one stored version."""
        return self.session.get(PatternVersionRow, (tenant_id, pattern_id, version))

    def count(self, tenant_id: str) -> int:
        """Return how many pattern versions the tenant has."""
        return len(
            self.session.scalars(
                select(PatternVersionRow.version).where(PatternVersionRow.tenant_id == tenant_id)
            ).all()
        )

    def serving(self, tenant_id: str) -> list[PatternSpec]:
        """Return the versions that may be served: approved, current, not suspended.

        Each carries its pattern's approved learned examples after its own (at most
        ``MAX_APPROVED_PER_PATTERN``); nothing else of the version changes.
        """
        rows = self.session.scalars(_serving(select(PatternVersionRow), tenant_id))
        learned = LearnedExampleRepository(self.session).approved_texts(tenant_id, MAX_APPROVED_PER_PATTERN)
        return [to_spec(r, learned.get(r.pattern_id, ())) for r in rows]

    def serving_titles(self, tenant_id: str) -> list[tuple[str, int, str, str, list[str]]]:
        """Return (id, version, title, owner, intents) of each version ``serving`` returns, by id: what a
        picker lists, without the versions' texts and examples."""
        V = PatternVersionRow
        found = self.session.execute(
            _serving(select(V.pattern_id, V.version, V.title, V.owner, V.intents), tenant_id)
        )
        return [
            (str(pid), int(version), str(title), str(owner), list(intents))
            for pid, version, title, owner, intents in found
        ]

    def stamp(self, tenant_id: str) -> int:
        """Return the tenant's library stamp (0 when never changed)."""
        row = self.session.get(LibraryStampRow, tenant_id)
        return row.stamp if row is not None else 0

    def recently_changed(self, limit: int) -> list[tuple[str, int]]:
        """Return (tenant, library stamp) of up to ``limit`` tenants whose library ever changed, the most
        recently changed first."""
        S = LibraryStampRow
        rows = self.session.execute(select(S.tenant_id, S.stamp).order_by(S.changed_at.desc()).limit(limit))
        return [(str(tenant), int(stamp)) for tenant, stamp in rows]

    def bump_stamp(self, tenant_id: str) -> int:
        """Record that what may be served changed; every process rebuilds on its next request."""
        mark_changed(self.session)
        row = self.session.get(LibraryStampRow, tenant_id)
        if row is None:
            self.session.add(LibraryStampRow(tenant_id=tenant_id, stamp=1, changed_at=utcnow()))
            self.session.flush()
            return 1
        self.session.execute(
            update(LibraryStampRow)
            .where(LibraryStampRow.tenant_id == tenant_id)
            .values(stamp=LibraryStampRow.stamp + 1, changed_at=utcnow())
        )
        self.session.flush()
        self.session.refresh(row)
        return row.stamp

    def stage_policy(self, tenant_id: str) -> StagePolicy:
        """Return the tenant's stage policy (which risk levels may be suggested)."""
        return PolicyRepository(self.session).get(tenant_id)

    def known_teams(self, tenant_id: str) -> frozenset[str]:
        """Return the tenant's registered team ids (empty when it registers none)."""
        return TenancyRepository(self.session).known_teams(tenant_id)

    def head(self, tenant_id: str, pattern_id: str) -> PatternHeadRow | None:
        """Return the head of a pattern (serving version, suspension, lock), if the pattern exists."""
        return self.session.get(PatternHeadRow, (tenant_id, pattern_id))

    def versions(self, tenant_id: str, pattern_id: str) -> list[PatternVersionRow]:
        """Return every version of a pattern, oldest first."""
        return list(
            self.session.scalars(
                select(PatternVersionRow)
                .where(PatternVersionRow.tenant_id == tenant_id, PatternVersionRow.pattern_id == pattern_id)
                .order_by(PatternVersionRow.version)
            )
        )

    def all_versions(self, tenant_id: str) -> list[PatternVersionRow]:
        """Return every version of every pattern of the tenant, by id then version."""
        return list(
            self.session.scalars(
                select(PatternVersionRow)
                .where(PatternVersionRow.tenant_id == tenant_id)
                .order_by(PatternVersionRow.pattern_id, PatternVersionRow.version)
            )
        )

    def open_drafts(self, tenant_id: str) -> list[tuple[str, str]]:
        """Return (pattern id, body) of the versions still on their way to review (draft or in review)."""
        V = PatternVersionRow
        return [
            (str(pattern_id), str(body))
            for pattern_id, body in self.session.execute(
                select(V.pattern_id, V.body)
                .where(
                    V.tenant_id == tenant_id,
                    V.status.in_([Status.draft.value, Status.in_review.value]),
                )
                .order_by(V.pattern_id, V.version)
            )
        ]

    def heads(self, tenant_id: str) -> list[PatternHeadRow]:
        """Return the heads of every pattern of the tenant, by id."""
        return list(
            self.session.scalars(
                select(PatternHeadRow)
                .where(PatternHeadRow.tenant_id == tenant_id)
                .order_by(PatternHeadRow.pattern_id)
            )
        )

    def claim(self, tenant_id: str, pattern_id: str, seen_lock: int) -> bool:
        """Advance the pattern's lock if it still equals ``seen_lock``; False when someone got there first."""
        result = self.session.execute(
            update(PatternHeadRow)
            .where(
                PatternHeadRow.tenant_id == tenant_id,
                PatternHeadRow.pattern_id == pattern_id,
                PatternHeadRow.lock_version == seen_lock,
            )
            .values(lock_version=PatternHeadRow.lock_version + 1)
            .execution_options(synchronize_session="fetch")
        )
        self.session.flush()
        return bool(getattr(result, "rowcount", 0) == 1)

    def set_status(
        self, row: PatternVersionRow, status: Status, *, approver: str | None = None
    ) -> PatternVersionRow:
        """Move one version to ``status`` (recording the approver when given)."""
        row.status = status.value
        if approver is not None:
            row.approver = approver
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def update_draft(self, row: PatternVersionRow, spec: PatternSpec) -> PatternVersionRow:
        """Replace a draft's content in place."""
        row.title = spec.title
        row.body = spec.body
        row.intents = spec.intents
        row.examples = spec.examples
        row.flows = [f.model_dump(mode="json") for f in spec.flows]
        row.collects = spec.collects
        row.eligibility = spec.eligibility.model_dump(mode="json")
        row.risk = spec.risk.value
        row.requires_review = spec.requires_review
        row.change_note = spec.change_note
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def set_serving(self, head: PatternHeadRow, version: int | None) -> None:
        """Make ``version`` the one that serves (None: nothing serves)."""
        head.serving_version = version
        self.session.flush()

    def set_suspended(self, head: PatternHeadRow, suspended: bool, reason: str | None) -> None:
        """Switch the kill switch of one pattern."""
        head.suspended = suspended
        head.suspend_reason = reason if suspended else None
        self.session.flush()

    def add_new_pattern(self, tenant_id: str, spec: PatternSpec) -> PatternVersionRow | None:
        """Insert version 1 of a new pattern; None when the id exists (also when a concurrent create won)."""
        if self.head(tenant_id, spec.id) is not None:
            return None
        try:
            with self.session.begin_nested():
                return self.add_version(tenant_id, spec)
        except IntegrityError:
            return None
