"""Admin API for webhook subscriptions: POST/GET /v1/webhooks, DELETE /v1/webhooks/{webhook_id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from advisor.api.deps import SessionDep, SettingsDep, require
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.models import ApiRole, Principal
from advisor.webhooks.models import WebhookCreate, WebhookCreated, WebhookList
from advisor.webhooks.service import create_subscription, delete_subscription, list_subscriptions
from advisor.webhooks.targets import TargetPolicy

router = APIRouter(tags=["webhooks"])


def webhook_repo(session: SessionDep) -> WebhookRepository:
    """Return the webhook repository on the request's transaction."""
    return WebhookRepository(session)


WebhookRepoDep = Annotated[WebhookRepository, Depends(webhook_repo)]
AdminDep = Annotated[Principal, require(ApiRole.admin)]
WebhookId = Annotated[str, Path(min_length=1, max_length=64, description="The subscription id.")]

CREATE_EXAMPLE = {
    "url": "https://crm.example.com/hooks/advisor",
    "events": ["feedback.recorded", "pattern.changed"],
    "description": "CRM analytics",
}
SUBSCRIPTION_EXAMPLE = {
    "id": "0d6f1f8e-3c1a-4f5e-9b0e-2a7c9d1e4b21",
    "url": "https://crm.example.com/hooks/advisor",
    "events": ["feedback.recorded", "pattern.changed"],
    "description": "CRM analytics",
    "created_by": "admin:3f9a2c1d",
    "created_at": "2026-11-25T10:00:00Z",
    "consecutive_failures": 0,
    "last_error": None,
    "last_delivery_at": "2026-11-25T10:05:12Z",
    "pending": 0,
}


@router.post(
    "/v1/webhooks",
    response_model=WebhookCreated,
    status_code=201,
    openapi_extra={"requestBody": {"content": {"application/json": {"example": CREATE_EXAMPLE}}}},
    responses={
        201: {
            "content": {
                "application/json": {
                    "example": {**SUBSCRIPTION_EXAMPLE, "secret": "whsec_Jq3…", "pending": 0}
                }
            }
        }
    },
)
def create_webhook(
    body: WebhookCreate, principal: AdminDep, repo: WebhookRepoDep, settings: SettingsDep
) -> WebhookCreated:
    """Subscribe a URL to events (admins only).

    Every delivery is a JSON POST signed with the returned `secret` (shown only now):
    `Advisor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, with the event's id in
    `Advisor-Event-Id`. Deliveries are retried with exponential backoff until a 2xx, so deduplicate
    on the event id. See docs/integrate.md.

    Targets on loopback, private, link-local or multicast addresses, or cloud metadata host names,
    are refused (422) unless the operator allow-listed them (`ADVISOR_WEBHOOKS__ALLOW_TARGETS`).
    """
    return create_subscription(body, principal, repo, TargetPolicy(settings.webhooks.allow_targets))


@router.get(
    "/v1/webhooks",
    response_model=WebhookList,
    responses={200: {"content": {"application/json": {"example": {"items": [SUBSCRIPTION_EXAMPLE]}}}}},
)
def list_webhooks(principal: AdminDep, repo: WebhookRepoDep) -> WebhookList:
    """List the tenant's subscriptions with delivery health (failures in a row, last error, pending)."""
    return list_subscriptions(principal, repo)


@router.delete("/v1/webhooks/{webhook_id}", status_code=204, response_class=Response)
def delete_webhook(webhook_id: WebhookId, principal: AdminDep, repo: WebhookRepoDep) -> Response:
    """Unsubscribe a URL (admins only); events not yet delivered to it are dropped."""
    delete_subscription(webhook_id, principal, repo)
    return Response(status_code=204)
