"""``AsyncAdvisorClient``: the asynchronous Python client (httpx, one tenacity retry layer)."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import httpx

from advisor.client import _calls as calls
from advisor.client._calls import Call, MetricReport, Params
from advisor.client._errors import AdvisorConnectionError, error_for
from advisor.client._policy import RETRY_ERRORS, RETRY_STATUSES, auth_headers
from advisor.feedback.models import FeedbackAck, FeedbackIn, ReplyAck, ReplyIn
from advisor.patterns.lifecycle import Transition
from advisor.patterns.schemas import (
    BulkChangeOut,
    BulkSuspendIn,
    ChangeOut,
    ImportIn,
    ImportOut,
    PatternContent,
    PatternCreate,
    PatternOut,
    RollbackIn,
    ServingPatternOut,
    SuspendIn,
    TransitionIn,
    VersionOut,
)
from advisor.recommendations.models import RecommendationRequest, RecommendationsResponse
from advisor.retrying import RetryableStatus, async_retrying, raise_for_retry
from advisor.settings import RetryPolicy
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.schemas import KeyCreate, KeyCreated, KeyOut, PolicyIn, PolicyOut
from advisor.webhooks.models import WebhookCreate, WebhookCreated, WebhookList

T = TypeVar("T")
Body = Mapping[str, Any]


class AsyncAdvisorClient:
    """Call advisor's HTTP API; answers are advisor's own pydantic models, errors are typed.

    Retries 429 and 503 (honouring ``Retry-After``) and failed connections, per ``retry``.
    Pass ``transport`` (e.g. ``httpx.ASGITransport``) or a ready ``http`` client.
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        api_key: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._own = http is None
        self._http = http or httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self._headers = auth_headers(api_key)
        self.retry = retry or RetryPolicy()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._own:
            await self._http.aclose()

    async def send(self, call: Call[T]) -> T:
        """Send one call under the retry policy; return the parsed answer or raise a typed error."""
        headers = {**self._headers, **call.headers}
        try:
            async for attempt in async_retrying(self.retry, RETRY_STATUSES, RETRY_ERRORS):
                with attempt:
                    response = await self._http.request(
                        call.method, call.path, json=call.json, params=call.params or None, headers=headers
                    )
                    raise_for_retry(response, RETRY_STATUSES)
        except RetryableStatus as exc:
            raise error_for(exc.response) from None
        except httpx.TransportError as exc:
            raise AdvisorConnectionError(f"{type(exc).__name__}: {exc}") from exc
        if response.is_error:
            raise error_for(response)
        return call.parse(response)

    async def health(self) -> dict[str, str]:
        """Return /healthz (the process is up)."""
        return await self.send(calls.health())

    async def ready(self) -> dict[str, str]:
        """Return /readyz (the store answers)."""
        return await self.send(calls.ready())

    async def recommend(self, body: RecommendationRequest | Body) -> RecommendationsResponse:
        """Rank approved patterns for a live conversation."""
        return await self.send(calls.recommend(body))

    async def feedback(self, body: FeedbackIn | Body) -> FeedbackAck:
        """Record what the agent did with a suggestion (idempotent on client_event_id)."""
        return await self.send(calls.feedback(body))

    async def reply(self, body: ReplyIn | Body) -> ReplyAck:
        """Record what the agent wrote themselves on an escalated request (idempotent on client_event_id)."""
        return await self.send(calls.reply(body))

    async def create_webhook(self, body: WebhookCreate | Body) -> WebhookCreated:
        """Subscribe a URL to events; the answer holds the signing secret (shown once)."""
        return await self.send(calls.create_webhook(body))

    async def list_webhooks(self) -> WebhookList:
        """List webhook subscriptions with their delivery health."""
        return await self.send(calls.list_webhooks())

    async def delete_webhook(self, webhook_id: str) -> None:
        """Unsubscribe a URL."""
        return await self.send(calls.delete_webhook(webhook_id))

    async def list_patterns(self, owner: str | None = None) -> list[PatternOut]:
        """List patterns (optionally one team's)."""
        return await self.send(calls.list_patterns(owner))

    async def serving_patterns(
        self, query: str | None = None, limit: int | None = None
    ) -> list[ServingPatternOut]:
        """List what may be suggested now (any role): the ids a desk's picker sends as ``used_pattern_id``."""
        return await self.send(calls.serving_patterns(query, limit))

    async def get_pattern(self, pattern_id: str) -> PatternOut:
        """Return one pattern with its versions."""
        return await self.send(calls.get_pattern(pattern_id))

    async def list_versions(self, pattern_id: str) -> list[VersionOut]:
        """Return a pattern's versions."""
        return await self.send(calls.list_versions(pattern_id))

    async def create_pattern(self, body: PatternCreate | Body) -> ChangeOut:
        """Create a pattern as draft version 1."""
        return await self.send(calls.create_pattern(body))

    async def new_version(
        self, pattern_id: str, body: PatternContent | Body, if_match: str | int | None = None
    ) -> ChangeOut:
        """Start a new draft version of a pattern."""
        return await self.send(calls.new_version(pattern_id, body, if_match))

    async def update_draft(
        self, pattern_id: str, version: int, body: PatternContent | Body, if_match: str | int | None = None
    ) -> ChangeOut:
        """Edit a draft version."""
        return await self.send(calls.update_draft(pattern_id, version, body, if_match))

    async def transition(
        self,
        pattern_id: str,
        version: int,
        action: Transition | str,
        body: TransitionIn | Body,
        if_match: str | int | None = None,
    ) -> ChangeOut:
        """Submit, approve, reject or retire a version."""
        return await self.send(calls.transition(pattern_id, version, action, body, if_match))

    async def rollback(
        self, pattern_id: str, body: RollbackIn | Body, if_match: str | int | None = None
    ) -> ChangeOut:
        """Make another approved version serve."""
        return await self.send(calls.rollback(pattern_id, body, if_match))

    async def suspend(
        self, pattern_id: str, body: SuspendIn | Body, if_match: str | int | None = None
    ) -> ChangeOut:
        """Stop serving a pattern now (kill switch)."""
        return await self.send(calls.suspend(pattern_id, body, False, if_match))

    async def resume(
        self, pattern_id: str, body: SuspendIn | Body, if_match: str | int | None = None
    ) -> ChangeOut:
        """Serve a suspended pattern again."""
        return await self.send(calls.suspend(pattern_id, body, True, if_match))

    async def suspend_bulk(self, body: BulkSuspendIn | Body) -> BulkChangeOut:
        """Suspend every pattern of one intent or team."""
        return await self.send(calls.suspend_bulk(body))

    async def resume_bulk(self, body: BulkSuspendIn | Body) -> BulkChangeOut:
        """Resume every pattern of one intent or team."""
        return await self.send(calls.suspend_bulk(body, resume=True))

    async def import_patterns(self, body: ImportIn | Body) -> ImportOut:
        """Import a YAML or CSV pattern file (all or nothing)."""
        return await self.send(calls.import_patterns(body))

    async def export_patterns(self, fmt: Literal["yaml", "csv"] = "yaml") -> str:
        """Export the tenant's patterns as YAML or CSV text."""
        return await self.send(calls.export_patterns(fmt))

    async def list_keys(self) -> list[KeyOut]:
        """List API keys (never their secrets)."""
        return await self.send(calls.list_keys())

    async def create_key(self, body: KeyCreate | Body) -> KeyCreated:
        """Create an API key; the answer holds its secret (shown once)."""
        return await self.send(calls.create_key(body))

    async def rotate_key(self, key_id: str) -> KeyCreated:
        """Replace a key by a new one with the same role."""
        return await self.send(calls.rotate_key(key_id))

    async def revoke_key(self, key_id: str) -> KeyOut:
        """Revoke a key now."""
        return await self.send(calls.revoke_key(key_id))

    async def get_policy(self) -> PolicyOut:
        """Return the tenant's stage policy."""
        return await self.send(calls.get_policy())

    async def set_policy(self, body: PolicyIn | Body) -> PolicyOut:
        """Change the tenant's stage policy."""
        return await self.send(calls.set_policy(body))

    async def audit(self, **filters: str | int | None) -> list[AuditRecord]:
        """Read the audit log (actor, action, subject_type, subject, since, until, after_id, limit)."""
        return await self.send(calls.audit(filters))

    async def export_audit(self, **filters: str | int | None) -> str:
        """Export the audit log as NDJSON text."""
        return await self.send(calls.export_audit(filters))

    async def metrics(self, report: MetricReport, **filters: str | int | float | bool | None) -> Any:
        """Return a metrics report (``from_`` is sent as ``from``)."""
        return await self.send(calls.metrics(report, _filters(filters)))


def _filters(values: Mapping[str, str | int | float | bool | None]) -> Params:
    return {("from" if k == "from_" else k): v for k, v in values.items()}
