"""CSV and YAML pattern files with line numbers; exact CSV round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.errors import PatternFileError
from advisor.patterns.csvio import dump_csv, parse_csv
from advisor.patterns.files import load_patterns
from advisor.patterns.transfer import load_located, parse_text
from advisor.settings import DEMO_PACK_DIR
from tests.builders import TEST_PACK

YAML = """patterns:
  - id: greet
    title: Greeting
    body: "Hi {customer.first_name}!"
    intents: [greeting]
    examples: [hello]
    owner: team-a
  - id: bye
    title: Bye
    body: "Bye"
    intents: [bye]
    risk: extreme
    owner: team-a
"""


def test_yaml_error_names_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(YAML)
    with pytest.raises(PatternFileError) as err:
        load_located(path)
    assert err.value.extra["line"] == 12
    assert err.value.extra["field"] == "risk"
    assert f"{path} line 12" in err.value.detail


def test_csv_round_trip_is_exact() -> None:
    specs = load_patterns(TEST_PACK)
    text = dump_csv(specs)
    parsed = [spec for spec, _ in parse_csv(text, Path("x.csv"))]
    assert parsed == specs
    assert dump_csv(parsed) == text


def test_csv_multiline_body_keeps_line_numbers() -> None:
    specs = load_patterns(TEST_PACK)
    multi = specs[0].model_copy(update={"body": "Line one\nline two {order.id}"})
    text = dump_csv([multi, *specs[1:]])
    located = parse_csv(text, Path("x.csv"))
    assert [line for _, line in located[:2]] == [2, 4]
    assert located[0][0].body == "Line one\nline two {order.id}"


def test_csv_errors() -> None:
    with pytest.raises(PatternFileError, match="unknown column 'colour'"):
        parse_csv("id,title,body,intents,owner,colour\n", Path("x.csv"))
    with pytest.raises(PatternFileError, match="line 2: field 'intents': not valid JSON"):
        parse_csv('id,title,body,intents,owner\ng,T,B,"[oops",team\n', Path("x.csv"))
    with pytest.raises(PatternFileError) as err:
        parse_text(
            'id,title,body,intents,owner\ng,T,B,"[""a""]",team\nh,T,,"[""a""]",team\n', "csv", "up.csv"
        )
    assert (err.value.extra["line"], err.value.extra["field"]) == (3, "body")


def test_duplicate_version_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(YAML.split("  - id: bye")[0])
    (tmp_path / "b.csv").write_text(dump_csv(load_patterns(tmp_path / "a.yaml")))
    with pytest.raises(PatternFileError, match="already defined in"):
        load_located(tmp_path)


def test_csv_round_trip_keeps_flows() -> None:
    specs = load_patterns(DEMO_PACK_DIR)
    assert any(s.flows for s in specs)
    parsed = [spec for spec, _ in parse_csv(dump_csv(specs), Path("x.csv"))]
    assert parsed == specs
