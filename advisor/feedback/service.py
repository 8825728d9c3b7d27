"""Record feedback idempotently and only for suggestions the caller may act on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from advisor.context.redaction import redact
from advisor.errors import AdvisorError, Conflict, InvalidInput, NotFound
from advisor.feedback.models import Action, FeedbackAck, FeedbackIn
from advisor.learned.capture import confirms
from advisor.learned.service import capture
from advisor.store.decisions import CONFIRMING, DecisionLog
from advisor.store.learned import LearnedExampleRepository
from advisor.store.patterns import PatternRepository
from advisor.store.tables.decisions import FeedbackEventRow, RecommendationRow, event_columns
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.models import Principal
from advisor.tenancy.rights import acting_as
from advisor.utc import utcnow
from advisor.webhooks.models import EventType
from advisor.webhooks.service import publish_feedback


def _same(stored: FeedbackEventRow, event: FeedbackIn) -> bool:
    """Return whether a resend carries the stored event; the store may hold its text redacted."""
    sent = event.final_text
    return (stored.recommendation_id, stored.action, stored.reason, stored.used_pattern_id) == (
        event.recommendation_id,
        event.action.value,
        event.reason.value if event.reason else None,
        event.used_pattern_id,
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


def _used_version(event: FeedbackIn, rec: RecommendationRow, learned: LearnedExampleRepository) -> int | None:
    """Return the version now served of the pattern a rejection says the agent sent instead (None: no such
    correction, or the pattern is not served now: the rejection is kept and teaches nothing). Refuse a
    pattern the tenant's library never had, and the suggestion's own."""
    used = event.used_pattern_id
    if used is None:
        return None
    if used == rec.pattern_id:
        raise InvalidInput(
            "used_pattern_id names the suggested pattern itself: send 'accepted' or 'edited' instead",
            field="used_pattern_id",
        )
    head = PatternRepository(learned.session).head(rec.tenant_id, used)
    if head is None:
        raise NotFound(f"pattern '{used}' is not in this library", field="used_pattern_id")
    return None if head.suspended else head.serving_version


def _teaches(action: str, used_pattern_id: str | None) -> bool:
    """Return whether an event may make a learned decision: an accept, an edit, or a correction."""
    return action in CONFIRMING or used_pattern_id is not None


def _columns(event: FeedbackIn, rec: RecommendationRow) -> dict[str, Any]:
    return event_columns(
        rec,
        client_event_id=event.client_event_id,
        action=event.action.value,
        final_text=event.final_text,
        reason=event.reason.value if event.reason else None,
        comment=event.comment,
        used_pattern_id=event.used_pattern_id,
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
    and an acceptance, a light edit or a correction (``used_pattern_id``) counts towards a candidate
    learned example, all in the same transaction (so a resend, which stores nothing, publishes and counts
    nothing).
    """
    stored = log.find_feedback(principal.tenant_id, event.client_event_id)
    if stored is not None:
        return _ack(stored, event, created=False)
    rec = log.get_recommendation(principal.tenant_id, event.recommendation_id)
    if rec is None:
        raise _missing(event)
    acting_as(principal, rec.agent_id, rec.team_id)  # feedback only on suggestions made to oneself
    used_version = _used_version(event, rec, learned)
    teaches = _teaches(event.action.value, event.used_pattern_id)
    # What stored events decided is read before this one is stored.
    decided = log.decided(principal.tenant_id, {rec.request_id} if teaches else set(), confirms)
    row, created = log.add_feedback(FeedbackEventRow(**_columns(event, rec)))
    if created:
        if teaches:
            capture(learned, log, row, rec, decided, used_version)
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
    # Each event's step: a refusal, an event stored before, or (index in `new`, created): a new event, or
    # a resend of one earlier in this batch.
    plan: list[AdvisorError | FeedbackEventRow | tuple[int, bool]] = []
    new: list[tuple[dict[str, Any], RecommendationRow]] = []
    used_versions: dict[int, int | None] = {}  # index in `new` → version served of the pattern sent instead
    first: dict[str, int] = {}
    for event, principal in sent:
        known = stored.get(event.client_event_id)
        if known is not None:
            plan.append(known)
            continue
        if event.client_event_id in first:
            plan.append((first[event.client_event_id], False))
            continue
        rec = recs.get(event.recommendation_id)
        try:
            if rec is None:
                raise _missing(event)
            acting_as(principal, rec.agent_id, rec.team_id)
            used_version = _used_version(event, rec, learned)
        except AdvisorError as exc:
            plan.append(exc)
            continue
        if event.used_pattern_id is not None:
            used_versions[len(new)] = used_version
        first[event.client_event_id] = len(new)
        plan.append((len(new), True))
        new.append((_columns(event, rec), rec))
    # The requests whose learned decisions a new event may make (an accept, an edit, a correction); what
    # events stored before decided is read before the insert, what this batch decides is added in order.
    teaching = {
        i for i, (values, _) in enumerate(new) if _teaches(values["action"], values["used_pattern_id"])
    }
    decided = log.decided(tenant, {new[i][1].request_id for i in teaching}, confirms)
    ids = log.add_feedback_many([values for values, _ in new])
    subscribed = bool(new) and webhooks.has_subscribers(tenant, EventType.feedback_recorded.value)
    for index, ((values, rec), event_id) in enumerate(zip(new, ids, strict=True)):
        if index in teaching:  # an ORM row is built for these alone
            row = FeedbackEventRow(id=event_id, **values)
            capture(learned, log, row, rec, decided, used_versions.get(index))
        if subscribed:
            publish_feedback(webhooks, tenant, event_id)
    outcomes: list[FeedbackAck | AdvisorError] = []
    for (event, _), step in zip(sent, plan, strict=True):
        if isinstance(step, AdvisorError):
            outcomes.append(step)
            continue
        if isinstance(step, tuple):
            index, created = step
            if created:
                outcomes.append(
                    FeedbackAck(
                        event_id=ids[index],
                        recommendation_id=event.recommendation_id,
                        client_event_id=event.client_event_id,
                        action=event.action,
                        duplicate=False,
                    )
                )
                continue
            step = FeedbackEventRow(id=ids[index], **new[index][0])  # as stored by this batch
        try:
            outcomes.append(_ack(step, event, created=False))
        except AdvisorError as exc:
            outcomes.append(exc)
    return outcomes
