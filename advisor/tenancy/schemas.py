"""Request and response shapes of key and policy management: pydantic only, so the client can share them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from advisor.patterns.models import RiskLevel
from advisor.schemas import Strict
from advisor.tenancy.audit import AuditRecord
from advisor.tenancy.models import ApiRole

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class KeyCreate(Strict):
    """A new key: its role and who it stands for (leads need a team, agents an agent id, admins an owner)."""

    role: ApiRole
    team_id: Name | None = None
    agent_id: Name | None = None
    owner: Name | None = Field(
        default=None,
        description="The person accountable for the key (admins: required; default: agent_id). "
        "Four eyes compares owners, so two keys of one owner cannot approve each other's drafts.",
    )
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None

    @model_validator(mode="after")
    def _identity(self) -> Self:
        if self.role is ApiRole.lead and self.team_id is None:
            raise ValueError("a lead key needs 'team_id' (the team it governs)")
        if self.role is ApiRole.agent and self.agent_id is None:
            raise ValueError("an agent key needs 'agent_id' (the agent it stands for)")
        if self.role is ApiRole.admin and self.owner is None and self.agent_id is None:
            raise ValueError("an admin key needs 'owner' (the person accountable for it)")
        if self.owner is not None and self.agent_id is not None and self.owner != self.agent_id:
            raise ValueError("'owner' and 'agent_id' name different people; a key stands for one person")
        return self


class KeyOut(BaseModel):
    """A key as listed: everything but the secret."""

    id: str
    role: ApiRole
    team_id: str | None
    agent_id: str | None
    owner: str | None
    created_by: str | None = Field(
        description="The actor who created the key (null for keys older than this)."
    )
    label: str | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    active: bool


class KeyCreated(KeyOut):
    """A key just created or rotated; ``secret`` is shown only in this response."""

    secret: str = Field(description="The bearer secret; advisor stores only its hash.")
    audit: list[AuditRecord] = Field(default_factory=list)


class PolicyIn(Strict):
    """Which risk levels may be suggested; ``high_with_review`` admits high risk with ``requires_review``."""

    allowed_risks: list[RiskLevel] = Field(max_length=3)
    high_with_review: bool = True


class PolicyOut(BaseModel):
    """The policy in force for the tenant."""

    allowed_risks: list[RiskLevel]
    high_with_review: bool
    updated_at: datetime | None = None
    audit: list[AuditRecord] = Field(default_factory=list)
