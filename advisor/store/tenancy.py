"""Tenants and API keys (only hashes are stored)."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from advisor.store.stamps import mark_changed
from advisor.store.tables.tenancy import ApiKeyRow, TeamRow, TenantRow
from advisor.utc import utcnow

KEY_PREFIX = "adv_"


def hash_key(secret: str) -> str:
    """Return the stored form of an API key."""
    return hashlib.sha256(secret.encode()).hexdigest()


class TenancyRepository:
    """Reads and writes tenants and API keys."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def ensure_tenant(self, tenant_id: str, name: str | None = None) -> TenantRow:
        """Return the tenant, creating it when missing."""
        tenant = self.session.get(TenantRow, tenant_id)
        if tenant is None:
            tenant = TenantRow(id=tenant_id, name=name or tenant_id)
            self.session.add(tenant)
            self.session.flush()
        return tenant

    def tenant_count(self) -> int:
        """Return how many tenants exist."""
        return len(self.session.scalars(select(TenantRow.id)).all())

    def create_key(
        self,
        tenant_id: str,
        role: str,
        *,
        team_id: str | None = None,
        agent_id: str | None = None,
        owner: str | None = None,
        created_by: str | None = None,
        label: str | None = None,
    ) -> tuple[ApiKeyRow, str]:
        """Create a key; return the row and the secret (shown once, never stored).

        ``owner`` (the person accountable for the key) defaults to ``agent_id``.
        """
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        row = ApiKeyRow(
            id=str(uuid.uuid4()),
            tenant_id=tenant_id,
            role=role,
            team_id=team_id,
            agent_id=agent_id,
            owner=owner or agent_id,
            created_by=created_by,
            label=label,
            prefix=secret[:10],
            key_hash=hash_key(secret),
        )
        self.session.add(row)
        self.session.flush()
        return row, secret

    def find_active_key(self, secret: str) -> ApiKeyRow | None:
        """Return the unrevoked key with this secret, if any."""
        row = self.session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_key(secret)))
        return row if row is not None and row.revoked_at is None else None

    def get_key(self, tenant_id: str, key_id: str) -> ApiKeyRow | None:
        """Return a key of the tenant by id."""
        row = self.session.get(ApiKeyRow, key_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    def list_keys(self, tenant_id: str) -> list[ApiKeyRow]:
        """Return the tenant's keys, oldest first."""
        return list(
            self.session.scalars(
                select(ApiKeyRow).where(ApiKeyRow.tenant_id == tenant_id).order_by(ApiKeyRow.created_at)
            )
        )

    def revoke(self, row: ApiKeyRow) -> None:
        """Revoke a key now (every process refuses it within the stamp poll interval)."""
        mark_changed(self.session)
        row.revoked_at = utcnow()
        self.session.flush()

    def active_admins(self, tenant_id: str) -> int:
        """Return how many unrevoked admin keys the tenant has."""
        return len(
            self.session.scalars(
                select(ApiKeyRow.id).where(
                    ApiKeyRow.tenant_id == tenant_id,
                    ApiKeyRow.role == "admin",
                    ApiKeyRow.revoked_at.is_(None),
                )
            ).all()
        )

    def list_teams(self, tenant_id: str) -> list[TeamRow]:
        """Return the tenant's registered teams, by id."""
        return list(
            self.session.scalars(select(TeamRow).where(TeamRow.tenant_id == tenant_id).order_by(TeamRow.id))
        )

    def get_team(self, tenant_id: str, team_id: str) -> TeamRow | None:
        """Return one registered team."""
        return self.session.get(TeamRow, (tenant_id, team_id))

    def add_team(self, tenant_id: str, team_id: str, name: str, actor: str) -> TeamRow:
        """Register a team."""
        row = TeamRow(tenant_id=tenant_id, id=team_id, name=name, created_by=actor)
        self.session.add(row)
        self.session.flush()
        return row

    def known_teams(self, tenant_id: str) -> frozenset[str]:
        """Return the ids of the tenant's registered teams (empty: the tenant does not register teams)."""
        return frozenset(self.session.scalars(select(TeamRow.id).where(TeamRow.tenant_id == tenant_id)))

    def rename_team(self, row: TeamRow, name: str) -> None:
        """Change a team's display name."""
        row.name = name
        self.session.flush()
