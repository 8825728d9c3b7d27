"""Small checks of decision rights shared by the tenancy and pattern use cases."""

from __future__ import annotations

from collections.abc import Set

from advisor.errors import Forbidden, InvalidInput
from advisor.tenancy.models import ApiRole, Principal


def require_admin(principal: Principal) -> None:
    """Raise Forbidden unless the caller is a tenant admin."""
    if principal.role is not ApiRole.admin:
        raise Forbidden(f"role '{principal.role.value}' may not manage this; an admin key is needed")


def check_team(known: Set[str], team_id: str, field: str) -> None:
    """Refuse a team the tenant has not registered (a tenant that registers none accepts any team)."""
    if known and team_id not in known:
        raise InvalidInput(
            f"unknown team '{team_id}'; registered teams: {', '.join(sorted(known))}", field=field
        )


def acting_as(principal: Principal, agent_id: str, team_id: str | None) -> str | None:
    """Return the team a live-path call is recorded under; refuse a call made as someone else.

    Every role acts as itself on the live path: the request's ``agent_id`` must be the key's person
    (agent id, or owner for lead and admin keys), and a key bound to a team records under that team
    (a request naming another team is refused).
    """
    if principal.person is None:
        raise Forbidden(
            "this key stands for no person; suggestions and feedback need a key with an agent id or owner",
            field="agent_id",
        )
    if agent_id != principal.person:
        raise Forbidden(
            f"this key acts as '{principal.person}' and may not act as agent '{agent_id}'", field="agent_id"
        )
    if principal.team_id is not None and team_id not in (None, principal.team_id):
        raise Forbidden(
            f"this key belongs to team '{principal.team_id}' and may not act for team '{team_id}'",
            field="team_id",
        )
    return principal.team_id or team_id
