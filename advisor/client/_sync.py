"""``AdvisorClient``: the synchronous Python client (httpx, one tenacity retry layer)."""

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
from advisor.retrying import RetryableStatus, raise_for_retry, sync_retrying
from advisor.settings import RetryPolicy
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.schemas import KeyCreate, KeyCreated, KeyOut, PolicyIn, PolicyOut
from advisor.webhooks.models import WebhookCreate, WebhookCreated, WebhookList

T = TypeVar("T")
Body = Mapping[str, Any]


class AdvisorClient:
    """Call advisor's HTTP API; answers are advisor's own pydantic models, errors are typed.

    Retries 429 and 503 (honouring ``Retry-After``) and failed connections, per ``retry``.
    Pass ``transport`` (e.g. ``httpx.ASGITransport`` or a ``MockTransport``) or a ready ``http`` client.
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        api_key: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self._own = http is None
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout, transport=transport)
        self._headers = auth_headers(api_key)
        self.retry = retry or RetryPolicy()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._own:
            self._http.close()

    def send(self, call: Call[T]) -> T:
        """Send one call under the retry policy; return the parsed answer or raise a typed error."""
        headers = {**self._headers, **call.headers}
        try:
            for attempt in sync_retrying(self.retry, RETRY_STATUSES, RETRY_ERRORS):
                with attempt:
                    response = self._http.request(
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

    def health(self) -> dict[str, str]:
        """Return /healthz (the process is up)."""
        return self.send(calls.health())

    def ready(self) -> dict[str, str]:
        """Return /readyz (the store answers)."""
        return self.send(calls.ready())

    def recommend(self, body: RecommendationRequest | Body) -> RecommendationsResponse:
        """Rank approved patterns for a live conversation."""
        return self.send(calls.recommend(body))

    def feedback(self, body: FeedbackIn | Body) -> FeedbackAck:
        """Record what the agent did with a suggestion (idempotent on client_event_id)."""
        return self.send(calls.feedback(body))

    def reply(self, body: ReplyIn | Body) -> ReplyAck:
        """Record what the agent wrote themselves on an escalated request (idempotent on client_event_id)."""
        return self.send(calls.reply(body))

    def create_webhook(self, body: WebhookCreate | Body) -> WebhookCreated:
        """Subscribe a URL to events; the answer holds the signing secret (shown once)."""
        return self.send(calls.create_webhook(body))

    def list_webhooks(self) -> WebhookList:
        """List webhook subscriptions with their delivery health."""
        return self.send(calls.list_webhooks())

    def delete_webhook(self, webhook_id: str) -> None:
        """Unsubscribe a URL."""
        return self.send(calls.delete_webhook(webhook_id))

    def list_patterns(self, owner: str | None = None) -> list[PatternOut]:
        """List patterns (optionally one team's)."""
        return self.send(calls.list_patterns(owner))

    def serving_patterns(self, query: str | None = None, limit: int | None = None) -> list[ServingPatternOut]:
        """List what may be suggested now (any role): the ids a desk's picker sends as ``used_pattern_id``."""
        return self.send(calls.serving_patterns(query, limit))

    def get_pattern(self, pattern_id: str) -> PatternOut:
        """Return one pattern with its versions."""
        return self.send(calls.get_pattern(pattern_id))

    def list_versions(self, pattern_id: str) -> list[VersionOut]:
        """Return a pattern's versions."""
        return self.send(calls.list_versions(pattern_id))

    def create_pattern(self, body: PatternCreate | Body) -> ChangeOut:
        """Create a pattern as draft version 1."""
        return self.send(calls.create_pattern(body))

    def new_version(
        self, pattern_id: str, body: PatternContent | Body, if_match: str | int | None = None
    ) -> ChangeOut:
        """Start a new draft version of a pattern."""
        return self.send(calls.new_version(pattern_id, body, if_match))

    def update_draft(
        self, pattern_id: str, version: int, body: PatternContent | Body, if_match: str | int | None = None
    ) -> ChangeOut:
        """Edit a draft version."""
        return self.send(calls.update_draft(pattern_id, version, body, if_match))

    def transition(
        self,
        pattern_id: str,
        version: int,
        action: Transition | str,
        body: TransitionIn | Body,
        if_match: str | int | None = None,
    ) -> ChangeOut:
        """Submit, approve, reject or retire a version."""
        return self.send(calls.transition(pattern_id, version, action, body, if_match))

    def rollback(
        self, pattern_id: str, body: RollbackIn | Body, if_match: str | int | None = None
    ) -> ChangeOut:
        """Make another approved version serve."""
        return self.send(calls.rollback(pattern_id, body, if_match))

    def suspend(
        self, pattern_id: str, body: SuspendIn | Body, if_match: str | int | None = None
    ) -> ChangeOut:
        """Stop serving a pattern now (kill switch)."""
        return self.send(calls.suspend(pattern_id, body, False, if_match))

    def resume(self, pattern_id: str, body: SuspendIn | Body, if_match: str | int | None = None) -> ChangeOut:
        """Serve a suspended pattern again."""
        return self.send(calls.suspend(pattern_id, body, True, if_match))

    def suspend_bulk(self, body: BulkSuspendIn | Body) -> BulkChangeOut:
        """Suspend every pattern of one intent or team."""
        return self.send(calls.suspend_bulk(body))

    def resume_bulk(self, body: BulkSuspendIn | Body) -> BulkChangeOut:
        """Resume every pattern of one intent or team."""
        return self.send(calls.suspend_bulk(body, resume=True))

    def import_patterns(self, body: ImportIn | Body) -> ImportOut:
        """Import a YAML or CSV pattern file (all or nothing)."""
        return self.send(calls.import_patterns(body))

    def export_patterns(self, fmt: Literal["yaml", "csv"] = "yaml") -> str:
        """Export the tenant's patterns as YAML or CSV text."""
        return self.send(calls.export_patterns(fmt))

    def list_keys(self) -> list[KeyOut]:
        """List API keys (never their secrets)."""
        return self.send(calls.list_keys())

    def create_key(self, body: KeyCreate | Body) -> KeyCreated:
        """Create an API key; the answer holds its secret (shown once)."""
        return self.send(calls.create_key(body))

    def rotate_key(self, key_id: str) -> KeyCreated:
        """Replace a key by a new one with the same role."""
        return self.send(calls.rotate_key(key_id))

    def revoke_key(self, key_id: str) -> KeyOut:
        """Revoke a key now."""
        return self.send(calls.revoke_key(key_id))

    def get_policy(self) -> PolicyOut:
        """Return the tenant's stage policy."""
        return self.send(calls.get_policy())

    def set_policy(self, body: PolicyIn | Body) -> PolicyOut:
        """Change the tenant's stage policy."""
        return self.send(calls.set_policy(body))

    def audit(self, **filters: str | int | None) -> list[AuditRecord]:
        """Read the audit log (actor, action, subject_type, subject, since, until, after_id, limit)."""
        return self.send(calls.audit(filters))

    def export_audit(self, **filters: str | int | None) -> str:
        """Export the audit log as NDJSON text."""
        return self.send(calls.export_audit(filters))

    def metrics(self, report: MetricReport, **filters: str | int | float | bool | None) -> Any:
        """Return a metrics report (``from_`` is sent as ``from``)."""
        return self.send(calls.metrics(report, _filters(filters)))


def _filters(values: Mapping[str, str | int | float | bool | None]) -> Params:
    return {("from" if k == "from_" else k): v for k, v in values.items()}
