"""Acceptance, edit, rejection and ignore rates per group, each with its sample size and Wilson interval.

Rates over *shown* suggestions add up to 1 (accepted + edited + rejected + ignored). Edited is never
counted as accepted. ``decided_acceptance`` is accepted over decided (ignored left out): the evidence a
pattern fits when an agent does act on it, used by readiness, drift and version comparisons.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from advisor.metrics.models import Decision, OutcomeCount
from advisor.metrics.stats import wilson

RATE_NAMES = {
    Decision.accepted: "acceptance",
    Decision.edited: "edit",
    Decision.rejected: "rejection",
    Decision.ignored: "ignore",
}


def _ratio(total: float, n: int) -> float | None:
    return round(total / n, 6) if n else None


def rate_row(
    labels: dict[str, Any], by_decision: dict[str, int], sim_sum: float, sim_n: int
) -> dict[str, Any]:
    """Build one flat row: counts, four rates over shown, acceptance over decided, mean similarity."""
    counts = {d.value: by_decision.get(d.value, 0) for d in Decision}
    shown = sum(counts.values())
    decided = shown - counts["ignored"]
    row: dict[str, Any] = dict(labels)
    row.update(shown=shown, decided=decided, **counts)
    for decision, name in RATE_NAMES.items():
        interval = wilson(counts[decision.value], shown)
        row[f"{name}_rate"], row[f"{name}_low"], row[f"{name}_high"] = (
            interval.rate,
            interval.low,
            interval.high,
        )
    decided_acc = wilson(counts["accepted"], decided)
    row.update(
        decided_acceptance_rate=decided_acc.rate,
        decided_acceptance_low=decided_acc.low,
        decided_acceptance_high=decided_acc.high,
        similarity_mean=_ratio(sim_sum, sim_n),
        similarity_n=sim_n,
    )
    return row


def rate_rows(counts: list[OutcomeCount], labels: list[str]) -> list[dict[str, Any]]:
    """Turn (group, decision, n, similarity sums) counts into one rate row per group, sorted by group."""
    decisions: dict[tuple[Any, ...], dict[str, int]] = defaultdict(dict)
    sims: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0.0, 0])
    for row in counts:
        key = tuple(row.group[label] for label in labels)
        decisions[key][row.decision] = row.n
        sims[key][0] += row.similarity_sum or 0.0
        sims[key][1] += row.similarity_n
    out = [
        rate_row(dict(zip(labels, key, strict=True)), decisions[key], sims[key][0], int(sims[key][1]))
        for key in decisions
    ]
    if not labels and not out:
        out.append(rate_row({}, {}, 0.0, 0))  # an ungrouped report always has its one (empty) row
    return sorted(out, key=lambda r: tuple("" if r[k] is None else str(r[k]) for k in labels))


def similarity_rows(counts: list[OutcomeCount], labels: list[str]) -> list[dict[str, Any]]:
    """Per group: how close sent text stays to the suggestion, for accepted, edited and both."""
    acc: dict[tuple[Any, ...], dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    for row in counts:
        if row.decision not in ("accepted", "edited"):
            continue
        key = tuple(row.group[label] for label in labels)
        acc[key][row.decision][0] += row.similarity_sum or 0.0
        acc[key][row.decision][1] += row.similarity_n
    out: list[dict[str, Any]] = []
    for key, parts in acc.items():
        a, e = parts["accepted"], parts["edited"]
        n = int(a[1] + e[1])
        out.append(
            {
                **dict(zip(labels, key, strict=True)),
                "used": n,
                "similarity_mean": _ratio(a[0] + e[0], n),
                "edited": int(e[1]),
                "edited_similarity_mean": _ratio(e[0], int(e[1])),
            }
        )
    return sorted(out, key=lambda r: tuple("" if r[k] is None else str(r[k]) for k in labels))
