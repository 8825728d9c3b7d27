"""Record feedback idempotently and only for suggestions the caller may act on."""

from __future__ import annotations

from collections.abc import Sequence

from advisor.context.redaction import redact
from advisor.errors import AdvisorError, Conflict, NotFound
from advisor.feedback.models import Action, FeedbackAck, FeedbackIn
from advisor.learned.capture import confirms
from advisor.learned.service import capture
from advisor.store.decisions import DecisionLog
from advisor.store.learned import LearnedExampleRepository
from advisor.store.tables.decisions import FeedbackEventRow, RecommendationRow
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.models import Principal
from advisor.tenancy.rights import acting_as
from advisor.utc import utcnow
from advisor.webhooks.models import EventType
from advisor.webhooks.service import publish_feedback


def _same(stored: FeedbackEventRow, event: FeedbackIn) -> bool:
    """Return whether a resend carries the stored event; the store may hold its text redacted."""
    sent = event.final_text
    return (stored.recommendation_id, stored.action, stored.reason) == (
        event.recommendation_id,
        event.action.value,
        event.reason.value if event.reason else None,
    ) and stored.final_text in (sent, redact(sent) if sent else sent)


def _ack(stored: FeedbackEventRow, event: FeedbackIn, created: bool) -> FeedbackAck:
    if not created and not _same(stored, event):
        raise Conflict(
            f"client_event_id '{event.client_event_id}' was already used for a different event",
            field="client_event_id",
        )
    return FeedbackAck(
        event_id=stored.id,
        recommendation_id=stored.recommendation_id,
        client_event_id=stored.client_event_id,
        action=Action(stored.action),
        duplicate=not created,
    )


def _missing(event: FeedbackIn) -> NotFound:
    return NotFound(f"recommendation '{event.recommendation_id}' does not exist", field="recommendation_id")


def _row(event: FeedbackIn, rec: RecommendationRow) -> FeedbackEventRow:
    return FeedbackEventRow.on(
        rec,
        client_event_id=event.client_event_id,
        action=event.action.value,
        final_text=event.final_text,
        reason=event.reason.value if event.reason else None,
        comment=event.comment,
        time_to_decision_ms=event.time_to_decision_ms,
        occurred_at=event.occurred_at or utcnow(),
    )


def record(
    event: FeedbackIn,
    principal: Principal,
    log: DecisionLog,
    learned: LearnedExampleRepository,
    webhooks: WebhookRepository,
) -> FeedbackAck:
    """Store one event; a resend with the same client event id is acknowledged, not stored twice.

    A newly stored event is also published to ``feedback.recorded`` subscribers (the webhook outbox),
    and an acceptance or light edit counts towards a candidate learned example, all in the same
    transaction (so a resend, which stores nothing, publishes and counts nothing).
    """
    stored = log.find_feedback(principal.tenant_id, event.client_event_id)
    if stored is not None:
        return _ack(stored, event, created=False)
    rec = log.get_recommendation(principal.tenant_id, event.recommendation_id)
    if rec is None:
        raise _missing(event)
    acting_as(principal, rec.agent_id, rec.team_id)  # feedback only on suggestions made to oneself
    row, created = log.add_feedback(_row(event, rec))
    if created:
        capture(learned, log, row, rec)
        publish_feedback(webhooks, principal.tenant_id, row.id)
    else:  # a resend racing in another process stored it first: acknowledged like any resend
        return FeedbackAck(
            event_id=row.id,
            recommendation_id=row.recommendation_id,
            client_event_id=row.client_event_id,
            action=Action(row.action),
            duplicate=True,
        )
    return _ack(row, event, created=True)


Sent = tuple[FeedbackIn, Principal]
"""One feedback event and who sent it."""


def record_many(
    sent: Sequence[Sent],
    log: DecisionLog,
    learned: LearnedExampleRepository,
    webhooks: WebhookRepository,
) -> list[FeedbackAck | AdvisorError]:
    """Store a batch of events in the caller's transaction; return one acknowledgement or refusal each.

    Each event gets the answer ``record`` would give it if the batch's events were recorded one after
    another in their order: a resend of an event stored before or earlier in the batch is a duplicate
    (or a conflict, for other content); an unknown or foreign suggestion is refused for that event alone.
    The new events are inserted together; learned-example counts and the webhook outbox follow per
    event, in order. Raises (and leaves the transaction to roll back) only on a store error, e.g. an
    event stored meanwhile by another process: the caller then records the events one by one.
    """
    by_tenant: dict[str, list[int]] = {}
    for i, (_, principal) in enumerate(sent):
        by_tenant.setdefault(principal.tenant_id, []).append(i)
    outcomes: dict[int, FeedbackAck | AdvisorError] = {}
    for mine in by_tenant.values():
        answers = _record_tenant([sent[i] for i in mine], log, learned, webhooks)
        outcomes.update(zip(mine, answers, strict=True))
    return [outcomes[i] for i in range(len(sent))]


def _record_tenant(
    sent: Sequence[Sent],
    log: DecisionLog,
    learned: LearnedExampleRepository,
    webhooks: WebhookRepository,
) -> list[FeedbackAck | AdvisorError]:
    tenant = sent[0][1].tenant_id
    stored = log.find_feedback_many(tenant, {event.client_event_id for event, _ in sent})
    recs = log.get_recommendations(tenant, {event.recommendation_id for event, _ in sent})
    plan: list[tuple[FeedbackEventRow, bool] | AdvisorError] = []
    new: list[tuple[FeedbackEventRow, RecommendationRow]] = []
    for event, principal in sent:
        known = stored.get(event.client_event_id)
        if known is not None:  # stored before, or earlier in this batch
            plan.append((known, False))
            continue
        rec = recs.get(event.recommendation_id)
        try:
            if rec is None:
                raise _missing(event)
            acting_as(principal, rec.agent_id, rec.team_id)
        except AdvisorError as exc:
            plan.append(exc)
            continue
        row = stored[event.client_event_id] = _row(event, rec)
        plan.append((row, True))
        new.append((row, rec))
    # Every new event's suggestion is looked up: whether an event confirms is decided on its stored
    # (redacted) text, which is known only after the insert.
    confirmed = log.confirmed(tenant, {rec.id: rec.text for _, rec in new}, confirms)
    log.add_feedback_many([row for row, _ in new])
    subscribed = bool(new) and webhooks.has_subscribers(tenant, EventType.feedback_recorded.value)
    for row, rec in new:
        # One suggestion is one decision: confirmed before, or by an event earlier in this batch.
        capture(learned, log, row, rec, confirmed_before=rec.id in confirmed)
        if confirms(row.action, rec.text, row.final_text):
            confirmed.add(rec.id)
        if subscribed:
            publish_feedback(webhooks, tenant, row.id)
    outcomes: list[FeedbackAck | AdvisorError] = []
    for (event, _), step in zip(sent, plan, strict=True):
        if isinstance(step, AdvisorError):
            outcomes.append(step)
            continue
        try:
            outcomes.append(_ack(step[0], event, created=step[1]))
        except AdvisorError as exc:
            outcomes.append(exc)
    return outcomes
