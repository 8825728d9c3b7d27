"""HTTP delivery of one event to one subscriber: signed POST under the shared retry policy."""

from __future__ import annotations

import json

import httpx

from advisor.retrying import RetryableStatus, async_retrying, raise_for_retry
from advisor.settings import RetryPolicy
from advisor.webhooks.models import WebhookEvent
from advisor.webhooks.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, sign
from advisor.webhooks.targets import TargetRefused

USER_AGENT = "advisor-webhooks/1"


class DeliveryError(Exception):
    """The subscriber did not accept the event (after the retries of one round).

    The message is what admins see as ``last_error``, so it is coarse on purpose: a refused
    connection, a timeout and a TLS failure read the same, so that webhooks cannot map a network.
    """


NO_ANSWER = "delivery failed: no HTTP answer from the receiver"
REFUSED = "delivery refused: the target resolves to an address that is not allowed"


def _answered(status: int) -> str:
    return f"delivery failed: the receiver answered {status // 100}xx"


def encode(event: WebhookEvent) -> bytes:
    """Return the exact bytes that are signed and sent."""
    return json.dumps(event.model_dump(mode="json"), separators=(",", ":"), sort_keys=True).encode()


class WebhookSink:
    """An ``EventSink`` that POSTs signed JSON to one URL; 2xx means accepted."""

    name = "webhook"

    def __init__(self, url: str, secret: str, http: httpx.AsyncClient, policy: RetryPolicy) -> None:
        self.url = url
        self.secret = secret
        self.http = http
        self.policy = policy

    async def send(self, event: WebhookEvent) -> None:
        """Deliver the event, retrying transient failures; raise ``DeliveryError`` when refused."""
        body = encode(event)
        try:
            async for attempt in async_retrying(self.policy):
                with attempt:
                    # Sign each attempt afresh so that a late retry is not refused as stale.
                    headers = {
                        "Content-Type": "application/json",
                        "User-Agent": USER_AGENT,
                        SIGNATURE_HEADER: sign(self.secret, body),
                        EVENT_ID_HEADER: event.id,
                        EVENT_TYPE_HEADER: event.type.value,
                    }
                    response = await self.http.post(self.url, content=body, headers=headers)
                    raise_for_retry(response)
        except RetryableStatus as exc:
            raise DeliveryError(_answered(exc.response.status_code)) from exc
        except TargetRefused as exc:
            raise DeliveryError(REFUSED) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(NO_ANSWER) from exc
        if not response.is_success:
            raise DeliveryError(_answered(response.status_code))

    async def check(self) -> None:
        """Raise when the URL does not answer at all (any HTTP status counts as reachable)."""
        try:
            await self.http.head(self.url)
        except TargetRefused as exc:
            raise DeliveryError(REFUSED) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(NO_ANSWER) from exc
