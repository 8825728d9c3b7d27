"""POST /v1/feedback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from fastapi import APIRouter, Request, Response

from advisor.api.deps import PrincipalDep
from advisor.errors import NotFound
from advisor.feedback.models import FeedbackAck, FeedbackIn
from advisor.feedback.service import Sent, record, record_many
from advisor.store import Session, sessionmaker
from advisor.store.decisions import DecisionLog
from advisor.store.groupcommit import GroupCommitter
from advisor.store.learned import LearnedExampleRepository
from advisor.store.webhooks import WebhookRepository
from advisor.store.writer import DecisionWriter
from advisor.telemetry.prometheus import Telemetry

T = TypeVar("T")
FeedbackWriter = GroupCommitter[Sent, FeedbackAck]
"""Feedback events group-committed: each is acknowledged once the transaction holding it committed."""


def _batch(session: Session, sent: Sequence[Sent]) -> list[FeedbackAck | BaseException]:
    # webhook outbox and learned-example counts in the same transaction as the events
    log, learned, webhooks = (
        DecisionLog(session),
        LearnedExampleRepository(session),
        WebhookRepository(session),
    )
    outcomes: list[FeedbackAck | BaseException] = []
    outcomes.extend(record_many(sent, log, learned, webhooks))
    return outcomes


def _single(session: Session, sent: Sent) -> FeedbackAck:
    event, principal = sent
    return record(
        event, principal, DecisionLog(session), LearnedExampleRepository(session), WebhookRepository(session)
    )


def feedback_writer(factory: sessionmaker[Session]) -> FeedbackWriter:
    """Start the process's feedback writer (the lifespan closes it after the last request)."""
    return GroupCommitter(factory, _batch, _single, name="advisor-feedback-writer")


async def once_served(request: Request, row_id: str, field: str, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run ``attempt`` on a request or suggestion served moments ago, which may still be in the decision
    writer's batch: this process's (wait until it is written, however slow the machine) or another's
    (look again while ``attempt`` raises NotFound on ``field``, until that batch must have been written)."""
    writer: DecisionWriter = request.state.writer
    waited = time.monotonic() + PENDING_WAIT_S
    while writer.pending(row_id) and time.monotonic() < waited:
        await asyncio.sleep(min(writer.flush_s, 0.01) or 0.001)
    deadline = time.monotonic() + 2 * writer.flush_s + LOOK_AGAIN_S
    while True:
        try:
            return await attempt()
        except NotFound as exc:
            if exc.extra.get("field") != field or time.monotonic() >= deadline:
                raise
            await asyncio.sleep(max(writer.flush_s, 0.01))


router = APIRouter(tags=["feedback"])
# Beyond two batch windows, how long a suggestion not found yet may still be in another process's batch.
LOOK_AGAIN_S = 2.0
# How long feedback waits for this process's own writer to write a suggestion it served (the store is slow).
PENDING_WAIT_S = 30.0


@router.post(
    "/v1/feedback",
    response_model=FeedbackAck,
    status_code=201,
    responses={200: {"model": FeedbackAck, "description": "A resend of an event already stored"}},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "recommendation_id": "5b0d7c1e-8a53-4c8e-9a51-0f0a3c1e2b7d",
                        "client_event_id": "desk-7f3a-0001",
                        "action": "edited",
                        "final_text": "Hi Dana, your order A1001 is on its way with UPS.",
                        "time_to_decision_ms": 5400,
                    }
                }
            }
        }
    },
)
async def create_feedback(body: FeedbackIn, principal: PrincipalDep, request: Request) -> Response:
    """Record what the agent did with a suggestion: shown, accepted, edited (with the text sent) or rejected.

    Idempotent on `client_event_id`: a resend is acknowledged with `duplicate: true` (HTTP 200) and is
    not stored twice. An unknown `recommendation_id` is a 404, after up to about two seconds in which
    advisor makes sure it is not a suggestion served moments ago by another process. An acceptance or
    a light edit makes the customer's (masked) words a candidate example of the pattern for a team lead
    to review; so does a rejection that names the approved pattern the agent sent instead
    (`used_pattern_id`: a correction, the case the ranking learns most from). A 201 or 200 is sent only
    once the event is durably stored.
    """

    events: FeedbackWriter = request.state.feedback
    # Group commit: answered once the batch holding this event has committed.
    ack = await once_served(
        request, body.recommendation_id, "recommendation_id", lambda: events.submit((body, principal))
    )
    if not ack.duplicate:
        telemetry: Telemetry = request.app.state.telemetry
        telemetry.feedback.labels(ack.action.value).inc()
    # The acknowledgement is encoded here, with no response or telemetry dependency: on this route each
    # dependency FastAPI solves and its response validation cost more than the work (6 % and 2.5 % of the
    # route's instructions).
    return Response(ack.model_dump_json(), 200 if ack.duplicate else 201, media_type="application/json")
