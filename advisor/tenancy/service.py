"""Authenticate API keys and bootstrap the zero-setup demo tenant."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.errors import Unauthorized
from advisor.patterns.models import PatternSpec
from advisor.patterns.service import add_patterns
from advisor.store.patterns import PatternRepository
from advisor.store.tenancy import TenancyRepository
from advisor.tenancy.models import ApiRole, Principal

DEMO_TENANT = "demo"
DEMO_TEAM = "team-care"
DEMO_AGENT = "agent-demo"


def authenticate(secret: str | None, repo: TenancyRepository) -> Principal:
    """Return the principal for a bearer secret, or raise Unauthorized."""
    if not secret:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    row = repo.find_active_key(secret)
    if row is None:
        raise Unauthorized("unknown or revoked API key")
    return Principal(
        tenant_id=row.tenant_id,
        role=ApiRole(row.role),
        key_id=row.id,
        team_id=row.team_id,
        agent_id=row.agent_id,
        owner=row.owner,
    )


@dataclass(frozen=True)
class DemoKeys:
    """The keys created for the demo tenant (secrets, shown once)."""

    agent: str
    lead: str
    admin: str


def bootstrap_demo(
    tenancy: TenancyRepository, patterns: PatternRepository, pack: list[PatternSpec]
) -> DemoKeys | None:
    """On an empty store, create the demo tenant, one key per role and the approved demo pack."""
    if tenancy.tenant_count() > 0:
        return None
    tenancy.ensure_tenant(DEMO_TENANT, "Demo retailer")
    _, agent = tenancy.create_key(
        DEMO_TENANT, ApiRole.agent, team_id=DEMO_TEAM, agent_id=DEMO_AGENT, label="demo agent"
    )
    _, lead = tenancy.create_key(DEMO_TENANT, ApiRole.lead, team_id=DEMO_TEAM, label="demo lead")
    _, admin = tenancy.create_key(DEMO_TENANT, ApiRole.admin, owner="demo-admin", label="demo admin")
    add_patterns(patterns, DEMO_TENANT, pack)
    return DemoKeys(agent=agent, lead=lead, admin=admin)
