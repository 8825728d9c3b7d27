"""The tenant's stage policy: which risk levels may be suggested."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from advisor.api.deps import PrincipalDep, SessionDep
from advisor.store.audit import AuditLog
from advisor.store.patterns import PatternRepository
from advisor.store.policy import PolicyRepository
from advisor.tenancy.policy import PolicyIn, PolicyOut, get_policy, put_policy

router = APIRouter(tags=["policy"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Agents may not read it; only admins change it"},
}


@router.get("/v1/policy", response_model=PolicyOut, responses=PROBLEMS)
def read_policy(principal: PrincipalDep, session: SessionDep) -> PolicyOut:
    """Return the risk levels this tenant may be suggested (Walk default: low, medium; high with review)."""
    return get_policy(PolicyRepository(session), principal)


@router.put(
    "/v1/policy",
    response_model=PolicyOut,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"example": {"allowed_risks": ["low"], "high_with_review": False}}
            }
        }
    },
)
def replace_policy(body: PolicyIn, principal: PrincipalDep, session: SessionDep) -> PolicyOut:
    """Replace the policy (admins); every process applies it from its next request, and it is audited."""
    return put_policy(
        PolicyRepository(session), PatternRepository(session), AuditLog(session), principal, body
    )
