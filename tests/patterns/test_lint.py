"""Lint: slots against the context schema, examples, channel length, near-duplicates."""

from __future__ import annotations

from typing import Any

from advisor.patterns.lint import Severity, errors, lint
from advisor.patterns.models import PatternSpec


def spec(**overrides: Any) -> PatternSpec:
    values: dict[str, Any] = {
        "id": "p",
        "title": "t",
        "body": "Hi {customer.first_name}, order {order.id} ships today.",
        "intents": ["i"],
        "examples": ["a", "b", "c"],
        "owner": "team-a",
    }
    values.update(overrides)
    return PatternSpec.model_validate(values)


def codes(findings: list[Any]) -> list[str]:
    return [f.code for f in findings]


def test_clean_pattern_has_no_findings() -> None:
    assert lint(spec()) == []


def test_unknown_and_malformed_slots_are_errors() -> None:
    findings = lint(spec(body="Hi {customer.nickname}, your {Order ID} and {order_id}."))
    assert codes(errors(findings)) == ["unknown-slot", "malformed-slot", "malformed-slot"]
    assert "customer.nickname" in findings[0].message


def test_unbalanced_braces_are_malformed_slots() -> None:
    findings = lint(spec(body="Hi {customer.first_name, your order {order.id}} shipped."))
    assert [(f.code, f.field) for f in findings] == [("malformed-slot", "body")] * 2
    assert "'{customer.first_name,'" in findings[0].message
    assert "'{order.id}}'" in findings[1].message
    [empty] = lint(spec(body="Hi {customer.first_name}, see {}."))
    assert empty.message.startswith("'{}' is not a slot")


def test_required_fact_outside_schema() -> None:
    findings = lint(spec(eligibility={"requires": ["order.colour"]}))
    assert [(f.code, f.field) for f in findings] == [("unknown-slot", "eligibility.requires")]


def test_examples() -> None:
    assert codes(errors(lint(spec(examples=[])))) == ["no-examples"]
    few = lint(spec(examples=["only one"]))
    assert [(f.code, f.severity) for f in few] == [("few-examples", Severity.warning)]


def test_length_per_channel() -> None:
    long_body = "Hello {customer.first_name}. " + "x" * 330
    assert codes(errors(lint(spec(body=long_body, eligibility={"channels": ["messaging"]})))) == [
        "too-long-for-channel"
    ]
    assert lint(spec(body=long_body, eligibility={"channels": ["email"]})) == []
    unrestricted = lint(spec(body=long_body))
    assert [(f.code, f.severity) for f in unrestricted] == [("too-long-for-channel", Severity.warning)]


def test_near_duplicate_names_the_other_and_similarity() -> None:
    other = spec(
        id="q", version=3, body="Hi {customer.first_name}, order {order.id} ships today!", examples=["x"]
    )
    [finding] = lint(spec(), [other])
    assert (finding.code, finding.similar_to) == ("near-duplicate", "q@v3")
    assert 0.9 < (finding.similarity or 0) < 1.0
    unrelated = spec(id="q", body="Your refund of {order.refund_amount} was issued.", examples=["y"])
    assert lint(spec(), [unrelated]) == []


def test_shared_example_and_self_is_ignored() -> None:
    other = spec(id="q", body="Something else entirely, nothing alike at all.", examples=["A", "z"])
    assert codes(lint(spec(), [other, spec()])) == ["shared-example"]


def flow_findings(findings: list[Any]) -> list[Any]:
    return [f for f in findings if f.field == "flows"]


def test_flow_gap_warns_once_after_the_gap() -> None:
    first = spec(id="a", body="Step one for {order.id}.", flows=[{"name": "f", "step": 1}])
    third = spec(id="c", body="Step three, all done.", flows=[{"name": "f", "step": 3}])
    findings = flow_findings(lint(third, [first]))
    assert [(f.code, f.severity) for f in findings] == [("flow-gap", Severity.warning)]
    assert "no step 2" in findings[0].message
    assert flow_findings(lint(first, [third])) == []


def test_duplicate_flow_step_warns_only_when_eligibility_is_the_same() -> None:
    one = spec(id="a", body="Sent by mail.", flows=[{"name": "f", "step": 1}])
    same = spec(id="b", body="Handed in at a store.", flows=[{"name": "f", "step": 1}])
    other = spec(
        id="c",
        body="Sent by courier.",
        flows=[{"name": "f", "step": 1}],
        eligibility={"when": {"order.status": ["shipped"]}},
    )
    assert codes(flow_findings(lint(same, [one, other]))) == ["duplicate-flow-step"]
    assert flow_findings(lint(other, [one])) == []


def test_alias_in_a_rule_points_to_the_canonical_slot() -> None:
    findings = lint(spec(eligibility={"requires": ["customer.tier"]}))
    assert [(f.code, f.field) for f in findings] == [("unknown-slot", "eligibility.requires")]
    assert "alias of customer.segment" in findings[0].message


def test_premise_with_no_allowed_value_blocks_review() -> None:
    findings = lint(spec(eligibility={"when": {"order.status": []}}))
    assert [(f.code, f.field) for f in errors(findings)] == [("empty-premise", "eligibility.when")]


def test_unknown_collected_fact_is_an_error() -> None:
    findings = lint(spec(collects=["order.idd"]))
    assert [(f.code, f.field) for f in errors(findings)] == [("unknown-slot", "collects")]


def test_bundled_demo_pack_lints_clean() -> None:
    from advisor.patterns.transfer import load_located, validate
    from advisor.settings import DEMO_PACK_DIR

    findings = [(i.spec.id, f.code) for i, f in validate(load_located(DEMO_PACK_DIR))]
    assert findings == []
