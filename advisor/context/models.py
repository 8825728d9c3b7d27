"""The interaction context a recommendation request carries (bounded pydantic models)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from advisor.context.aliases import resolve
from advisor.errors import InvalidInput
from advisor.schemas import Strict

# Ceilings of the schema; the limits in force are settings.limits (at most these), checked by within_limits.
MAX_TURNS = 1_000
MAX_TURN_CHARS = 32_000
MAX_CRM_FIELDS = 64

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
CrmValue = Annotated[str, StringConstraints(max_length=1_000)] | int | float | bool | None


class Channel(StrEnum):
    """Where the conversation happens."""

    chat = "chat"
    voice = "voice"
    email = "email"
    messaging = "messaging"


class Role(StrEnum):
    """Who wrote a turn."""

    customer = "customer"
    agent = "agent"
    system = "system"


class Turn(Strict):
    """One message of the conversation."""

    role: Role
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TURN_CHARS)]
    at: datetime | None = None

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("turn text must not be blank")
        return v


class CrmFields(Strict):
    """CRM facts about the customer, their order and the case; flat key → scalar per group."""

    customer: dict[str, CrmValue] = Field(default_factory=dict, max_length=MAX_CRM_FIELDS)
    order: dict[str, CrmValue] = Field(default_factory=dict, max_length=MAX_CRM_FIELDS)
    case: dict[str, CrmValue] = Field(default_factory=dict, max_length=MAX_CRM_FIELDS)


class InteractionContext(Strict):
    """Everything advisor knows about a live interaction when asked for suggestions."""

    interaction_id: Identifier
    channel: Channel
    locale: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")] = "en-US"
    agent_id: Identifier
    team_id: Identifier | None = None
    turns: list[Turn] = Field(min_length=1, max_length=MAX_TURNS)
    crm: CrmFields = Field(default_factory=CrmFields)
    metadata: dict[str, CrmValue] = Field(default_factory=dict, max_length=MAX_CRM_FIELDS)

    @field_validator("turns")
    @classmethod
    def _has_customer_turn(cls, v: list[Turn]) -> list[Turn]:
        if not any(t.role is Role.customer for t in v):
            raise ValueError("at least one turn must be from the customer")
        return v

    def slot_values(self, agent_first_name: str | None = None) -> dict[str, str]:
        """Return every fillable slot (``group.field``) with its value as text, aliases resolved.

        A CRM field known under another name (``customer.member_level`` → ``customer.segment``,
        see :mod:`advisor.context.aliases`) also fills its canonical slot unless the request
        sends the canonical field itself.
        """
        values: dict[str, str] = {}
        for group in ("customer", "order", "case"):
            for key, raw in getattr(self.crm, group).items():
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    continue
                values[f"{group}.{key}"] = str(raw)
        values = resolve(values)
        if agent_first_name:
            values["agent.first_name"] = agent_first_name
        return values

    def digest(self) -> str:
        """Return a sha256 of the canonical JSON of this context (for the audit trail)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def within_limits(context: InteractionContext, max_turns: int, max_turn_chars: int) -> InteractionContext:
    """Return ``context`` if it keeps the configured limits; else raise a 422 naming the field."""
    if len(context.turns) > max_turns:
        raise _too_long("turns", f"at most {max_turns} turns are read, got {len(context.turns)}")
    for i, turn in enumerate(context.turns):
        if len(turn.text) > max_turn_chars:
            raise _too_long(f"turns.{i}.text", f"a turn holds at most {max_turn_chars} characters")
    return context


def _too_long(field: str, message: str) -> InvalidInput:
    errors = [{"field": field, "message": message, "type": "too_long"}]
    return InvalidInput(f"field '{field}': {message}", field=field, errors=errors)
