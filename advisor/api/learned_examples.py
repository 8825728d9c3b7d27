"""Learned examples: list candidates, review them in bulk, withdraw an approved one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from advisor.api.deps import LearnedRepoDep, PatternRepoDep, PrincipalDep, SessionDep
from advisor.learned import service
from advisor.learned.models import LearnedExampleOut, LearnedStatus, ReviewIn, ReviewOut, WithdrawIn
from advisor.store.audit import AuditLog

router = APIRouter(tags=["learned examples"])

PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Agents, and leads for another team's pattern"},
    404: {"description": "Unknown learned example (or another tenant's)"},
    409: {"description": "Not in a state that allows this, reviewed meanwhile, or too many approved"},
    422: {"description": "Invalid input (e.g. no id, too many ids, an id in both lists, a note too long)"},
}
EXAMPLE_OUT = {
    "id": 12,
    "pattern_id": "lost_package",
    "pattern_title": "Package not arrived — open a carrier trace",
    "pattern_version": 1,
    "text": "the courier says it was delivered to […] but nothing is here",
    "status": "pending",
    "decisions": 7,
    "agents": 4,
    "corrections": 2,
    "first_seen": "2026-11-20T09:12:00Z",
    "last_seen": "2026-11-28T16:40:00Z",
    "reviewed_by": None,
    "reviewed_at": None,
    "review_note": None,
}


async def learning(
    session: SessionDep, examples: LearnedRepoDep, patterns: PatternRepoDep
) -> service.Learning:
    """Return the repositories of a review, on the request's transaction."""
    return service.Learning(examples=examples, patterns=patterns, audit=AuditLog(session))


LearningDep = Annotated[service.Learning, Depends(learning)]


@router.get(
    "/v1/learned-examples",
    response_model=list[LearnedExampleOut],
    responses={**PROBLEMS, 200: {"content": {"application/json": {"example": [EXAMPLE_OUT]}}}},
)
def list_learned_examples(
    principal: PrincipalDep,
    repo: LearnedRepoDep,
    status: Annotated[LearnedStatus | None, Query(description="Only candidates in this status")] = None,
    pattern_id: Annotated[
        str | None, Query(min_length=1, max_length=128, description="Only this pattern's")
    ] = None,
    after_id: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="Page on: candidates after this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[LearnedExampleOut]:
    """List candidate examples gathered from agents' decisions, oldest first (page with `after_id`).

    Each is the customer's words (identifiers masked) on which agents accepted or lightly edited the
    pattern's suggestion, with how many decisions and how many distinct agents confirmed it. A lead
    sees their own team's patterns; an admin the whole tenant.
    """
    return service.list_examples(
        repo, principal, status=status, pattern_id=pattern_id, after_id=after_id, limit=limit
    )


@router.post(
    "/v1/learned-examples/review",
    response_model=ReviewOut,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {"approve": [12, 15], "reject": [13], "note": "Checked against the guideline"}
                }
            }
        }
    },
)
def review_learned_examples(body: ReviewIn, principal: PrincipalDep, gov: LearningDep) -> ReviewOut:
    """Approve and reject candidates in bulk (at most 100 ids); all or nothing, each change audited.

    Approved examples join their pattern's example utterances in the ranking index on the next request
    (every process rebuilds); the pattern's text, eligibility and version do not change. A rejected text
    never comes back as pending. Ids already in the asked state are listed in `unchanged`.
    """
    return service.review(gov, principal, body)


@router.post(
    "/v1/learned-examples/{example_id}/withdraw",
    response_model=ReviewOut,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {"content": {"application/json": {"example": {"note": "Pulled the wrong topic in"}}}}
    },
)
def withdraw_learned_example(
    example_id: Annotated[int, Path(ge=1, le=2**62)],
    principal: PrincipalDep,
    gov: LearningDep,
    body: WithdrawIn | None = None,
) -> ReviewOut:
    """Undo an approval: take the example out of the ranking index at once (audited).

    A withdrawn text does not come back as pending; a lead may approve it again with a review.
    """
    return service.withdraw(gov, principal, example_id, body.note if body is not None else None)
