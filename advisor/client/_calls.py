"""One description per endpoint (method, path, body, how to read the answer), shared by both clients."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

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
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.schemas import KeyCreate, KeyCreated, KeyOut, PolicyIn, PolicyOut
from advisor.webhooks.models import WebhookCreate, WebhookCreated, WebhookList

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Params = Mapping[str, str | int | float | bool | None]
MetricReport = Literal[
    "rates",
    "consistency/text",
    "consistency/choices",
    "consistency/outliers",
    "delay",
    "rejections",
    "edits",
    "coverage",
    "readiness",
    "drift",
    "versions",
]


@dataclass(frozen=True)
class Call(Generic[T]):
    """An HTTP call to advisor and the parser of its successful answer."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    json: Any = None
    params: dict[str, str | int | float | bool] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def _seg(value: str | int) -> str:
    return quote(str(value), safe="")


def _body(model: type[M], value: M | Mapping[str, Any]) -> Any:
    # Validate locally first: a bad body fails here with pydantic's message, before any network.
    obj = value if isinstance(value, model) else model.model_validate(value)
    return obj.model_dump(mode="json", exclude_none=True)


def _model(cls: type[M]) -> Callable[[httpx.Response], M]:
    return lambda r: cls.model_validate_json(r.content)


def _list(cls: type[M]) -> Callable[[httpx.Response], list[M]]:
    adapter = TypeAdapter(list[cls])  # type: ignore[valid-type]
    return lambda r: list(adapter.validate_json(r.content))


def _json(r: httpx.Response) -> Any:
    return r.json()


def _text(r: httpx.Response) -> str:
    return r.text


def _none(_: httpx.Response) -> None:
    return None


def _params(values: Params) -> dict[str, str | int | float | bool]:
    return {k: v for k, v in values.items() if v is not None}


def _if_match(value: str | int | None) -> dict[str, str]:
    return {} if value is None else {"If-Match": str(value)}


def health() -> Call[dict[str, str]]:
    """GET /healthz."""
    return Call("GET", "/healthz", _json)


def ready() -> Call[dict[str, str]]:
    """GET /readyz."""
    return Call("GET", "/readyz", _json)


def recommend(body: RecommendationRequest | Mapping[str, Any]) -> Call[RecommendationsResponse]:
    """POST /v1/recommendations."""
    return Call(
        "POST", "/v1/recommendations", _model(RecommendationsResponse), _body(RecommendationRequest, body)
    )


def feedback(body: FeedbackIn | Mapping[str, Any]) -> Call[FeedbackAck]:
    """POST /v1/feedback."""
    return Call("POST", "/v1/feedback", _model(FeedbackAck), _body(FeedbackIn, body))


def reply(body: ReplyIn | Mapping[str, Any]) -> Call[ReplyAck]:
    """POST /v1/replies."""
    return Call("POST", "/v1/replies", _model(ReplyAck), _body(ReplyIn, body))


def create_webhook(body: WebhookCreate | Mapping[str, Any]) -> Call[WebhookCreated]:
    """POST /v1/webhooks."""
    return Call("POST", "/v1/webhooks", _model(WebhookCreated), _body(WebhookCreate, body))


def list_webhooks() -> Call[WebhookList]:
    """GET /v1/webhooks."""
    return Call("GET", "/v1/webhooks", _model(WebhookList))


def delete_webhook(webhook_id: str) -> Call[None]:
    """DELETE /v1/webhooks/{id}."""
    return Call("DELETE", f"/v1/webhooks/{_seg(webhook_id)}", _none)


def list_patterns(owner: str | None = None) -> Call[list[PatternOut]]:
    """GET /v1/patterns."""
    return Call("GET", "/v1/patterns", _list(PatternOut), params=_params({"owner": owner}))


def serving_patterns(query: str | None = None, limit: int | None = None) -> Call[list[ServingPatternOut]]:
    """GET /v1/serving-patterns."""
    return Call(
        "GET",
        "/v1/serving-patterns",
        _list(ServingPatternOut),
        params=_params({"q": query, "limit": limit}),
    )


def get_pattern(pattern_id: str) -> Call[PatternOut]:
    """GET /v1/patterns/{id}."""
    return Call("GET", f"/v1/patterns/{_seg(pattern_id)}", _model(PatternOut))


def list_versions(pattern_id: str) -> Call[list[VersionOut]]:
    """GET /v1/patterns/{id}/versions."""
    return Call("GET", f"/v1/patterns/{_seg(pattern_id)}/versions", _list(VersionOut))


def create_pattern(body: PatternCreate | Mapping[str, Any]) -> Call[ChangeOut]:
    """POST /v1/patterns."""
    return Call("POST", "/v1/patterns", _model(ChangeOut), _body(PatternCreate, body))


def new_version(
    pattern_id: str, body: PatternContent | Mapping[str, Any], if_match: str | int | None = None
) -> Call[ChangeOut]:
    """POST /v1/patterns/{id}/versions."""
    path = f"/v1/patterns/{_seg(pattern_id)}/versions"
    return Call("POST", path, _model(ChangeOut), _body(PatternContent, body), headers=_if_match(if_match))


def update_draft(
    pattern_id: str, version: int, body: PatternContent | Mapping[str, Any], if_match: str | int | None = None
) -> Call[ChangeOut]:
    """PUT /v1/patterns/{id}/versions/{version}."""
    path = f"/v1/patterns/{_seg(pattern_id)}/versions/{int(version)}"
    return Call("PUT", path, _model(ChangeOut), _body(PatternContent, body), headers=_if_match(if_match))


def transition(
    pattern_id: str,
    version: int,
    action: Transition | str,
    body: TransitionIn | Mapping[str, Any],
    if_match: str | int | None = None,
) -> Call[ChangeOut]:
    """POST /v1/patterns/{id}/versions/{version}/{submit|approve|reject|retire}."""
    path = f"/v1/patterns/{_seg(pattern_id)}/versions/{int(version)}/{Transition(action).value}"
    return Call("POST", path, _model(ChangeOut), _body(TransitionIn, body), headers=_if_match(if_match))


def rollback(
    pattern_id: str, body: RollbackIn | Mapping[str, Any], if_match: str | int | None = None
) -> Call[ChangeOut]:
    """POST /v1/patterns/{id}/rollback."""
    path = f"/v1/patterns/{_seg(pattern_id)}/rollback"
    return Call("POST", path, _model(ChangeOut), _body(RollbackIn, body), headers=_if_match(if_match))


def suspend(
    pattern_id: str,
    body: SuspendIn | Mapping[str, Any],
    resume: bool = False,
    if_match: str | int | None = None,
) -> Call[ChangeOut]:
    """POST /v1/patterns/{id}/suspend (or /resume)."""
    path = f"/v1/patterns/{_seg(pattern_id)}/{'resume' if resume else 'suspend'}"
    return Call("POST", path, _model(ChangeOut), _body(SuspendIn, body), headers=_if_match(if_match))


def suspend_bulk(body: BulkSuspendIn | Mapping[str, Any], resume: bool = False) -> Call[BulkChangeOut]:
    """POST /v1/suspensions (or /v1/suspensions/resume)."""
    path = "/v1/suspensions/resume" if resume else "/v1/suspensions"
    return Call("POST", path, _model(BulkChangeOut), _body(BulkSuspendIn, body))


def import_patterns(body: ImportIn | Mapping[str, Any]) -> Call[ImportOut]:
    """POST /v1/patterns/import."""
    return Call("POST", "/v1/patterns/import", _model(ImportOut), _body(ImportIn, body))


def export_patterns(fmt: Literal["yaml", "csv"] = "yaml") -> Call[str]:
    """GET /v1/patterns/export."""
    return Call("GET", "/v1/patterns/export", _text, params={"format": fmt})


def list_keys() -> Call[list[KeyOut]]:
    """GET /v1/keys."""
    return Call("GET", "/v1/keys", _list(KeyOut))


def create_key(body: KeyCreate | Mapping[str, Any]) -> Call[KeyCreated]:
    """POST /v1/keys."""
    return Call("POST", "/v1/keys", _model(KeyCreated), _body(KeyCreate, body))


def rotate_key(key_id: str) -> Call[KeyCreated]:
    """POST /v1/keys/{id}/rotate."""
    return Call("POST", f"/v1/keys/{_seg(key_id)}/rotate", _model(KeyCreated))


def revoke_key(key_id: str) -> Call[KeyOut]:
    """POST /v1/keys/{id}/revoke."""
    return Call("POST", f"/v1/keys/{_seg(key_id)}/revoke", _model(KeyOut))


def get_policy() -> Call[PolicyOut]:
    """GET /v1/policy."""
    return Call("GET", "/v1/policy", _model(PolicyOut))


def set_policy(body: PolicyIn | Mapping[str, Any]) -> Call[PolicyOut]:
    """PUT /v1/policy."""
    return Call("PUT", "/v1/policy", _model(PolicyOut), _body(PolicyIn, body))


def audit(filters: Params) -> Call[list[AuditRecord]]:
    """GET /v1/audit (actor, action, subject_type, subject, since, until, after_id, limit)."""
    return Call("GET", "/v1/audit", _list(AuditRecord), params=_params(filters))


def export_audit(filters: Params) -> Call[str]:
    """GET /v1/audit/export (NDJSON)."""
    return Call("GET", "/v1/audit/export", _text, params=_params(filters))


def metrics(report: MetricReport, filters: Params) -> Call[Any]:
    """GET /v1/metrics/{report} with filters such as from, to, team, agent, pattern, group_by."""
    return Call("GET", f"/v1/metrics/{report}", _json, params=_params(filters))
