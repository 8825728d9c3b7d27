"""Teams of the caller's tenant: leads and admins list them, admins register and rename them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from advisor.api.deps import PrincipalDep, SessionDep
from advisor.store.audit import AuditLog
from advisor.store.tenancy import TenancyRepository
from advisor.tenancy import teams
from advisor.tenancy.teams import TeamCreate, TeamOut, TeamUpdate

router = APIRouter(tags=["teams"])
TeamIdPath = Annotated[str, Path(min_length=1, max_length=128)]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Agents may not read teams; only admins change them"},
    404: {"description": "Unknown team (or another tenant's)"},
    409: {"description": "Team id already registered"},
}


@router.get("/v1/teams", response_model=list[TeamOut], responses=PROBLEMS)
def list_teams(principal: PrincipalDep, session: SessionDep) -> list[TeamOut]:
    """List the tenant's registered teams (none: any team name is accepted for owners and lead keys)."""
    return teams.list_teams(TenancyRepository(session), principal)


@router.post(
    "/v1/teams",
    response_model=TeamOut,
    status_code=201,
    responses=PROBLEMS,
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"example": {"id": "team-care", "name": "Customer care"}}}
        }
    },
)
def create_team(body: TeamCreate, principal: PrincipalDep, session: SessionDep) -> TeamOut:
    """Register a team; once a tenant has any, pattern owners and lead keys must name a registered one."""
    return teams.create_team(TenancyRepository(session), AuditLog(session), principal, body)


@router.put(
    "/v1/teams/{team_id}",
    response_model=TeamOut,
    responses=PROBLEMS,
    openapi_extra={"requestBody": {"content": {"application/json": {"example": {"name": "Care (EMEA)"}}}}},
)
def rename_team(
    team_id: TeamIdPath, body: TeamUpdate, principal: PrincipalDep, session: SessionDep
) -> TeamOut:
    """Change a team's display name (its id, used by patterns and keys, stays)."""
    return teams.rename_team(TenancyRepository(session), AuditLog(session), principal, team_id, body)
