"""Pattern files: schema, errors that name file/pattern/field, round trip, and the demo pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.errors import PatternFileError
from advisor.patterns.files import dump_patterns, load_patterns, parse_patterns
from advisor.patterns.rendering import render
from advisor.settings import DEMO_PACK_DIR
from tests.builders import TEST_PACK

GOOD = """
patterns:
  - id: greet
    title: Greeting
    body: "Hi {customer.first_name}!"
    intents: [greeting]
    examples: [hello]
    owner: team-a
"""


def test_missing_field_names_file_pattern_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("    owner: team-a\n", ""))
    with pytest.raises(PatternFileError) as err:
        load_patterns(tmp_path)
    assert str(path) in err.value.detail
    assert err.value.extra == {"file": str(path), "pattern": "greet", "field": "owner"}


def test_wrong_risk_value(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(GOOD + "    risk: extreme\n")
    with pytest.raises(PatternFileError) as err:
        load_patterns(tmp_path)
    assert err.value.extra["field"] == "risk"


def test_unknown_channel_in_eligibility(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(GOOD + "    eligibility: {channels: [fax]}\n")
    with pytest.raises(PatternFileError) as err:
        load_patterns(tmp_path)
    assert err.value.extra["field"] == "eligibility.channels.0"


def test_flow_step_must_be_positive(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(GOOD + "    flows: [{name: greeting, step: 0}]\n")
    with pytest.raises(PatternFileError) as err:
        load_patterns(tmp_path)
    assert err.value.extra == {
        "file": str(tmp_path / "bad.yaml"),
        "pattern": "greet",
        "field": "flows.0.step",
    }


def test_one_step_per_flow(tmp_path: Path) -> None:
    flows = "    flows: [{name: greeting, step: 1}, {name: greeting, step: 2}]\n"
    (tmp_path / "bad.yaml").write_text(GOOD + flows)
    with pytest.raises(PatternFileError, match="listed twice") as err:
        load_patterns(tmp_path)
    assert err.value.extra["field"] == "flows"


def test_flows_round_trip(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(
        GOOD + "    flows: [{name: greeting, step: 1}, {name: welcome, step: 2}]\n"
    )
    specs = load_patterns(tmp_path)
    assert [(f.name, f.step) for f in specs[0].flows] == [("greeting", 1), ("welcome", 2)]
    assert parse_patterns(dump_patterns(specs), Path("x.yaml")) == specs


def test_invalid_yaml_gives_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("patterns:\n  - id: [unclosed\n")
    with pytest.raises(PatternFileError, match="line"):
        load_patterns(tmp_path)


def test_duplicate_id_and_version(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(PatternFileError, match="already defined"):
        load_patterns(tmp_path)


def test_round_trip_is_exact() -> None:
    specs = load_patterns(TEST_PACK)
    assert parse_patterns(dump_patterns(specs), Path("x.yaml")) == specs


def test_render_fills_only_known_values() -> None:
    rendered = render(
        "Hi {customer.first_name}, order {order.id} ({order.eta})",
        {"customer.first_name": "Ana", "order.id": "7"},
    )
    assert rendered.text == "Hi Ana, order 7 ({order.eta})"
    assert rendered.unfilled == ["order.eta"]


def test_demo_pack_is_rich_and_valid() -> None:
    specs = load_patterns(DEMO_PACK_DIR)
    intents = {s.intents[0] for s in specs}
    assert len(intents) >= 25
    assert all(len(s.examples) >= 5 for s in specs)
    assert all(s.status.value == "approved" for s in specs)


@pytest.mark.parametrize(
    ("premise", "message"),
    [
        ("{before: today}", "unknown comparison 'before'"),
        ("{lt: yesterday}", "lt: 'yesterday' is not a number, 'today', 'today-7d' or a date"),
        ("{lt: today, gte: 50}", "numbers only or with dates only"),
        ("{}", "at least one of lt, lte, gt, gte"),
        ("[shipped, '']", "allowed values are texts of 1 to 64 characters"),
        ("in_transit", "expected a list of allowed values"),
    ],
)
def test_malformed_premise_names_file_pattern_and_field(tmp_path: Path, premise: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD + f"    eligibility:\n      when:\n        order.eta: {premise}\n")
    with pytest.raises(PatternFileError) as err:
        load_patterns(tmp_path)
    assert err.value.extra == {"file": str(path), "pattern": "greet", "field": "eligibility.when.order.eta"}
    assert message in err.value.detail


def test_premises_round_trip(tmp_path: Path) -> None:
    text = GOOD + (
        "    eligibility:\n      when:\n        order.status: [in_transit]\n"
        "        order.eta: {lt: today-7d}\n        order.total: {gte: 50}\n"
        "        order.purchase_date: {gte: 2026-01-01}\n"
    )
    [spec] = parse_patterns(text, tmp_path / "p.yaml")
    assert spec.eligibility.when["order.purchase_date"].model_dump(exclude_none=True) == {  # type: ignore[union-attr]
        "gte": "2026-01-01"
    }
    assert parse_patterns(dump_patterns([spec]), tmp_path / "again.yaml") == [spec]


def test_a_shared_step_may_serve_many_flows_but_not_without_bound(tmp_path: Path) -> None:
    """Verify the customer is step 1 of every account flow of a library: 100 places load, 101 do not."""

    def places(n: int) -> str:
        return "    flows: [" + ", ".join(f"{{name: flow{i}, step: 1}}" for i in range(n)) + "]\n"

    (tmp_path / "ok.yaml").write_text(GOOD + places(100))
    assert len(load_patterns(tmp_path)[0].flows) == 100
    (tmp_path / "ok.yaml").write_text(GOOD + places(101))
    with pytest.raises(PatternFileError) as err:
        load_patterns(tmp_path)
    assert err.value.extra["field"] == "flows"
