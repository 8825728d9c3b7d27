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
