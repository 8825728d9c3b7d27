"""Eligibility: CRM values compared sensibly, aliases, and premises on dates and numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from advisor.context.models import InteractionContext
from advisor.patterns.models import Comparison, Eligibility, PatternSpec
from advisor.ranking import eligibility
from advisor.ranking.eligibility import StagePolicy
from advisor.ranking.premises import compare, normalise, parse_date, parse_number, reference_day
from tests.builders import make_context


def ctx(crm: dict[str, Any], at: str | None = "2026-11-29T15:00:00Z") -> InteractionContext:
    turn: dict[str, Any] = {"role": "customer", "text": "where is my parcel"}
    if at is not None:
        turn["at"] = at
    return InteractionContext.model_validate(make_context(turns=[turn], crm=crm))


def pattern(body: str = "Hi {customer.first_name}.", **rules: Any) -> PatternSpec:
    return PatternSpec(
        id="p", title="t", body=body, intents=["i"], owner="team-a", eligibility=Eligibility(**rules)
    )


def check(spec: PatternSpec, context: InteractionContext, now: datetime | None = None) -> list[str] | None:
    return eligibility.check(spec, context, context.slot_values(), StagePolicy(), now=now)


@pytest.mark.parametrize("status", ["in_transit", "In Transit", "in transit", "IN-TRANSIT", "in__transit "])
def test_crm_enumeration_ignores_case_and_separators(status: str) -> None:
    spec = pattern(when={"order.status": ["in_transit"]})
    assert check(spec, ctx({"order": {"status": status}})) == [f"order.status is {status}"]


def test_other_enumeration_value_is_not_eligible() -> None:
    spec = pattern(when={"order.status": ["in_transit"]})
    assert check(spec, ctx({"order": {"status": "delivered"}})) is None
    assert check(spec, ctx({"order": {"status": "intransit"}})) is None  # letters still matter


def test_segment_compared_like_any_enumeration() -> None:
    spec = pattern(segments=["gold_plus"])
    assert check(spec, ctx({"customer": {"segment": "Gold Plus"}})) == ["gold plus customer"]


def test_member_level_counts_as_segment_everywhere() -> None:
    context = ctx({"customer": {"first_name": "Dana", "member_level": "Gold"}})
    assert context.slot_values()["customer.segment"] == "Gold"
    spec = pattern(
        body="As a {customer.segment} member",
        segments=["gold"],
        requires=["customer.segment"],
        when={"customer.segment": ["gold", "platinum"]},
    )
    assert check(spec, context) == [
        "gold customer",
        "customer.segment = Gold",
        "customer.segment is Gold",
    ]


def test_explicit_segment_wins_over_alias() -> None:
    context = ctx({"customer": {"segment": "silver", "tier": "gold"}})
    assert context.slot_values()["customer.segment"] == "silver"
    assert check(pattern(segments=["gold"]), context) is None


def test_alias_never_invents_a_value() -> None:
    context = ctx({"customer": {"first_name": "Dana"}})
    assert "customer.segment" not in context.slot_values()
    assert check(pattern(requires=["customer.segment"]), context) is None


def test_passed_eta_admits_a_lateness_premise() -> None:
    spec = pattern(when={"order.eta": Comparison(lt="today")})
    assert check(spec, ctx({"order": {"eta": "2026-11-27"}})) == ["order.eta 2026-11-27 has passed"]


@pytest.mark.parametrize("eta", ["2026-11-29", "2026-12-02", "Dec 2, 2026"])
def test_eta_today_or_ahead_excludes_a_lateness_premise(eta: str) -> None:
    spec = pattern(when={"order.eta": Comparison(lt="today")})
    assert check(spec, ctx({"order": {"eta": eta}})) is None


def test_missing_for_over_a_week() -> None:
    spec = pattern(when={"order.eta": Comparison(lt="today-7d")})
    rules = check(spec, ctx({"order": {"eta": "21 Nov 2026"}}))
    assert rules == ["order.eta 2026-11-21 is more than 7 days ago"]
    assert check(spec, ctx({"order": {"eta": "2026-11-22"}})) is None  # exactly 7 days ago


def test_reference_day_is_the_latest_turn_else_injected_else_now() -> None:
    spec = pattern(when={"order.eta": Comparison(lt="today")})
    crm = {"order": {"eta": "2026-11-27"}}
    turns = [
        {"role": "customer", "text": "hello", "at": "2026-11-20T09:00:00Z"},
        {"role": "customer", "text": "still nothing", "at": "2026-11-28T09:00:00+02:00"},
    ]
    context = InteractionContext.model_validate(make_context(turns=turns, crm=crm))
    assert reference_day(context) == date(2026, 11, 28)
    assert check(spec, context) == ["order.eta 2026-11-27 has passed"]
    assert check(spec, context, now=datetime(2026, 11, 26, tzinfo=UTC)) is None
    undated = ctx(crm, at=None)
    assert reference_day(undated) == datetime.now(UTC).date()


@pytest.mark.parametrize(
    "eta", ["soon", "next week", "31 Feb 2026", "2026-13-01", "Nov 27", "True", "0001-01-01T00:00:00+05:00"]
)
def test_unparseable_date_makes_the_premise_false(eta: str) -> None:
    for premise in (Comparison(lt="today"), Comparison(gte="today")):
        assert check(pattern(when={"order.eta": premise}), ctx({"order": {"eta": eta}})) is None


def test_missing_fact_makes_the_premise_false() -> None:
    assert check(pattern(when={"order.eta": Comparison(lt="today")}), ctx({"order": {}})) is None


@pytest.mark.parametrize(
    ("total", "eligible"),
    [("$80.00", True), ("€50", True), ("1,250.00 EUR", True), (120, True), ("49.99", False), ("lots", False)],
)
def test_amount_at_least(total: Any, eligible: bool) -> None:
    spec = pattern(when={"order.total": Comparison(gte=50)})
    rules = check(spec, ctx({"order": {"total": total}}))
    assert (rules is not None) is eligible
    if rules is not None:
        assert rules == [f"order.total {total} is at least 50"]


def test_range_reads_as_one_rule() -> None:
    spec = pattern(when={"order.purchase_date": Comparison(gte="today-30d", lte="today")})
    assert check(spec, ctx({"order": {"purchase_date": "2026-11-10T08:00:00Z"}})) == [
        "order.purchase_date 2026-11-10 is today or earlier and is at most 30 days ago"
    ]
    assert check(spec, ctx({"order": {"purchase_date": "2026-10-01"}})) is None


def test_fixed_date_bound() -> None:
    spec = pattern(when={"order.purchase_date": Comparison(lt="2026-01-01")})
    assert check(spec, ctx({"order": {"purchase_date": "Dec 24, 2025"}})) == [
        "order.purchase_date 2025-12-24 is before 2026-01-01"
    ]


def test_parsers() -> None:
    assert normalise("  Out-for  Delivery ") == "out_for_delivery"
    assert parse_date("2026-11-27T23:30:00-05:00") == date(2026, 11, 28)  # UTC day
    assert parse_date("Sept 3rd, 2026") == date(2026, 9, 3)
    assert parse_number("1.234,50") is None
    assert compare("order.eta", "2026-11-20", Comparison(gt="today+3d"), date(2026, 11, 15)) == (
        "order.eta 2026-11-20 is more than 3 days away"
    )
