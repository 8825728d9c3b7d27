"""Offline evaluation: replay labelled cases through a ranker; build few-shot packs from labelled CSVs."""

from __future__ import annotations

import csv
import itertools
import json
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
from advisor.ranking.protocols import Ranker


@dataclass(frozen=True)
class Case:
    """One labelled case: a context and the pattern ids that would be right (empty = should escalate)."""

    id: str
    context: InteractionContext
    expected: frozenset[str]


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
                )
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{path} line {number}: {exc}") from exc


def check_expected(cases: list[Case], pattern_ids: set[str]) -> None:
    """Raise ValueError naming the first case that expects a pattern id the pack does not have."""
    for case in cases:
        unknown = sorted(case.expected - pattern_ids)
        if unknown:
            raise ValueError(f"case {case.id}: unknown pattern id {unknown[0]!r} in 'expected'")


def evaluate(ranker: Ranker, cases: list[Case], k: int = 3) -> dict[str, Any]:
    """Return top-1/top-3/MRR of the ranking, coverage and precision of what is shown, and latency."""
    hits1 = hits3 = 0
    rr = 0.0
    answered = answered_right = 0
    oos = oos_escalated = 0
    latencies: list[float] = []
    records: list[tuple[float, float, bool]] = []
    for case in cases:
        started = time.perf_counter()
        ranked = ranker.rank(case.context, k=k)
        latencies.append((time.perf_counter() - started) * 1000)
        if not case.expected:
            oos += 1
            oos_escalated += ranked.escalate
            continue
        ids = [c.spec.id for c in ranked.considered]
        position = next((n for n, pid in enumerate(ids) if pid in case.expected), None)
        hits1 += position == 0
        hits3 += position is not None and position < 3
        rr += 1 / (position + 1) if position is not None else 0.0
        if ranked.candidates:
            answered += 1
            answered_right += ranked.candidates[0].spec.id in case.expected
        if ranked.considered:
            records.append((ranked.considered[0].confidence, 0.0, position == 0))
    n = len(cases) - oos
    lat = np.asarray(latencies) if latencies else np.zeros(1)
    result: dict[str, Any] = {
        "n": n,
        "top1": round(hits1 / n, 4) if n else None,
        "top3": round(hits3 / n, 4) if n else None,
        "mrr": round(rr / n, 4) if n else None,
        "coverage": round(answered / n, 4) if n else None,
        "top1_when_answered": round(answered_right / answered, 4) if answered else None,
        "latency_ms_p50": round(float(np.percentile(lat, 50)), 3),
        "latency_ms_p99": round(float(np.percentile(lat, 99)), 3),
        "ranker": ranker.version,
    }
    result["reliability"] = reliability(records)
    if oos:
        result["out_of_scope"] = {"n": oos, "escalated": round(oos_escalated / oos, 4)}
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


def top_features(ranker: Ranker, cases: list[Case]) -> tuple[list[float], list[float], list[float]]:
    """Return (top score, margin, top is right) per in-scope case, for calibration."""
    scores: list[float] = []
    margins: list[float] = []
    right: list[float] = []
    for case in cases:
        ranked = ranker.rank(case.context, k=2)
        top = ranked.considered
        if not top:
            continue
        scores.append(top[0].score)
        margins.append(top[0].score - (top[1].score if len(top) > 1 else 0.0))
        right.append(1.0 if case.expected and top[0].spec.id in case.expected else 0.0)
    return scores, margins, right


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
