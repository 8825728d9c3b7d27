"""API key management: create, list (never the secret), rotate and revoke, each audited; admins only."""

from __future__ import annotations

from typing import Any

from advisor.errors import Conflict, NotFound
from advisor.store.audit import AuditLog
from advisor.store.tables.tenancy import ApiKeyRow
from advisor.store.tenancy import TenancyRepository
from advisor.tenancy.models import ApiRole, Principal
from advisor.tenancy.rights import check_team, require_admin
from advisor.tenancy.schemas import KeyCreate, KeyCreated, KeyOut

__all__ = [
    "KeyCreate",
    "KeyCreated",
    "KeyOut",
    "create_key",
    "list_keys",
    "require_admin",
    "revoke_key",
    "rotate_key",
]

SUBJECT = "api_key"


def key_out(row: ApiKeyRow) -> KeyOut:
    """Return the public view of a key."""
    return KeyOut(
        id=row.id,
        role=ApiRole(row.role),
        team_id=row.team_id,
        agent_id=row.agent_id,
        owner=row.owner,
        created_by=row.created_by,
        label=row.label,
        prefix=row.prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        active=row.revoked_at is None,
    )


def _snapshot(row: ApiKeyRow) -> dict[str, Any]:
    return key_out(row).model_dump(mode="json")


def list_keys(repo: TenancyRepository, principal: Principal) -> list[KeyOut]:
    """Return the tenant's keys, oldest first, without secrets."""
    require_admin(principal)
    return [key_out(r) for r in repo.list_keys(principal.tenant_id)]


def create_key(repo: TenancyRepository, audit: AuditLog, principal: Principal, body: KeyCreate) -> KeyCreated:
    """Create a key in the caller's tenant and return its secret once."""
    require_admin(principal)
    if body.team_id is not None:
        check_team(repo.known_teams(principal.tenant_id), body.team_id, "team_id")
    row, secret = repo.create_key(
        principal.tenant_id,
        body.role.value,
        team_id=body.team_id,
        agent_id=body.agent_id,
        owner=body.owner,
        created_by=principal.actor,
        label=body.label,
    )
    entry = audit.append(
        principal.tenant_id, principal.actor, "key.create", SUBJECT, row.id, after=_snapshot(row)
    )
    return KeyCreated(**key_out(row).model_dump(), secret=secret, audit=[entry])


def _active(repo: TenancyRepository, principal: Principal, key_id: str) -> ApiKeyRow:
    require_admin(principal)
    row = repo.get_key(principal.tenant_id, key_id)
    if row is None:
        raise NotFound(f"no key '{key_id}'", field="key_id")
    if row.revoked_at is not None:
        raise Conflict(f"key '{key_id}' is already revoked", field="key_id")
    return row


def _keep_an_admin(repo: TenancyRepository, row: ApiKeyRow) -> None:
    if row.role == ApiRole.admin.value and repo.active_admins(row.tenant_id) <= 1:
        raise Conflict("this is the tenant's last active admin key; create another admin key first")


def revoke_key(repo: TenancyRepository, audit: AuditLog, principal: Principal, key_id: str) -> KeyOut:
    """Revoke a key now; its next request is a 401."""
    row = _active(repo, principal, key_id)
    _keep_an_admin(repo, row)
    before = _snapshot(row)
    repo.revoke(row)
    audit.append(
        principal.tenant_id,
        principal.actor,
        "key.revoke",
        SUBJECT,
        row.id,
        before=before,
        after=_snapshot(row),
    )
    return key_out(row)


def rotate_key(repo: TenancyRepository, audit: AuditLog, principal: Principal, key_id: str) -> KeyCreated:
    """Replace a key with a new secret for the same role, team and agent; the old one stops working."""
    row = _active(repo, principal, key_id)
    new, secret = repo.create_key(
        row.tenant_id,
        row.role,
        team_id=row.team_id,
        agent_id=row.agent_id,
        owner=row.owner,
        created_by=principal.actor,
        label=row.label,
    )
    before = _snapshot(row)
    repo.revoke(row)
    entry = audit.append(
        principal.tenant_id,
        principal.actor,
        "key.rotate",
        SUBJECT,
        row.id,
        before=before,
        after={"replaced_by": new.id, **_snapshot(new)},
    )
    return KeyCreated(**key_out(new).model_dump(), secret=secret, audit=[entry])
