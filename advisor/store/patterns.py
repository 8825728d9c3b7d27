"""Pattern versions, which version serves, and the library stamp that tells processes to rebuild."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from advisor.patterns.models import Eligibility, PatternSpec, Status
from advisor.store.tables import LibraryStamp, PatternHead, PatternVersion, utcnow


def to_spec(row: PatternVersion) -> PatternSpec:
    """Convert a stored row to a PatternSpec."""
    return PatternSpec(
        id=row.pattern_id,
        version=row.version,
        title=row.title,
        body=row.body,
        intents=row.intents,
        examples=row.examples,
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

    def add_version(self, tenant_id: str, spec: PatternSpec) -> PatternVersion:
        """Insert a version (and its head when new); make it serve if it is approved."""
        row = PatternVersion(
            tenant_id=tenant_id,
            pattern_id=spec.id,
            version=spec.version,
            status=spec.status.value,
            title=spec.title,
            body=spec.body,
            intents=spec.intents,
            examples=spec.examples,
            eligibility=spec.eligibility.model_dump(mode="json"),
            risk=spec.risk.value,
            requires_review=spec.requires_review,
            owner=spec.owner,
            author=spec.author,
            approver=spec.approver,
            change_note=spec.change_note,
        )
        self.session.add(row)
        head = self.session.get(PatternHead, (tenant_id, spec.id))
        if head is None:
            head = PatternHead(
                tenant_id=tenant_id, pattern_id=spec.id, serving_version=None, suspended=False, lock_version=1
            )
            self.session.add(head)
        if spec.status is Status.approved and (
            head.serving_version is None or spec.version > head.serving_version
        ):
            head.serving_version = spec.version
        self.session.flush()
        return row

    def get_version(self, tenant_id: str, pattern_id: str, version: int) -> PatternVersion | None:
        """Return one stored version."""
        return self.session.get(PatternVersion, (tenant_id, pattern_id, version))

    def count(self, tenant_id: str) -> int:
        """Return how many pattern versions the tenant has."""
        return len(
            self.session.scalars(
                select(PatternVersion.version).where(PatternVersion.tenant_id == tenant_id)
            ).all()
        )

    def serving(self, tenant_id: str) -> list[PatternSpec]:
        """Return the versions that may be served: approved, current, not suspended."""
        rows = self.session.scalars(
            select(PatternVersion)
            .join(
                PatternHead,
                (PatternHead.tenant_id == PatternVersion.tenant_id)
                & (PatternHead.pattern_id == PatternVersion.pattern_id)
                & (PatternHead.serving_version == PatternVersion.version),
            )
            .where(
                PatternVersion.tenant_id == tenant_id,
                PatternVersion.status == Status.approved.value,
                PatternHead.suspended.is_(False),
            )
            .order_by(PatternVersion.pattern_id)
        )
        return [to_spec(r) for r in rows]

    def stamp(self, tenant_id: str) -> int:
        """Return the tenant's library stamp (0 when never changed)."""
        row = self.session.get(LibraryStamp, tenant_id)
        return row.stamp if row is not None else 0

    def bump_stamp(self, tenant_id: str) -> int:
        """Record that what may be served changed; every process rebuilds on its next request."""
        row = self.session.get(LibraryStamp, tenant_id)
        if row is None:
            self.session.add(LibraryStamp(tenant_id=tenant_id, stamp=1, changed_at=utcnow()))
            self.session.flush()
            return 1
        self.session.execute(
            update(LibraryStamp)
            .where(LibraryStamp.tenant_id == tenant_id)
            .values(stamp=LibraryStamp.stamp + 1, changed_at=utcnow())
        )
        self.session.flush()
        self.session.refresh(row)
        return row.stamp
