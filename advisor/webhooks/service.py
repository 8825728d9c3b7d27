"""Use cases: manage subscriptions, and publish events into the outbox in the caller's transaction."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from advisor.errors import InvalidInput, NotFound
from advisor.store.tables.decisions import FeedbackEventRow
from advisor.store.tables.webhooks import WebhookSubscriptionRow
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.models import Principal
from advisor.utc import utcnow
from advisor.webhooks.models import (
    EventType,
    WebhookCreate,
    WebhookCreated,
    WebhookEvent,
    WebhookList,
    WebhookPublic,
)
from advisor.webhooks.targets import TargetPolicy, TargetRefused

SECRET_PREFIX = "whsec_"  # noqa: S105  (a prefix, not a secret)


def _public(row: WebhookSubscriptionRow, pending: int) -> WebhookPublic:
    return WebhookPublic(
        id=row.id,
        url=row.url,
        events=[EventType(e) for e in row.events],
        description=row.description,
        created_by=row.created_by,
        created_at=row.created_at,
        consecutive_failures=row.consecutive_failures,
        last_error=row.last_error,
        last_delivery_at=row.last_delivery_at,
        pending=pending,
    )


def create_subscription(
    body: WebhookCreate, principal: Principal, repo: WebhookRepository, targets: TargetPolicy
) -> WebhookCreated:
    """Subscribe a URL; the returned secret signs every delivery and is shown only now.

    An internal target (loopback, private, metadata…) is refused unless allow-listed; delivery checks
    again what the host name resolves to.
    """
    try:
        targets.check_url(str(body.url))
    except TargetRefused as exc:
        raise InvalidInput(
            f"field 'url': {exc}",
            errors=[{"field": "url", "message": str(exc), "type": "webhook_target"}],
        ) from exc
    row = repo.add_subscription(
        WebhookSubscriptionRow(
            id=str(uuid.uuid4()),
            tenant_id=principal.tenant_id,
            url=str(body.url),
            events=[e.value for e in body.events],
            secret=SECRET_PREFIX + secrets.token_urlsafe(32),
            description=body.description,
            created_by=principal.actor,
            created_at=utcnow(),
            consecutive_failures=0,
        )
    )
    return WebhookCreated(**_public(row, 0).model_dump(), secret=row.secret)


def list_subscriptions(principal: Principal, repo: WebhookRepository) -> WebhookList:
    """Return the tenant's subscriptions with their delivery health."""
    pending = repo.pending_counts(principal.tenant_id)
    rows = repo.list_subscriptions(principal.tenant_id)
    return WebhookList(items=[_public(r, pending.get(r.id, 0)) for r in rows])


def delete_subscription(subscription_id: str, principal: Principal, repo: WebhookRepository) -> None:
    """Unsubscribe; undelivered events for it are dropped. Another tenant's id is a 404."""
    row = repo.get_subscription(principal.tenant_id, subscription_id)
    if row is None:
        raise NotFound(f"webhook '{subscription_id}' does not exist", field="webhook_id")
    repo.delete_subscription(row)


def publish(repo: WebhookRepository, tenant_id: str, event_type: EventType, data: dict[str, Any]) -> str:
    """Write the event to the outbox for every subscriber (same transaction as the change); return its id."""
    event = WebhookEvent(
        id=str(uuid.uuid4()), type=event_type, created_at=utcnow(), tenant_id=tenant_id, data=data
    )
    repo.enqueue(tenant_id, event.id, event_type.value, event.model_dump(mode="json"))
    return event.id


def feedback_data(row: FeedbackEventRow) -> dict[str, Any]:
    """Return the webhook data of a stored feedback event.

    Free text written in the conversation (``final_text``, ``comment``) is left out: it may hold
    customer PII, and webhooks leave the process. Subscribers get lengths and can fetch details.
    """
    return {
        "event_id": row.id,
        "client_event_id": row.client_event_id,
        "recommendation_id": row.recommendation_id,
        "interaction_id": row.interaction_id,
        "agent_id": row.agent_id,
        "team_id": row.team_id,
        "channel": row.channel,
        "pattern_id": row.pattern_id,
        "pattern_version": row.pattern_version,
        "intent": row.intent,
        "action": row.action,
        "reason": row.reason,
        "used_pattern_id": row.used_pattern_id,
        "final_text_chars": len(row.final_text) if row.final_text else None,
        "time_to_decision_ms": row.time_to_decision_ms,
        "occurred_at": row.occurred_at.isoformat(),
    }


def publish_feedback(repo: WebhookRepository, tenant_id: str, event_id: int) -> str | None:
    """Publish ``feedback.recorded`` for a newly stored feedback event (None when nobody subscribes)."""
    if not repo.has_subscribers(tenant_id, EventType.feedback_recorded.value):
        return None
    row = repo.get_feedback(tenant_id, event_id)
    if row is None:
        raise NotFound(f"feedback event {event_id} does not exist")
    return publish(repo, tenant_id, EventType.feedback_recorded, feedback_data(row))


def publish_pattern_change(
    repo: WebhookRepository, tenant_id: str, pattern_id: str, version: int | None, change: str, actor: str
) -> str:
    """Publish ``pattern.changed`` (e.g. change ``approved``, ``retired``, ``rolled_back``, ``suspended``)."""
    data = {"pattern_id": pattern_id, "version": version, "change": change, "actor": actor}
    return publish(repo, tenant_id, EventType.pattern_changed, data)
