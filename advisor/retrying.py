"""One retry layer for outbound HTTP: a ``RetryPolicy`` turned into tenacity settings.

Retries transport errors and retryable statuses, honours ``Retry-After`` (seconds or an HTTP date)
up to the policy's cap, and otherwise waits exponentially with jitter. ``reraise=True``: the caller
sees the last real error, never a tenacity wrapper.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from advisor.settings import RetryPolicy
from advisor.utc import as_utc

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


class RetryableStatus(Exception):
    """A response whose status says "try again"; carries the response for the last attempt."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code} from {response.request.url}")
        self.response = response


def retry_after_seconds(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """Return the delay a ``Retry-After`` header asks for, if any."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (as_utc(when) - (now or datetime.now(UTC))).total_seconds())


def wait_for(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    """Return the wait before the next attempt: ``Retry-After`` when given (capped), else backoff."""
    backoff = wait_exponential_jitter(
        multiplier=policy.initial_wait, max=policy.max_wait, jitter=policy.initial_wait
    )

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableStatus):
            asked = retry_after_seconds(exc.response.headers)
            if asked is not None:
                return min(asked, policy.retry_after_cap)
        return float(backoff(state))

    return wait


TransportErrors = tuple[type[httpx.TransportError], ...]


def _should_retry(statuses: Collection[int], errors: TransportErrors) -> Callable[[BaseException], bool]:
    def check(exc: BaseException) -> bool:
        if isinstance(exc, RetryableStatus):
            return exc.response.status_code in statuses
        return isinstance(exc, errors)

    return check


def async_retrying(
    policy: RetryPolicy,
    statuses: Collection[int] = RETRYABLE_STATUSES,
    errors: TransportErrors = (httpx.TransportError,),
) -> AsyncRetrying:
    """Return tenacity's async retry controller for ``policy``."""
    return AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait_for(policy),
        retry=retry_if_exception(_should_retry(statuses, errors)),
        reraise=True,
    )


def sync_retrying(
    policy: RetryPolicy,
    statuses: Collection[int] = RETRYABLE_STATUSES,
    errors: TransportErrors = (httpx.TransportError,),
) -> Retrying:
    """Return tenacity's retry controller for ``policy``."""
    return Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait_for(policy),
        retry=retry_if_exception(_should_retry(statuses, errors)),
        reraise=True,
    )


def raise_for_retry(response: httpx.Response, statuses: Collection[int] = RETRYABLE_STATUSES) -> None:
    """Raise ``RetryableStatus`` when the response's status is one to retry."""
    if response.status_code in statuses:
        raise RetryableStatus(response)
