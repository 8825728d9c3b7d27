"""The demo desk: hand the demo tenant's agent key to a browser on the same machine."""

from __future__ import annotations

from pydantic import BaseModel

from advisor.demo.repository import DemoSecretRepository
from advisor.store.tenancy import TenancyRepository
from advisor.tenancy.models import ApiRole
from advisor.tenancy.service import DEMO_AGENT, DEMO_TEAM, DEMO_TENANT

DESK_KEY = "demo_desk_agent_key"


class DemoConfig(BaseModel):
    """What the demo desk needs to call the API as the demo agent."""

    tenant_id: str
    agent_id: str
    team_id: str
    api_key: str


def demo_available(demo: DemoSecretRepository) -> bool:
    """Return whether the store has the demo tenant."""
    return demo.tenant_exists(DEMO_TENANT)


def desk_config(tenancy: TenancyRepository, demo: DemoSecretRepository) -> DemoConfig | None:
    """Return the demo desk's agent key, creating it (once) when missing or revoked; None without demo."""
    if not demo.tenant_exists(DEMO_TENANT):
        return None
    stored = demo.get(DESK_KEY)
    secret = stored.secret if stored is not None else None
    if secret is None or tenancy.find_active_key(secret) is None:
        _, secret = tenancy.create_key(
            DEMO_TENANT, ApiRole.agent, team_id=DEMO_TEAM, agent_id=DEMO_AGENT, label="demo desk (/demo)"
        )
        demo.put(DESK_KEY, DEMO_TENANT, secret)
    return DemoConfig(tenant_id=DEMO_TENANT, agent_id=DEMO_AGENT, team_id=DEMO_TEAM, api_key=secret)
