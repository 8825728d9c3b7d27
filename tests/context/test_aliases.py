"""The CRM alias table: one canonical slot per fact, values only from the request."""

from __future__ import annotations

from advisor.context.aliases import ALIASES, CANONICAL, lookup, resolve
from advisor.context.models import InteractionContext
from advisor.context.slots import SLOT_CATALOGUE
from advisor.patterns.rendering import render
from tests.builders import make_context


def test_every_canonical_slot_is_in_the_catalogue_and_no_alias_is() -> None:
    assert set(ALIASES) <= set(SLOT_CATALOGUE)
    assert not set(CANONICAL) & set(SLOT_CATALOGUE)


def test_first_alias_present_fills_the_canonical_slot() -> None:
    assert resolve({"customer.tier": "silver", "customer.member_level": "Gold"})["customer.segment"] == "Gold"
    assert lookup({"order.order_id": "A7"}, "order.id") == "A7"
    assert lookup({}, "order.id") is None


def test_member_level_renders_the_segment_slot() -> None:
    crm = {"customer": {"first_name": "Dana", "member_level": "Gold"}, "order": {"order_id": "A1001"}}
    context = InteractionContext.model_validate(make_context(crm=crm))
    rendered = render("As a {customer.segment} member, order {order.id} ships free.", context.slot_values())
    assert rendered.text == "As a Gold member, order A1001 ships free."
    assert rendered.unfilled == []


def test_canonical_field_wins_and_blank_alias_is_ignored() -> None:
    crm = {"customer": {"segment": "silver", "tier": "gold"}, "order": {"id": "A1", "order_id": "B2"}}
    values = InteractionContext.model_validate(make_context(crm=crm)).slot_values()
    assert (values["customer.segment"], values["order.id"]) == ("silver", "A1")
    blank = {"customer": {"tier": "  "}, "order": {}}
    assert "customer.segment" not in InteractionContext.model_validate(make_context(crm=blank)).slot_values()
