"""Run-stage readiness, weak patterns, drift between periods and before/after version comparisons."""

from __future__ import annotations

from typing import Any

from advisor.metrics.models import Thresholds
from advisor.metrics.stats import two_proportion_z


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def assess(row: dict[str, Any], policy_rejections: int, t: Thresholds) -> dict[str, Any]:
    """Add readiness status, weak flag and the reasons (in words) to one pattern-version rate row."""
    decided, low, sim = row["decided"], row["decided_acceptance_low"], row["similarity_mean"]
    checks = [
        (decided >= t.min_decisions, f"{decided} decisions (needs ≥ {t.min_decisions})"),
        (
            low is not None and low >= t.min_acceptance_low,
            f"acceptance lower bound {_fmt(low)} (needs ≥ {t.min_acceptance_low:.2f})",
        ),
        (
            sim is not None and sim >= t.min_similarity,
            f"sent-text similarity {_fmt(sim)} (needs ≥ {t.min_similarity:.2f})",
        ),
        (policy_rejections == 0, f"{policy_rejections} policy rejections (needs 0)"),
    ]
    ready = all(ok for ok, _ in checks)
    edit_share = row["edited"] / decided if decided else None
    reject_share = row["rejected"] / decided if decided else None
    weak_reasons: list[str] = []
    if decided >= t.weak_min_decisions:
        if edit_share is not None and edit_share >= t.weak_edit_rate:
            weak_reasons.append(f"edited in {edit_share:.0%} of decisions (flag at ≥ {t.weak_edit_rate:.0%})")
        if reject_share is not None and reject_share >= t.weak_rejection_rate:
            weak_reasons.append(
                f"rejected in {reject_share:.0%} of decisions (flag at ≥ {t.weak_rejection_rate:.0%})"
            )
    status = (
        "ready"
        if ready
        else "weak"
        if weak_reasons
        else "collecting"
        if decided < t.min_decisions
        else "not_ready"
    )
    return {
        **row,
        "decided_edit_share": None if edit_share is None else round(edit_share, 6),
        "decided_rejection_share": None if reject_share is None else round(reject_share, 6),
        "policy_rejections": policy_rejections,
        "status": status,
        "ready": ready,
        "weak": bool(weak_reasons),
        "why": "; ".join(weak_reasons)
        if weak_reasons
        else "; ".join(("✓ " if ok else "✗ ") + text for ok, text in checks),
    }


def compare(before: dict[str, Any] | None, after: dict[str, Any], alpha: float) -> dict[str, Any]:
    """Compare acceptance among decisions of two rate rows with a two-proportion z-test."""
    if before is None:
        return {"delta": None, "z": None, "p_value": None, "significant": False, "direction": None}
    test = two_proportion_z(after["accepted"], after["decided"], before["accepted"], before["decided"])
    a, b = after["decided_acceptance_rate"], before["decided_acceptance_rate"]
    delta = None if a is None or b is None else round(a - b, 6)
    significant = test.p_value is not None and test.p_value < alpha
    direction = None if delta is None else "up" if delta > 0 else "down" if delta < 0 else "flat"
    return {
        "delta": delta,
        "z": test.statistic,
        "p_value": test.p_value,
        "significant": significant,
        "direction": direction,
    }
