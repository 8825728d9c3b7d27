"""The ABCD replay bench: CRM mapping, and on 3 real dialogues, counts that add up."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from advisor.patterns.files import load_patterns

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def replay_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("abcd_replay", BENCH / "abcd_replay.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["abcd_replay"] = module
    spec.loader.exec_module(module)
    return module


def test_crm_fields_are_mapped_to_advisor_groups(replay_module: ModuleType) -> None:
    dialogue = {
        "customer": {"customer_name": "Crystal Minh", "member_level": "gold", "pin_number": "1234"},
        "order": {"order_id": "123", "shipping_status": "in transit", "full_address": "1 Main St"},
        "product": {"names": ["Guess jeans"]},
    }
    assert replay_module.crm_fields(dialogue) == {
        "customer": {"first_name": "Crystal", "last_name": "Minh", "segment": "gold"},
        "order": {
            "id": "123",
            "status": "in_transit",
            "shipping_address": "1 Main St",
            "item": "Guess jeans",
        },
    }


@pytest.mark.datasets
def test_replay_of_three_dialogues_adds_up(replay_module: ModuleType, shared_datasets: Path) -> None:
    dialogues = replay_module.read_dialogues(shared_datasets / "abcd" / "abcd-train-sample.jsonl", limit=3)
    mapping = replay_module.Mapping.load(BENCH / "abcd_mapping.yaml")
    ranker, specs = replay_module.build(replay_module.DEFAULT_PATTERNS)
    assert mapping.unknown(specs) == []
    customer_turns = sum(
        1 for d in dialogues for t in d["turns"] if t["speaker"] == "customer" and t["text"].strip()
    )
    per_intent: dict[str, dict[str, int]] = {}
    reach = replay_module.build(replay_module.DEFAULT_PATTERNS, unlimited=True)[0]
    report, wrong = replay_module.replay(dialogues, ranker, mapping, per_intent=per_intent, reach=reach)
    # Each dialogue's turns are counted under the intent the mapping decides it by.
    assert set(per_intent) == {mapping.key(d) for d in dialogues}
    for field in ("turns", "right", "escalated", "wrong", "wrong_commit", "available"):
        assert sum(c[field] for c in per_intent.values()) == sum(
            parts["all"][field] for parts in report.values()
        )
    total = 0
    for parts in report.values():
        for cell in parts.values():
            assert cell["right"] + cell["escalated"] + cell["wrong"] == cell["turns"]
            assert cell["wrong_commit"] <= cell["wrong"]
            assert cell["right_by_identity_check"] <= cell["right"]
            # A turn answered right had a right pattern available.
            assert cell["right"] <= cell["available"] <= cell["turns"]
        assert parts["opening"]["turns"] + parts["later"]["turns"] == parts["all"]["turns"]
        total += parts["all"]["turns"]
        assert parts["opening"]["turns"] == sum(
            1 for d in dialogues if (mapping.expected(d) != frozenset()) == (parts is report["in_scope"])
        )
    assert total == customer_turns
    assert len(wrong) == sum(parts["all"]["wrong"] for parts in report.values())


def test_the_crm_shows_only_what_the_agent_pulled_up(replay_module: ModuleType) -> None:
    crm = {
        "customer": {"first_name": "Crystal", "segment": "gold", "username": "cminh"},
        "order": {"id": "123", "status": "in_transit"},
    }
    assert replay_module.visible(crm, []) == {"customer": {}, "order": {}}
    assert replay_module.visible(crm, ["pull-up-account"]) == {
        "customer": {"first_name": "Crystal", "segment": "gold"},
        "order": {},
    }
    assert replay_module.visible(crm, ["pull-up-account", "validate-purchase"]) == crm


@pytest.mark.datasets
def test_the_mapping_decides_every_abcd_intent(replay_module: ModuleType, shared_datasets: Path) -> None:
    """A replay of other ABCD dialogues (dev, test) must not count an intent as out of scope by omission."""
    ontology = json.loads((shared_datasets / "abcd" / "ontology.json").read_text(encoding="utf-8"))
    intents = {intent for group in ontology["intents"]["subflows"].values() for intent in group}
    mapping = replay_module.Mapping.load(BENCH / "abcd_mapping.yaml")
    assert len(intents) == 55
    assert sorted(intents - set(mapping.right)) == []
    demo_specs = load_patterns(replay_module.DEFAULT_PATTERNS)
    assert mapping.unknown(demo_specs) == []  # every pattern it names is in the demo pack


@pytest.mark.datasets
def test_a_gzipped_split_reads_as_the_plain_file(
    replay_module: ModuleType, shared_datasets: Path, tmp_path: Path
) -> None:
    plain = shared_datasets / "abcd" / "abcd-train-sample.jsonl"
    packed = tmp_path / "abcd-dev.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    expected = replay_module.read_dialogues(plain, fold="b")
    assert len(expected) == 25
    assert replay_module.read_dialogues(packed, fold="b") == expected
