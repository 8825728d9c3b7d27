"""Proposed versions: edits several agents made the same way, and turning one into a draft."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from advisor.api.deps import DecisionLogDep, PrincipalDep
from advisor.api.patterns import GovernanceDep, etag
from advisor.learned import proposals
from advisor.learned.models import ProposalDraftIn, ProposalOut
from advisor.patterns.schemas import ChangeOut

router = APIRouter(tags=["learned examples"])

ProposalIdPath = Annotated[str, Path(min_length=20, max_length=20, pattern=r"^[0-9a-f]{20}$")]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Agents; leads for another team's pattern"},
    404: {"description": "No such current proposal (its version or evidence changed, or another tenant's)"},
    409: {"description": "The pattern already has an open draft, or `expected_lock_version` is stale"},
    422: {"description": "Invalid input (a malformed id, a note too long, an unknown field)"},
}
EXAMPLE_OUT = {
    "id": "3f9c2a7d1e04b6c58a91",
    "pattern_id": "lost_package",
    "pattern_version": 1,
    "pattern_title": "Package not arrived — open a carrier trace",
    "owner": "team-a",
    "removed": "48",
    "added": "24",
    "body": "I've opened a trace with {order.carrier} and will update you within 48 hours.",
    "proposed_body": "I've opened a trace with {order.carrier} and will update you within 24 hours.",
    "decisions": 9,
    "agents": 4,
    "support": 8,
    "version_edits": 14,
    "examples": ["I've opened a trace with UPS and will update you within 24 hours."],
    "last_at": "2026-11-28T16:40:00Z",
}


@router.get(
    "/v1/pattern-proposals",
    response_model=list[ProposalOut],
    responses={**PROBLEMS, 200: {"content": {"application/json": {"example": [EXAMPLE_OUT]}}}},
)
def list_pattern_proposals(
    principal: PrincipalDep, gov: GovernanceDep, log: DecisionLogDep
) -> list[ProposalOut]:
    """List changes that several agents made the same way to a serving version's suggestion.

    A change counts when at least 3 edit decisions by at least 2 agents carry it (each agent counting
    for at most 3); changes inside a slot's value (a name, an order number) are the customer's, not
    the pattern's, and never count. A lead sees their team's patterns, an admin the whole tenant's.
    """
    return proposals.list_proposals(gov, log, principal)


@router.post(
    "/v1/pattern-proposals/{proposal_id}/draft",
    response_model=ChangeOut,
    status_code=201,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {"content": {"application/json": {"example": {"note": "Agents promise 24 hours now"}}}}
    },
)
def draft_from_proposal(
    proposal_id: ProposalIdPath,
    principal: PrincipalDep,
    gov: GovernanceDep,
    log: DecisionLogDep,
    response: Response,
    body: ProposalDraftIn | None = None,
) -> ChangeOut:
    """Create a draft version that carries the proposal's change, its evidence in the change note.

    The draft goes through review like any other: another lead or an admin approves it (four eyes).
    """
    change = proposals.draft(gov, log, principal, proposal_id, body or ProposalDraftIn())
    etag(response, change)
    return change
