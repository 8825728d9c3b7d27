"""Record feedback idempotently and only for suggestions the caller may act on."""

from __future__ import annotations

from advisor.errors import Conflict, NotFound
from advisor.feedback.models import Action, FeedbackAck, FeedbackIn
from advisor.learned.service import capture
from advisor.store.decisions import DecisionLog
from advisor.store.learned import LearnedExampleRepository
from advisor.store.tables.decisions import FeedbackEventRow
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.models import Principal
from advisor.tenancy.rights import acting_as
from advisor.utc import utcnow
from advisor.webhooks.service import publish_feedback


def _same(stored: FeedbackEventRow, event: FeedbackIn) -> bool:
    return (stored.recommendation_id, stored.action, stored.final_text, stored.reason) == (
        event.recommendation_id,
        event.action.value,
        event.final_text,
        event.reason.value if event.reason else None,
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
        if not _same(stored, event):
            raise Conflict(
                f"client_event_id '{event.client_event_id}' was already used for a different event",
                field="client_event_id",
            )
        return FeedbackAck(
            event_id=stored.id,
            recommendation_id=stored.recommendation_id,
            client_event_id=stored.client_event_id,
            action=Action(stored.action),
            duplicate=True,
        )
    rec = log.get_recommendation(principal.tenant_id, event.recommendation_id)
    if rec is None:
        raise NotFound(
            f"recommendation '{event.recommendation_id}' does not exist", field="recommendation_id"
        )
    acting_as(principal, rec.agent_id, rec.team_id)  # feedback only on suggestions made to oneself
    row, created = log.add_feedback(
        FeedbackEventRow(
            tenant_id=principal.tenant_id,
            client_event_id=event.client_event_id,
            recommendation_id=rec.id,
            interaction_id=rec.interaction_id,
            agent_id=rec.agent_id,
            team_id=rec.team_id,
            channel=rec.channel,
            pattern_id=rec.pattern_id,
            pattern_version=rec.pattern_version,
            intent=rec.intent,
            action=event.action.value,
            final_text=event.final_text,
            reason=event.reason.value if event.reason else None,
            comment=event.comment,
            time_to_decision_ms=event.time_to_decision_ms,
            occurred_at=event.occurred_at or utcnow(),
        )
    )
    if created:
        capture(learned, log, row, rec)
        publish_feedback(webhooks, principal.tenant_id, row.id)
    return FeedbackAck(
        event_id=row.id,
        recommendation_id=rec.id,
        client_event_id=row.client_event_id,
        action=Action(row.action),
        duplicate=not created,
    )
