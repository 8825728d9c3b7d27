"""Per-tenant stage policy: which risk levels the ranker may suggest."""

from __future__ import annotations

from sqlalchemy.orm import Session

from advisor.patterns.models import RiskLevel
from advisor.ranking.eligibility import StagePolicy
from advisor.store.tables.tenancy import TenantPolicyRow
from advisor.utc import utcnow


class PolicyRepository:
    """Reads and writes tenant policies; a tenant without a row has the Walk default."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: str) -> StagePolicy:
        """Return the tenant's policy (Walk default when never set)."""
        row = self.session.get(TenantPolicyRow, tenant_id)
        if row is None:
            return StagePolicy()
        return StagePolicy(
            allowed=frozenset(RiskLevel(r) for r in row.allowed_risks),
            high_with_review=row.high_with_review,
        )

    def put(self, tenant_id: str, policy: StagePolicy, actor: str) -> StagePolicy:
        """Store the tenant's policy and return it."""
        row = self.session.get(TenantPolicyRow, tenant_id)
        allowed = sorted(r.value for r in policy.allowed)
        if row is None:
            row = TenantPolicyRow(tenant_id=tenant_id)
            self.session.add(row)
        row.allowed_risks = allowed
        row.high_with_review = policy.high_with_review
        row.updated_at = utcnow()
        row.updated_by = actor
        self.session.flush()
        return policy
