"""The tenant's stage policy: which risk levels may be suggested; admins change it, audited."""

from __future__ import annotations

from advisor.patterns.models import RiskLevel
from advisor.ranking.eligibility import StagePolicy
from advisor.store.audit import AuditLog
from advisor.store.patterns import PatternRepository
from advisor.store.policy import PolicyRepository
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.keys import require_admin
from advisor.tenancy.models import ApiRole, Principal
from advisor.tenancy.schemas import PolicyIn, PolicyOut

__all__ = ["PolicyIn", "PolicyOut", "get_policy", "put_policy"]


def _out(policy: StagePolicy, audit: list[AuditRecord] | None = None) -> PolicyOut:
    return PolicyOut(
        allowed_risks=sorted(policy.allowed, key=list(RiskLevel).index),
        high_with_review=policy.high_with_review,
        audit=audit or [],
    )


def get_policy(repo: PolicyRepository, principal: Principal) -> PolicyOut:
    """Return the tenant's policy (leads and admins)."""
    if principal.role not in (ApiRole.lead, ApiRole.admin):
        require_admin(principal)
    return _out(repo.get(principal.tenant_id))


def put_policy(
    repo: PolicyRepository, patterns: PatternRepository, audit: AuditLog, principal: Principal, body: PolicyIn
) -> PolicyOut:
    """Replace the tenant's policy; every process applies it on its next request."""
    require_admin(principal)
    before = _out(repo.get(principal.tenant_id)).model_dump(mode="json", exclude={"audit", "updated_at"})
    policy = StagePolicy(allowed=frozenset(body.allowed_risks), high_with_review=body.high_with_review)
    repo.put(principal.tenant_id, policy, principal.actor)
    patterns.bump_stamp(principal.tenant_id)
    after = _out(policy).model_dump(mode="json", exclude={"audit", "updated_at"})
    entry = audit.append(
        principal.tenant_id,
        principal.actor,
        "policy.update",
        "policy",
        principal.tenant_id,
        before=before,
        after=after,
    )
    return _out(policy, [entry])
