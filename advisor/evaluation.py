"""Offline evaluation: replay labelled cases through a ranker; build few-shot packs from labelled CSVs."""

from __future__ import annotations

import csv
import itertools
import json
import math
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from advisor.context.models import InteractionContext
from advisor.patterns.files import dump_patterns
from advisor.patterns.models import PatternSpec, Status
from advisor.ranking.conversation import CustomerTurn, customer_turns
from advisor.ranking.protocols import Ranker
from advisor.ranking.rank import HybridRanker


@dataclass(frozen=True)
class Case:
    """One labelled case: a context and the pattern ids that would be right (empty = should escalate)."""

    id: str
    context: InteractionContext
    expected: frozenset[str]
    kind: str | None = None


def read_cases(path: Path) -> Iterator[Case]:
    """Yield the cases of a JSON-lines file."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                yield Case(
                    id=str(raw.get("id", number)),
                    context=InteractionContext.model_validate(raw["context"]),
                    expected=frozenset(raw.get("expected", [])),
                    kind=str(raw["kind"]) if raw.get("kind") else None,
                )
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{path} line {number}: {exc}") from exc


def check_expected(cases: list[Case], pattern_ids: set[str]) -> None:
    """Raise ValueError naming the first case that expects a pattern id the pack does not have."""
    for case in cases:
        unknown = sorted(case.expected - pattern_ids)
        if unknown:
            raise ValueError(f"case {case.id}: unknown pattern id {unknown[0]!r} in 'expected'")


OPERATING_COVERAGES = (0.8, 0.85, 0.9, 0.95)
"""In-scope coverages at which ``operating_points`` reads a ranker (the issue's CLINC150 bound is at 0.9)."""


@dataclass(frozen=True)
class Outcome:
    """How the ranker did on one case: where the right pattern came, what was shown, how sure it was."""

    kind: str | None
    in_scope: bool
    position: int | None
    answered: bool
    answered_right: bool
    escalated: bool
    top_confidence: float | None
    latency_ms: float
    shown: tuple[tuple[float, bool], ...] = ()
    """The top ``k`` candidates as (confidence, right), best first: what a threshold would show."""


def run_case(ranker: Ranker, case: Case, k: int) -> Outcome:
    """Rank one case and record the outcome."""
    started = time.perf_counter()
    ranked = ranker.rank(case.context, k=k)
    latency = (time.perf_counter() - started) * 1000
    ids = [c.spec.id for c in ranked.considered]
    position = next((n for n, pid in enumerate(ids) if pid in case.expected), None)
    return Outcome(
        kind=case.kind,
        in_scope=bool(case.expected),
        position=position,
        answered=bool(ranked.candidates),
        answered_right=bool(ranked.candidates) and ranked.candidates[0].spec.id in case.expected,
        escalated=ranked.escalate,
        top_confidence=ranked.considered[0].confidence if ranked.considered else None,
        latency_ms=latency,
        shown=tuple((c.confidence, c.spec.id in case.expected) for c in ranked.considered[:k]),
    )


def summarise(outcomes: list[Outcome], against: list[Outcome] | None = None) -> dict[str, Any]:
    """Return top-1/top-3/MRR, coverage, precision when answered, out-of-scope escalation and, when
    there are both kinds of case, the operating points (``operating_points``).

    ``against``: the out-of-scope cases to read the operating points against (default: those of
    ``outcomes``).
    """
    scoped = [o for o in outcomes if o.in_scope]
    n = len(scoped)
    hits1 = sum(o.position == 0 for o in scoped)
    hits3 = sum(o.position is not None and o.position < 3 for o in scoped)
    rr = sum(1 / (o.position + 1) for o in scoped if o.position is not None)
    answered = [o for o in scoped if o.answered]
    result: dict[str, Any] = {
        "n": n,
        "top1": round(hits1 / n, 4) if n else None,
        "top3": round(hits3 / n, 4) if n else None,
        "mrr": round(rr / n, 4) if n else None,
        "coverage": round(len(answered) / n, 4) if n else None,
        "top1_when_answered": (
            round(sum(o.answered_right for o in answered) / len(answered), 4) if answered else None
        ),
    }
    oos = [o for o in outcomes if not o.in_scope]
    if oos:
        escalated = sum(o.escalated for o in oos)
        result["out_of_scope"] = {"n": len(oos), "escalated": round(escalated / len(oos), 4)}
    points = operating_points(scoped, oos if against is None else against)
    if points:
        result["operating_points"] = points
    return result


def operating_points(
    scoped: list[Outcome], out_of_scope: list[Outcome], coverages: tuple[float, ...] = OPERATING_COVERAGES
) -> list[dict[str, Any]]:
    """Return, per in-scope coverage, the threshold that gives it and what it costs out of scope.

    Two rankers compared at the shipped threshold may differ only in where they start answering; here
    each is read at the same share of in-scope cases answered. At threshold ``t`` a case is answered
    as the ranker answers it: when one of its shown candidates has confidence ``t`` or more, with the
    first such candidate. ``threshold`` is the highest (to 4 decimals, rounded down) that answers at
    least ``coverage`` of the in-scope cases; ``answered`` is the share it does answer (more when
    confidences tie). A coverage that only cases without any candidate could reach gives nulls.
    Empty when either kind of case is missing.
    """
    if any(not 0.0 < coverage <= 1.0 for coverage in coverages):
        raise ValueError(f"coverages must lie in (0, 1]: {coverages}")
    if not scoped or not out_of_scope:
        return []
    levels = sorted((max((c for c, _ in o.shown), default=None) for o in scoped), key=_level, reverse=True)
    rows: list[dict[str, Any]] = []
    for coverage in coverages:
        level = levels[max(math.ceil(coverage * len(levels) - 1e-9), 1) - 1]
        if level is None:
            empty = ("threshold", "answered", "top1_when_answered", "out_of_scope_answered")
            rows.append({"coverage": coverage, **dict.fromkeys(empty)})
            continue
        threshold = math.floor(level * 10_000 + 1e-9) / 10_000  # 0.57 stays 0.57, not 0.5699
        shown = [_shown_at(o, threshold) for o in scoped]
        answered = [right for right in shown if right is not None]
        rows.append(
            {
                "coverage": coverage,
                "threshold": threshold,
                "answered": round(len(answered) / len(scoped), 4),
                "top1_when_answered": round(sum(answered) / len(answered), 4),
                "out_of_scope_answered": round(
                    sum(_shown_at(o, threshold) is not None for o in out_of_scope) / len(out_of_scope), 4
                ),
            }
        )
    return rows


def _level(confidence: float | None) -> float:
    return -1.0 if confidence is None else confidence


def _shown_at(outcome: Outcome, threshold: float) -> bool | None:
    """Whether the suggestion shown at ``threshold`` is right; None when the case is escalated."""
    return next((right for confidence, right in outcome.shown if confidence >= threshold), None)


def evaluate(ranker: Ranker, cases: list[Case], k: int = 3) -> dict[str, Any]:
    """Return the summary over all cases (and per ``kind`` when cases carry one), reliability and latency."""
    outcomes = [run_case(ranker, case, k) for case in cases]
    result = summarise(outcomes)
    lat = np.asarray([o.latency_ms for o in outcomes]) if outcomes else np.zeros(1)
    result["latency_ms_p50"] = round(float(np.percentile(lat, 50)), 3)
    result["latency_ms_p99"] = round(float(np.percentile(lat, 99)), 3)
    result["ranker"] = ranker.version
    kinds = sorted({o.kind for o in outcomes if o.kind is not None})
    if kinds:
        # Each kind is read against every out-of-scope case (SGD's openings against its off-topic endings).
        oos = [o for o in outcomes if not o.in_scope]
        result["by_kind"] = {
            kind: summarise([o for o in outcomes if o.kind == kind], against=oos) for kind in kinds
        }
    result["reliability"] = reliability(
        [
            (o.top_confidence, 0.0, o.position == 0)
            for o in outcomes
            if o.in_scope and o.top_confidence is not None
        ]
    )
    return result


def reliability(
    records: list[tuple[float, float, bool]], edges: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
) -> list[dict[str, Any]]:
    """Return, per confidence bin of the top suggestion, how often it was right (calibration check)."""
    rows = []
    for low, high in itertools.pairwise(edges):
        inside = [right for conf, _, right in records if low <= conf < high or (high == 1.0 and conf == 1.0)]
        if inside:
            rows.append(
                {
                    "confidence": f"{low:.1f}-{high:.1f}",
                    "n": len(inside),
                    "top1": round(sum(inside) / len(inside), 4),
                }
            )
    return rows


def confidence_features(
    ranker: HybridRanker, cases: list[Case]
) -> tuple[list[tuple[float, ...]], list[float]]:
    """Return the calibration features of each case's top candidate and whether it was right.

    Out-of-scope cases (nothing expected) count as wrong: the calibrated confidence is then also the
    detector that escalates them.
    """
    rows: list[tuple[float, ...]] = []
    right: list[float] = []
    for case in cases:
        top = ranker.rank(case.context, k=1).considered
        if not top:
            continue
        rows.append(top[0].features)
        right.append(1.0 if top[0].spec.id in case.expected else 0.0)
    return rows, right


def state_sequences(ranker: HybridRanker, cases: list[Case]) -> list[tuple[list[CustomerTurn], int]]:
    """Return each in-scope case's customer turns with the index of its expected pattern's intent."""
    topics = {spec.id: ranker.intents.of_pattern[n] for n, spec in enumerate(ranker.index.specs)}
    sequences = []
    for case in cases:
        # The expected pattern that names its own topic (a shared step speaks for many).
        named = sorted((len(topics[p]), p) for p in case.expected if topics.get(p))
        if not named:
            continue
        turns = customer_turns(case.context, ranker.evidence, ranker.state_model.window)
        sequences.append((turns, topics[named[0][1]][0]))
    return sequences


def build_fewshot(csv_path: Path, shots: int, seed: int, out: Path) -> dict[str, int]:
    """Write one pattern per category (``shots`` examples chosen with ``seed``) and cases from the rest."""
    by_category: dict[str, list[str]] = defaultdict(list)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_category[row["category"]].append(row["text"].strip())
    rng = random.Random(seed)  # noqa: S311  (reproducible sampling, not security)
    specs: list[PatternSpec] = []
    cases: list[dict[str, Any]] = []
    for category in sorted(by_category):
        texts = by_category[category]
        chosen = set(rng.sample(range(len(texts)), min(shots, len(texts))))
        specs.append(
            PatternSpec(
                id=category,
                version=1,
                title=category.replace("_", " "),
                body=f"(evaluation pattern for intent '{category}')",
                intents=[category],
                examples=[texts[i] for i in sorted(chosen)],
                owner="eval",
                status=Status.approved,
                change_note=f"built from {csv_path.name} with {shots} shots, seed {seed}",
            )
        )
        for i, text in enumerate(texts):
            if i in chosen:
                continue
            case_id = f"{category}-{i}"
            cases.append(
                {
                    "id": case_id,
                    "expected": [category],
                    "context": {
                        "interaction_id": case_id,
                        "channel": "chat",
                        "locale": "en-US",
                        "agent_id": "eval",
                        "turns": [{"role": "customer", "text": text}],
                    },
                }
            )
    out.mkdir(parents=True, exist_ok=True)
    (out / "patterns").mkdir(exist_ok=True)
    (out / "patterns" / "fewshot.yaml").write_text(dump_patterns(specs), encoding="utf-8")
    with (out / "cases.jsonl").open("w", encoding="utf-8") as handle:
        for case in cases:
            handle.write(json.dumps(case) + "\n")
    return {"patterns": len(specs), "cases": len(cases)}
