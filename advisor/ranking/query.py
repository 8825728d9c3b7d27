"""Build a weighted query from a conversation: recent customer turns weigh most."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.context.models import InteractionContext, Role

CUSTOMER_DECAY = 0.5
AGENT_WEIGHT = 0.2
CRM_WEIGHT = 0.15
MAX_CUSTOMER_TURNS = 4
CRM_HINT_KEYS = ("order.status", "case.subscription_plan")


@dataclass(frozen=True)
class QueryPart:
    """One text of the query with its weight; ``turn`` indexes the context's turns (None for CRM)."""

    text: str
    weight: float
    turn: int | None


def build_query(context: InteractionContext) -> list[QueryPart]:
    """Return the weighted texts to score: last customer turn 1.0, earlier ones halved each step."""
    parts: list[QueryPart] = []
    weight = 1.0
    seen_customer = 0
    last_agent_done = False
    for index in range(len(context.turns) - 1, -1, -1):
        turn = context.turns[index]
        if turn.role is Role.customer and seen_customer < MAX_CUSTOMER_TURNS:
            parts.append(QueryPart(turn.text, weight, index))
            weight *= CUSTOMER_DECAY
            seen_customer += 1
        elif turn.role is Role.agent and not last_agent_done and seen_customer == 0:
            # Only the agent's latest turn after the customer's last words says what is being handled.
            parts.append(QueryPart(turn.text, AGENT_WEIGHT, index))
            last_agent_done = True
    slots = context.slot_values()
    hints = " ".join(f"{key.split('.')[0]} {slots[key]}" for key in CRM_HINT_KEYS if key in slots)
    if hints:
        parts.append(QueryPart(hints, CRM_WEIGHT, None))
    return parts
