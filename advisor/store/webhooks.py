"""Webhook subscriptions and the delivery outbox (one row per event and subscription)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from advisor.store.tables.decisions import FeedbackEventRow
from advisor.store.tables.webhooks import WebhookDeliveryRow, WebhookSubscriptionRow
from advisor.utc import utcnow

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class DueDelivery:
    """A claimed delivery with what is needed to send it (no ORM object leaves the store)."""

    id: int
    subscription_id: str
    event_id: str
    event_type: str
    payload: dict[str, Any]
    attempts: int
    url: str
    secret: str


# Built once: the feedback writer asks it once per batch.
_SUBSCRIBED_EVENTS = select(WebhookSubscriptionRow.events).where(
    WebhookSubscriptionRow.tenant_id == bindparam("tenant"), WebhookSubscriptionRow.deleted_at.is_(None)
)


class WebhookRepository:
    """Reads and writes subscriptions and outbox rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_subscription(self, row: WebhookSubscriptionRow) -> WebhookSubscriptionRow:
        """Store a new subscription."""
        self.session.add(row)
        self.session.flush()
        return row

    def list_subscriptions(self, tenant_id: str) -> list[WebhookSubscriptionRow]:
        """Return the tenant's active subscriptions, oldest first."""
        return list(
            self.session.scalars(
                select(WebhookSubscriptionRow)
                .where(
                    WebhookSubscriptionRow.tenant_id == tenant_id, WebhookSubscriptionRow.deleted_at.is_(None)
                )
                .order_by(WebhookSubscriptionRow.created_at, WebhookSubscriptionRow.id)
            )
        )

    def get_subscription(self, tenant_id: str, subscription_id: str) -> WebhookSubscriptionRow | None:
        """Return an active subscription of the tenant (None for another tenant's or a deleted one)."""
        row = self.session.get(WebhookSubscriptionRow, subscription_id)
        if row is None or row.tenant_id != tenant_id or row.deleted_at is not None:
            return None
        return row

    def delete_subscription(self, row: WebhookSubscriptionRow) -> None:
        """Mark a subscription deleted; its pending deliveries are dropped (kept as failed for audit)."""
        now = utcnow()
        row.deleted_at = now
        self.session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.subscription_id == row.id, WebhookDeliveryRow.status == PENDING)
            .values(status=FAILED, last_error="subscription deleted")
        )
        self.session.flush()

    def pending_counts(self, tenant_id: str) -> dict[str, int]:
        """Return pending deliveries per subscription id of the tenant."""
        rows = self.session.execute(
            select(WebhookDeliveryRow.subscription_id, func.count())
            .where(WebhookDeliveryRow.tenant_id == tenant_id, WebhookDeliveryRow.status == PENDING)
            .group_by(WebhookDeliveryRow.subscription_id)
        )
        return {sub: int(n) for sub, n in rows}

    def has_subscribers(self, tenant_id: str, event_type: str) -> bool:
        """Return whether any active subscription of the tenant wants ``event_type``."""
        subscribed = self.session.scalars(_SUBSCRIBED_EVENTS, {"tenant": tenant_id})
        return any(event_type in events for events in subscribed)

    def get_feedback(self, tenant_id: str, event_id: int) -> FeedbackEventRow | None:
        """Return a stored feedback event of the tenant."""
        row = self.session.get(FeedbackEventRow, event_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    def enqueue(
        self, tenant_id: str, event_id: str, event_type: str, payload: dict[str, Any]
    ) -> list[WebhookDeliveryRow]:
        """Write one outbox row per active subscription to ``event_type`` (in the caller's transaction)."""
        rows = [
            WebhookDeliveryRow(
                tenant_id=tenant_id,
                subscription_id=sub.id,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                status=PENDING,
                attempts=0,
                next_attempt_at=utcnow(),
            )
            for sub in self.list_subscriptions(tenant_id)
            if event_type in sub.events
        ]
        self.session.add_all(rows)
        self.session.flush()
        return rows

    def deliveries_for(self, tenant_id: str, subscription_id: str) -> list[WebhookDeliveryRow]:
        """Return a subscription's outbox rows, oldest first."""
        return list(
            self.session.scalars(
                select(WebhookDeliveryRow)
                .where(
                    WebhookDeliveryRow.tenant_id == tenant_id,
                    WebhookDeliveryRow.subscription_id == subscription_id,
                )
                .order_by(WebhookDeliveryRow.id)
            )
        )

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[DueDelivery]:
        """Claim due deliveries by moving their next attempt to ``lease_until`` (safe across replicas)."""
        candidates = self.session.execute(
            select(WebhookDeliveryRow, WebhookSubscriptionRow)
            .join(WebhookSubscriptionRow, WebhookSubscriptionRow.id == WebhookDeliveryRow.subscription_id)
            .where(
                WebhookDeliveryRow.status == PENDING,
                WebhookDeliveryRow.next_attempt_at <= now,
                WebhookSubscriptionRow.deleted_at.is_(None),
            )
            .order_by(WebhookDeliveryRow.id)
            .limit(limit)
        ).all()
        claimed: list[DueDelivery] = []
        for delivery, sub in candidates:
            result = self.session.execute(
                update(WebhookDeliveryRow)
                .where(
                    WebhookDeliveryRow.id == delivery.id,
                    WebhookDeliveryRow.status == PENDING,
                    WebhookDeliveryRow.next_attempt_at == delivery.next_attempt_at,
                )
                .values(next_attempt_at=lease_until)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(
                    DueDelivery(
                        id=delivery.id,
                        subscription_id=sub.id,
                        event_id=delivery.event_id,
                        event_type=delivery.event_type,
                        payload=dict(delivery.payload),
                        attempts=delivery.attempts,
                        url=sub.url,
                        secret=sub.secret,
                    )
                )
        return claimed

    def prune(self, before: datetime) -> int:
        """Delete finished deliveries (delivered or given up) older than ``before``; return how many."""
        result = self.session.execute(
            delete(WebhookDeliveryRow).where(
                WebhookDeliveryRow.status != PENDING,
                func.coalesce(WebhookDeliveryRow.delivered_at, WebhookDeliveryRow.created_at) < before,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def release(self, delivery_ids: list[int], at: datetime) -> None:
        """Give claimed deliveries back to the queue, due at ``at``."""
        if delivery_ids:
            self.session.execute(
                update(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.id.in_(delivery_ids), WebhookDeliveryRow.status == PENDING)
                .values(next_attempt_at=at)
            )

    def mark_delivered(self, delivery_id: int, subscription_id: str, at: datetime) -> None:
        """Record a successful delivery and reset the subscription's failure count."""
        self.session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == delivery_id)
            .values(
                status=DELIVERED, delivered_at=at, attempts=WebhookDeliveryRow.attempts + 1, last_error=None
            )
        )
        self.session.execute(
            update(WebhookSubscriptionRow)
            .where(WebhookSubscriptionRow.id == subscription_id)
            .values(consecutive_failures=0, last_error=None, last_delivery_at=at)
        )

    def mark_failed(
        self, delivery_id: int, subscription_id: str, error: str, retry_at: datetime | None
    ) -> None:
        """Record a failed round: retry at ``retry_at`` (the whole endpoint waits), or give up when None."""
        values: dict[str, Any] = {"attempts": WebhookDeliveryRow.attempts + 1, "last_error": error[:2000]}
        if retry_at is None:
            values["status"] = FAILED
        else:
            values["next_attempt_at"] = retry_at
        self.session.execute(
            update(WebhookDeliveryRow).where(WebhookDeliveryRow.id == delivery_id).values(**values)
        )
        if retry_at is not None:
            # Back off the whole endpoint, not one event: a dead URL is tried once per round.
            self.session.execute(
                update(WebhookDeliveryRow)
                .where(
                    WebhookDeliveryRow.subscription_id == subscription_id,
                    WebhookDeliveryRow.status == PENDING,
                    WebhookDeliveryRow.next_attempt_at < retry_at,
                )
                .values(next_attempt_at=retry_at)
            )
        self.session.execute(
            update(WebhookSubscriptionRow)
            .where(WebhookSubscriptionRow.id == subscription_id)
            .values(
                consecutive_failures=WebhookSubscriptionRow.consecutive_failures + 1, last_error=error[:2000]
            )
        )
