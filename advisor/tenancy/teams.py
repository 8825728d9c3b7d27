"""Teams of a tenant: admins register them; once any is, pattern owners and lead keys must name one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from advisor.errors import Conflict, NotFound
from advisor.schemas import Strict
from advisor.store.audit import AuditLog
from advisor.store.tables.tenancy import TeamRow
from advisor.store.tenancy import TenancyRepository
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.models import ApiRole, Principal
from advisor.tenancy.rights import require_admin

TeamId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class TeamCreate(Strict):
    """A team to register."""

    id: TeamId
    name: TeamName


class TeamUpdate(Strict):
    """A new display name."""

    name: TeamName


class TeamOut(BaseModel):
    """A registered team."""

    id: str
    name: str
    created_at: datetime
    created_by: str | None
    audit: list[AuditRecord] = Field(default_factory=list)


def _out(row: TeamRow, audit: list[AuditRecord] | None = None) -> TeamOut:
    return TeamOut(
        id=row.id, name=row.name, created_at=row.created_at, created_by=row.created_by, audit=audit or []
    )


def list_teams(repo: TenancyRepository, principal: Principal) -> list[TeamOut]:
    """Return the tenant's teams (leads and admins)."""
    if principal.role is not ApiRole.lead:
        require_admin(principal)
    return [_out(r) for r in repo.list_teams(principal.tenant_id)]


def create_team(repo: TenancyRepository, audit: AuditLog, principal: Principal, body: TeamCreate) -> TeamOut:
    """Register a team (admins)."""
    require_admin(principal)
    if repo.get_team(principal.tenant_id, body.id) is not None:
        raise Conflict(f"team '{body.id}' already exists", field="id")
    row = repo.add_team(principal.tenant_id, body.id, body.name, principal.actor)
    entry = audit.append(
        principal.tenant_id,
        principal.actor,
        "team.create",
        "team",
        row.id,
        after={"id": row.id, "name": row.name},
    )
    return _out(row, [entry])


def rename_team(
    repo: TenancyRepository, audit: AuditLog, principal: Principal, team_id: str, body: TeamUpdate
) -> TeamOut:
    """Change a team's display name (admins)."""
    require_admin(principal)
    row = repo.get_team(principal.tenant_id, team_id)
    if row is None:
        raise NotFound(f"no team '{team_id}'", field="team_id")
    before = {"id": row.id, "name": row.name}
    repo.rename_team(row, body.name)
    entry = audit.append(
        principal.tenant_id,
        principal.actor,
        "team.update",
        "team",
        row.id,
        before=before,
        after={"id": row.id, "name": row.name},
    )
    return _out(row, [entry])
