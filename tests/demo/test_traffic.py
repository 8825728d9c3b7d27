"""The demo traffic is true to the pattern it simulates: its CRM meets every premise of that pattern."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from advisor.context.models import InteractionContext
from advisor.demo.traffic import crm_for
from advisor.patterns.files import load_patterns
from advisor.patterns.models import Eligibility, RiskLevel
from advisor.ranking.eligibility import StagePolicy, check
from advisor.settings import DEMO_PACK_DIR

SPECS = load_patterns(DEMO_PACK_DIR)


@pytest.mark.parametrize("days", [0, 45, 200])
def test_the_simulated_crm_meets_the_premises_and_requirements_of_its_pattern(days: int) -> None:
    """Otherwise the seeded month would show a pattern as suggested for a customer it cannot be for."""
    at = datetime(2026, 11, 25, 15, tzinfo=UTC) + timedelta(days=days)
    rng = random.Random(days)
    premised = [s for s in SPECS if s.eligibility.when]
    assert {"subscription_bill_double_charge", "promo_code_expired_explain"} <= {s.id for s in premised}
    for spec in premised:
        crm = crm_for(rng, at, spec)
        context = InteractionContext.model_validate(
            {
                "interaction_id": "sim-1",
                "channel": "chat",
                "locale": "en-US",
                "agent_id": "agent-1",
                "turns": [{"role": "customer", "text": "hello", "at": at.isoformat()}],
                "crm": crm,
            }
        )
        # Only what the CRM decides: the premises and the required facts (segments are drawn at random).
        facts = Eligibility(requires=spec.eligibility.requires, when=spec.eligibility.when)
        only_facts = spec.model_copy(update={"eligibility": facts, "risk": RiskLevel.low})
        assert check(only_facts, context, context.slot_values(), StagePolicy()) is not None, (spec.id, crm)
