"""POST /v1/replies: what an agent wrote themselves when advisor escalated."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from advisor.api.deps import PrincipalDep, in_transaction
from advisor.api.feedback import once_served
from advisor.feedback.models import ReplyAck, ReplyIn
from advisor.feedback.replies import record_reply
from advisor.store.decisions import DecisionLog

router = APIRouter(tags=["feedback"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    200: {"model": ReplyAck, "description": "A resend of a reply already stored"},
    401: {"description": "No or unknown API key"},
    403: {"description": "The request was served to someone else (or to another team)"},
    404: {"description": "Unknown request (or another tenant's)"},
    409: {"description": "The request returned suggestions, or the event id was used for another reply"},
    422: {"description": "Invalid input (no text, a text too long, an unknown field)"},
}


@router.post(
    "/v1/replies",
    response_model=ReplyAck,
    status_code=201,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "request_id": "0b6f2f1e-3c1a-4f57-9d6e-2f7a1c9e4b10",
                        "client_event_id": "desk-7f3a-0002",
                        "text": "Our Paris store opens at 9 am on Sundays, and until 6 pm.",
                    }
                }
            }
        }
    },
)
async def create_reply(body: ReplyIn, principal: PrincipalDep, request: Request) -> Response:
    """Record the reply an agent wrote themselves on a request advisor escalated (nothing fitted).

    Replies that several agents write alike on similar requests are proposed as new patterns
    (`GET /v1/pattern-proposals/new-patterns`). Only a request that escalated takes a reply, from the
    person it was served to; idempotent on `client_event_id` (a resend is a 200 with `duplicate: true`).
    The text is redacted on write and scrubbed after the retention period.
    """
    ack = await once_served(
        request,
        body.request_id,
        "request_id",
        lambda: in_transaction(request, lambda session: record_reply(DecisionLog(session), principal, body)),
    )
    return Response(ack.model_dump_json(), 200 if ack.duplicate else 201, media_type="application/json")
