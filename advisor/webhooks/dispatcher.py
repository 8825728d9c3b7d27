"""Drain the webhook outbox in the background, off the request path.

Each round claims due deliveries, sends them grouped by subscription (subscriptions in parallel,
one subscription's events in order), and records the outcome per delivery. A failing endpoint only
delays its own deliveries: it backs off (exponentially, per subscription) while healthy ones go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta

import httpx

from advisor.settings import RetryPolicy, WebhookSettings
from advisor.store import Session, sessionmaker
from advisor.store.webhooks import DueDelivery, WebhookRepository
from advisor.utc import utcnow
from advisor.webhooks.delivery import DeliveryError, WebhookSink
from advisor.webhooks.models import WebhookEvent

logger = logging.getLogger("advisor.webhooks")
PRUNE_EVERY = timedelta(hours=1)


class WebhookDispatcher:
    """Sends outbox rows; ``drain_once`` is one round, ``run`` repeats it until stopped."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        http: httpx.AsyncClient,
        policy: RetryPolicy,
        settings: WebhookSettings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.factory = factory
        self.http = http
        self.policy = policy
        self.settings = settings
        self.clock = clock
        self._wake = asyncio.Event()
        self._pruned_at: datetime | None = None

    def wake(self) -> None:
        """Start the next round now instead of at the next poll."""
        self._wake.set()

    def _claim(self) -> list[DueDelivery]:
        now = self.clock()
        with self.factory() as session, session.begin():
            lease = now + timedelta(seconds=self.settings.lease_s)
            return WebhookRepository(session).claim_due(now, lease, self.settings.batch)

    def _backoff(self, attempts: int) -> timedelta:
        seconds = self.settings.backoff_initial_s * (2 ** min(attempts, 30))
        return timedelta(seconds=min(seconds, self.settings.backoff_max_s))

    def _record(self, delivery: DueDelivery, error: str | None, rest: list[DueDelivery]) -> None:
        now = self.clock()
        with self.factory() as session, session.begin():
            repo = WebhookRepository(session)
            if error is None:
                repo.mark_delivered(delivery.id, delivery.subscription_id, now)
                return
            rounds = delivery.attempts + 1
            retry_at = None if rounds >= self.settings.max_rounds else now + self._backoff(delivery.attempts)
            repo.mark_failed(delivery.id, delivery.subscription_id, error, retry_at)
            repo.release([d.id for d in rest], retry_at or now)

    async def _send_subscription(self, deliveries: list[DueDelivery]) -> int:
        sent = 0
        for i, delivery in enumerate(deliveries):
            sink = WebhookSink(delivery.url, delivery.secret, self.http, self.policy)
            error: str | None = None
            try:
                await sink.send(WebhookEvent.model_validate(delivery.payload))
            except DeliveryError as exc:
                error = str(exc)
                # The cause (connection refused, timeout, HTTP status) is for operators' logs only.
                logger.warning(
                    "webhook delivery %s to subscription %s failed: %s (%r)",
                    delivery.event_id,
                    delivery.subscription_id,
                    error,
                    exc.__cause__,
                )
            await asyncio.to_thread(self._record, delivery, error, deliveries[i + 1 :] if error else [])
            if error is not None:
                break  # keep this endpoint's order; the rest waits for its backoff
            sent += 1
        return sent

    def prune(self) -> int:
        """Delete finished deliveries older than the retention period (at most once an hour)."""
        now = self.clock()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return 0
        self._pruned_at = now
        with self.factory() as session, session.begin():
            before = now - timedelta(days=self.settings.retention_days)
            return WebhookRepository(session).prune(before)

    async def drain_once(self) -> int:
        """Run one round; return how many deliveries were accepted."""
        await asyncio.to_thread(self.prune)
        claimed = await asyncio.to_thread(self._claim)
        by_subscription: dict[str, list[DueDelivery]] = defaultdict(list)
        for delivery in claimed:
            by_subscription[delivery.subscription_id].append(delivery)
        results = await asyncio.gather(*(self._send_subscription(d) for d in by_subscription.values()))
        return sum(results)

    async def run(self) -> None:
        """Drain forever (until cancelled), waking at each poll or when ``wake`` is called."""
        while True:
            self._wake.clear()
            try:
                await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The store may be briefly unavailable; the outbox keeps the events, so try again later.
                logger.exception("webhook outbox round failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.poll_s)
