"""The demo traffic is true to the pattern it simulates: its CRM meets every premise of that pattern."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from advisor.context.models import InteractionContext
from advisor.demo.traffic import crm_for
from advisor.patterns.files import load_patterns
from advisor.patterns.models import Eligibility, PatternSpec, RiskLevel
from advisor.ranking.eligibility import StagePolicy, check
from advisor.settings import DEMO_PACK_DIR
from tests.builders import make_context

SPECS = {spec.id: spec for spec in load_patterns(DEMO_PACK_DIR)}
AT = datetime(2026, 11, 25, 15, tzinfo=UTC)


def facts_hold(spec: PatternSpec, crm: dict[str, dict[str, str]], at: datetime) -> bool:
    """Whether ``crm`` meets the premises and required facts of ``spec`` (segments are drawn at random)."""
    body = make_context("hello", crm=crm)
    body["turns"][0]["at"] = at.isoformat()
    context = InteractionContext.model_validate(body)
    facts = Eligibility(requires=spec.eligibility.requires, when=spec.eligibility.when)
    only_facts = spec.model_copy(update={"eligibility": facts, "risk": RiskLevel.low})
    return check(only_facts, context, context.slot_values(), StagePolicy()) is not None


@pytest.mark.parametrize("days", [0, 45, 200])
def test_the_simulated_crm_meets_the_premises_and_requirements_of_its_pattern(days: int) -> None:
    """Otherwise the seeded month would show a pattern as suggested for a customer it cannot be for."""
    at = AT + timedelta(days=days)
    rng = random.Random(days)
    for spec in SPECS.values():
        crm = crm_for(rng, at, spec)
        assert facts_hold(spec, crm, at), (spec.id, crm)


def test_the_simulated_crm_is_an_everyday_one_where_the_premises_allow() -> None:
    """A premise the everyday CRM already meets keeps its value (a shipping fee that was charged); one it
    does not gets the nearest value that does (a count, not an amount, for "charged more than once")."""
    rng = random.Random(1)
    waived = crm_for(rng, AT, SPECS["shipping_cost_fee_waived"])
    assert waived["order"]["shipping_fee"] == "€6.95"
    charged = crm_for(rng, AT, SPECS["subscription_bill_double_charge"])
    assert charged["case"]["subscription_charges"] == "2"
    # The account is on screen only for a pattern that needs it, so the account step still gets traffic.
    assert "account_id" in crm_for(rng, AT, SPECS["two_factor_reset_code"])["customer"]
    assert "account_id" not in crm_for(rng, AT, SPECS["identity_check"])["customer"]
