"""Proposed versions: edits several agents made the same way, and turning one into a draft."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from advisor.api.deps import DecisionLogDep, PrincipalDep
from advisor.api.patterns import GovernanceDep, etag
from advisor.learned import proposals
from advisor.learned.models import NewPatternDraftIn, NewPatternProposalOut, ProposalDraftIn, ProposalOut
from advisor.patterns.schemas import ChangeOut

router = APIRouter(tags=["learned examples"])

ProposalIdPath = Annotated[str, Path(min_length=20, max_length=20, pattern=r"^[0-9a-f]{20}$")]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Agents; leads for another team's pattern"},
    404: {"description": "No such current proposal (its version or evidence changed, or another tenant's)"},
    409: {"description": "An open draft, a pattern id already taken, or `expected_lock_version` is stale"},
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
    the pattern's, and never count. A pattern with an open draft lists none (it takes one open draft at a
    time). A lead sees their team's patterns, an admin the whole tenant's.
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


NEW_EXAMPLE_OUT = {
    "id": "9a41c07be2d35f6e1180",
    "title": "Our Paris store opens at 9 am on Sundays, and until 6 pm.",
    "body": "Our Paris store opens at 9 am on Sundays, and until 6 pm.",
    "examples": ["is the paris shop open on sunday", "what time does your store in Paris open sundays"],
    "replies": 5,
    "agents": 3,
    "support": 5,
    "teams": ["team-a"],
    "sample_replies": ["The Paris store is open 9 am to 6 pm on Sundays."],
    "last_at": "2026-11-28T16:40:00Z",
}


@router.get(
    "/v1/pattern-proposals/new-patterns",
    response_model=list[NewPatternProposalOut],
    responses={**PROBLEMS, 200: {"content": {"application/json": {"example": [NEW_EXAMPLE_OUT]}}}},
)
def list_new_pattern_proposals(
    principal: PrincipalDep, gov: GovernanceDep, log: DecisionLogDep
) -> list[NewPatternProposalOut]:
    """List new patterns proposed from replies agents wrote alike when advisor escalated (`POST /v1/replies`).

    Replies are grouped by wording; a group counts when at least 3 replies by at least 2 agents are in
    it (each agent counting for at most 3) and no serving pattern or open draft already says it (a group
    taken up is under review). A lead sees replies
    of their own team's agents, an admin the whole tenant's.
    """
    return proposals.list_new_patterns(gov, log, principal)


@router.post(
    "/v1/pattern-proposals/new-patterns/{proposal_id}/draft",
    response_model=ChangeOut,
    status_code=201,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"example": {"id": "store_hours_paris", "note": "ok"}}}
        }
    },
)
def draft_new_pattern(
    proposal_id: ProposalIdPath,
    body: NewPatternDraftIn,
    principal: PrincipalDep,
    gov: GovernanceDep,
    log: DecisionLogDep,
    response: Response,
) -> ChangeOut:
    """Create the proposed pattern as draft version 1 with the given id: the typical reply as its body,
    the customers' masked words as its examples, risk medium. It goes through review like any other."""
    change = proposals.draft_new_pattern(gov, log, principal, proposal_id, body)
    etag(response, change)
    return change
