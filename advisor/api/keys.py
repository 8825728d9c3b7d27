"""API keys of the caller's tenant: list (no secrets), create, rotate, revoke. Admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from advisor.api.deps import PrincipalDep, SessionDep
from advisor.store.audit import AuditLog
from advisor.store.tenancy import TenancyRepository
from advisor.tenancy import keys
from advisor.tenancy.keys import KeyCreate, KeyCreated, KeyOut

router = APIRouter(tags=["keys"])
KeyIdPath = Annotated[str, Path(min_length=1, max_length=64)]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Only admins manage keys"},
    404: {"description": "Unknown key (or another tenant's)"},
    409: {"description": "Key already revoked, or the tenant's last admin key"},
}


@router.get("/v1/keys", response_model=list[KeyOut], responses=PROBLEMS)
def list_keys(principal: PrincipalDep, session: SessionDep) -> list[KeyOut]:
    """List the tenant's keys with role, team, agent and prefix; secrets are never shown again."""
    return keys.list_keys(TenancyRepository(session), principal)


@router.post(
    "/v1/keys",
    response_model=KeyCreated,
    status_code=201,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {"role": "lead", "team_id": "team-care", "label": "Sam (lead)"}
                }
            }
        }
    },
)
def create_key(body: KeyCreate, principal: PrincipalDep, session: SessionDep) -> KeyCreated:
    """Create a key bound to this tenant and a role; the secret is in this response only."""
    return keys.create_key(TenancyRepository(session), AuditLog(session), principal, body)


@router.post("/v1/keys/{key_id}/rotate", response_model=KeyCreated, responses=PROBLEMS)
def rotate_key(key_id: KeyIdPath, principal: PrincipalDep, session: SessionDep) -> KeyCreated:
    """Replace a key with a new secret (same role, team and agent); the old secret stops working now."""
    return keys.rotate_key(TenancyRepository(session), AuditLog(session), principal, key_id)


@router.post("/v1/keys/{key_id}/revoke", response_model=KeyOut, responses=PROBLEMS)
def revoke_key(key_id: KeyIdPath, principal: PrincipalDep, session: SessionDep) -> KeyOut:
    """Revoke a key now; requests with it get 401."""
    return keys.revoke_key(TenancyRepository(session), AuditLog(session), principal, key_id)
