"""POST /v1/erasures: delete one customer's interactions (admins only, audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from advisor.api.deps import PrincipalDep, SessionDep
from advisor.privacy.service import ErasureIn, ErasureOut, erase

router = APIRouter(tags=["privacy"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Only admins erase customer data"},
    422: {"description": "Invalid body"},
}


@router.post("/v1/erasures", response_model=ErasureOut, responses=PROBLEMS)
def create_erasure(body: ErasureIn, principal: PrincipalDep, session: SessionDep) -> ErasureOut:
    """Erase a customer: delete every suggestion, decision, learned example and pending webhook of the
    given interactions (admins only).

    Metric roll-ups keep their counts under a pseudonym, so reports stay correct; the audit log records
    who erased how many records and why, naming the interactions by pseudonym only. Another tenant's
    interaction ids erase nothing.
    """
    return erase(session, principal, body)
