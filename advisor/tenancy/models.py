"""Who is calling: roles and the authenticated principal an API key stands for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ApiRole(StrEnum):
    """Decision rights: agents recommend and give feedback, leads govern their teams, admins the tenant."""

    agent = "agent"
    lead = "lead"
    admin = "admin"


@dataclass(frozen=True)
class Principal:
    """The caller behind an API key."""

    tenant_id: str
    role: ApiRole
    key_id: str
    team_id: str | None = None
    agent_id: str | None = None
    owner: str | None = None

    @property
    def person(self) -> str | None:
        """Return the person the key stands for: its owner, else its agent id (None: nobody named)."""
        return self.owner or self.agent_id

    @property
    def actor(self) -> str:
        """Return a stable name for the audit log and the four-eyes rule: the person, else the key."""
        who = self.person or f"key-{self.key_id[:8]}"
        return f"{self.role.value}:{who}"
