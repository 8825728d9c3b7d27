"""The advisor CLI: eval on a pack, few-shot builder, clean errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from advisor.cli import app
from tests.builders import TEST_PACK

runner = CliRunner()


def write_cases(path: Path) -> None:
    cases = [
        {
            "id": "1",
            "expected": ["password_reset"],
            "context": {
                "interaction_id": "1",
                "channel": "chat",
                "agent_id": "a",
                "turns": [{"role": "customer", "text": "I can't log in, forgot my password"}],
            },
        },
        {
            "id": "2",
            "expected": ["refund_status"],
            "context": {
                "interaction_id": "2",
                "channel": "chat",
                "agent_id": "a",
                "turns": [{"role": "customer", "text": "where is my refund"}],
            },
        },
        {
            "id": "3",
            "expected": [],
            "context": {
                "interaction_id": "3",
                "channel": "chat",
                "agent_id": "a",
                "turns": [{"role": "customer", "text": "what's the best pizza topping"}],
            },
        },
    ]
    path.write_text("\n".join(json.dumps(c) for c in cases) + "\n")


def test_eval_prints_metrics(tmp_path: Path) -> None:
    write_cases(tmp_path / "cases.jsonl")
    result = runner.invoke(
        app, ["eval", "--patterns", str(TEST_PACK), "--cases", str(tmp_path / "cases.jsonl")]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output.strip().splitlines()[-1])
    assert metrics["n"] == 2
    assert metrics["top1"] == 1.0
    assert {"top3", "mrr", "coverage", "top1_when_answered", "latency_ms_p50", "latency_ms_p99"} <= set(
        metrics
    )
    assert metrics["out_of_scope"] == {"n": 1, "escalated": 1.0}
    # Read at every in-scope coverage, the pizza question scores below both requests.
    points = metrics["operating_points"]
    assert [p["coverage"] for p in points] == [0.8, 0.85, 0.9, 0.95]
    assert all(p["top1_when_answered"] == 1.0 and p["out_of_scope_answered"] == 0.0 for p in points)


def test_build_fewshot_splits_examples_from_cases(tmp_path: Path) -> None:
    csv_path = tmp_path / "data.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        for i in range(6):
            writer.writerow([f"card number {i} was stolen", "card_stolen?"])
            writer.writerow([f"how do I top up {i} euros", "top_up"])
    result = runner.invoke(
        app,
        [
            "eval",
            "build-fewshot",
            "--csv",
            str(csv_path),
            "--shots",
            "4",
            "--seed",
            "0",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"patterns": 2, "cases": 4}
    cases = [json.loads(line) for line in (tmp_path / "out" / "cases.jsonl").read_text().splitlines()]
    assert {c["expected"][0] for c in cases} == {"card_stolen?", "top_up"}
    pack = (tmp_path / "out" / "patterns" / "fewshot.yaml").read_text()
    assert "id: card_stolen?" in pack
    for case in cases:
        assert case["context"]["turns"][0]["text"] not in pack


def test_bad_pattern_dir_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("patterns:\n  - id: x\n")
    write_cases(tmp_path / "cases.jsonl")
    result = runner.invoke(
        app, ["eval", "--patterns", str(tmp_path), "--cases", str(tmp_path / "cases.jsonl")]
    )
    assert result.exit_code != 0


@pytest.mark.datasets
def test_banking77_fewshot_beats_baseline(shared_datasets: Path, tmp_path: Path) -> None:
    out = tmp_path / "b77"
    built = runner.invoke(
        app,
        [
            "eval",
            "build-fewshot",
            "--csv",
            str(shared_datasets / "banking77" / "train.csv"),
            "--shots",
            "10",
            "--seed",
            "0",
            "--out",
            str(out),
        ],
    )
    assert built.exit_code == 0, built.output
    lines = (out / "cases.jsonl").read_text().splitlines()[::10]
    (out / "sample.jsonl").write_text("\n".join(lines) + "\n")
    scores = {}
    for ranker in ("hybrid", "baseline"):
        result = runner.invoke(
            app,
            [
                "eval",
                "--patterns",
                str(out / "patterns"),
                "--cases",
                str(out / "sample.jsonl"),
                "--ranker",
                ranker,
            ],
        )
        assert result.exit_code == 0, result.output
        scores[ranker] = json.loads(result.output.strip().splitlines()[-1])["top1"]
    # The stronger the encoder, the closer the nearest-example vote comes; fusion still wins clearly.
    assert scores["hybrid"] > scores["baseline"] + 0.05


def test_unknown_expected_pattern_id_is_named(tmp_path: Path) -> None:
    case = {
        "id": "c9",
        "expected": ["no_such_pattern"],
        "context": {
            "interaction_id": "9",
            "channel": "chat",
            "agent_id": "a",
            "turns": [{"role": "customer", "text": "hi"}],
        },
    }
    (tmp_path / "cases.jsonl").write_text(json.dumps(case) + "\n")
    result = runner.invoke(
        app, ["eval", "--patterns", str(TEST_PACK), "--cases", str(tmp_path / "cases.jsonl")]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, ValueError)
    assert "no_such_pattern" in str(result.exception)
    assert "c9" in str(result.exception)


def test_malformed_case_line_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "cases.jsonl").write_text('{"id": "1", "context": {"channel": "fax"}}\n')
    result = runner.invoke(
        app, ["eval", "--patterns", str(TEST_PACK), "--cases", str(tmp_path / "cases.jsonl")]
    )
    assert result.exit_code != 0
    assert "line 1" in str(result.exception)


def test_start_banner_names_the_desk_and_dashboard_on_the_configured_port(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from advisor.bootstrap import print_demo_keys
    from advisor.settings import Settings
    from advisor.tenancy.service import DemoKeys

    print_demo_keys(DemoKeys(agent="adv_a", lead="adv_l", admin="adv_x"), Settings(port=8123))
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/demo" in out
    assert "http://127.0.0.1:8123/dashboard" in out
    assert "Bearer adv_a" in out


def test_serve_banner_names_the_desk_and_dashboard_on_the_port_it_listens_on() -> None:
    from advisor.bootstrap import listening_banner

    banner = listening_banner("127.0.0.1", 9001)
    for page in ("/demo", "/dashboard", "/docs"):
        assert f"http://127.0.0.1:9001{page}" in banner


@pytest.mark.parametrize(
    "command", [["patterns", "import"], ["eval"], ["keys", "list"], ["keys", "rotate"], ["keys", "revoke"]]
)
def test_help_shows_flags_without_a_type(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert "--help " in result.output


def test_help_says_only_create_makes_a_tenant() -> None:
    assert "created when new" in runner.invoke(app, ["keys", "create", "--help"]).output
    for command in ("list", "rotate", "revoke"):
        assert "created when new" not in runner.invoke(app, ["keys", command, "--help"]).output
