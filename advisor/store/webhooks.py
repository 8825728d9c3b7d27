"""Webhook subscriptions and the delivery outbox (one row per event and subscription)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from advisor.store.tables import FeedbackEvent, WebhookDelivery, WebhookSubscription, utcnow

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


class WebhookRepository:
    """Reads and writes subscriptions and outbox rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_subscription(self, row: WebhookSubscription) -> WebhookSubscription:
        """Store a new subscription."""
        self.session.add(row)
        self.session.flush()
        return row

    def list_subscriptions(self, tenant_id: str) -> list[WebhookSubscription]:
        """Return the tenant's active subscriptions, oldest first."""
        return list(
            self.session.scalars(
                select(WebhookSubscription)
                .where(WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.deleted_at.is_(None))
                .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
            )
        )

    def get_subscription(self, tenant_id: str, subscription_id: str) -> WebhookSubscription | None:
        """Return an active subscription of the tenant (None for another tenant's or a deleted one)."""
        row = self.session.get(WebhookSubscription, subscription_id)
        if row is None or row.tenant_id != tenant_id or row.deleted_at is not None:
            return None
        return row

    def delete_subscription(self, row: WebhookSubscription) -> None:
        """Mark a subscription deleted; its pending deliveries are dropped (kept as failed for audit)."""
        now = utcnow()
        row.deleted_at = now
        self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == row.id, WebhookDelivery.status == PENDING)
            .values(status=FAILED, last_error="subscription deleted")
        )
        self.session.flush()

    def pending_counts(self, tenant_id: str) -> dict[str, int]:
        """Return pending deliveries per subscription id of the tenant."""
        rows = self.session.execute(
            select(WebhookDelivery.subscription_id, func.count())
            .where(WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.status == PENDING)
            .group_by(WebhookDelivery.subscription_id)
        )
        return {sub: int(n) for sub, n in rows}

    def has_subscribers(self, tenant_id: str, event_type: str) -> bool:
        """Return whether any active subscription of the tenant wants ``event_type``."""
        return any(event_type in sub.events for sub in self.list_subscriptions(tenant_id))

    def get_feedback(self, tenant_id: str, event_id: int) -> FeedbackEvent | None:
        """Return a stored feedback event of the tenant."""
        row = self.session.get(FeedbackEvent, event_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    def enqueue(
        self, tenant_id: str, event_id: str, event_type: str, payload: dict[str, Any]
    ) -> list[WebhookDelivery]:
        """Write one outbox row per active subscription to ``event_type`` (in the caller's transaction)."""
        rows = [
            WebhookDelivery(
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

    def deliveries_for(self, tenant_id: str, subscription_id: str) -> list[WebhookDelivery]:
        """Return a subscription's outbox rows, oldest first."""
        return list(
            self.session.scalars(
                select(WebhookDelivery)
                .where(
                    WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.subscription_id == subscription_id
                )
                .order_by(WebhookDelivery.id)
            )
        )

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[DueDelivery]:
        """Claim due deliveries by moving their next attempt to ``lease_until`` (safe across replicas)."""
        candidates = self.session.execute(
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.status == PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookSubscription.deleted_at.is_(None),
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        ).all()
        claimed: list[DueDelivery] = []
        for delivery, sub in candidates:
            result = self.session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery.id,
                    WebhookDelivery.status == PENDING,
                    WebhookDelivery.next_attempt_at == delivery.next_attempt_at,
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
            delete(WebhookDelivery).where(
                WebhookDelivery.status != PENDING,
                func.coalesce(WebhookDelivery.delivered_at, WebhookDelivery.created_at) < before,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def release(self, delivery_ids: list[int], at: datetime) -> None:
        """Give claimed deliveries back to the queue, due at ``at``."""
        if delivery_ids:
            self.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(delivery_ids), WebhookDelivery.status == PENDING)
                .values(next_attempt_at=at)
            )

    def mark_delivered(self, delivery_id: int, subscription_id: str, at: datetime) -> None:
        """Record a successful delivery and reset the subscription's failure count."""
        self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(status=DELIVERED, delivered_at=at, attempts=WebhookDelivery.attempts + 1, last_error=None)
        )
        self.session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == subscription_id)
            .values(consecutive_failures=0, last_error=None, last_delivery_at=at)
        )

    def mark_failed(
        self, delivery_id: int, subscription_id: str, error: str, retry_at: datetime | None
    ) -> None:
        """Record a failed round: retry at ``retry_at`` (the whole endpoint waits), or give up when None."""
        values: dict[str, Any] = {"attempts": WebhookDelivery.attempts + 1, "last_error": error[:2000]}
        if retry_at is None:
            values["status"] = FAILED
        else:
            values["next_attempt_at"] = retry_at
        self.session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values)
        )
        if retry_at is not None:
            # Back off the whole endpoint, not one event: a dead URL is tried once per round.
            self.session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.subscription_id == subscription_id,
                    WebhookDelivery.status == PENDING,
                    WebhookDelivery.next_attempt_at < retry_at,
                )
                .values(next_attempt_at=retry_at)
            )
        self.session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == subscription_id)
            .values(
                consecutive_failures=WebhookSubscription.consecutive_failures + 1, last_error=error[:2000]
            )
        )
