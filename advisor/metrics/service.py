"""Assemble the metric reports from the store: one function per report, each returning a Table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from advisor.metrics.consistency import choice_rows, outlier_rows
from advisor.metrics.cubes import labels
from advisor.metrics.delay import percentile
from advisor.metrics.edits import top_edits
from advisor.metrics.models import Dimension, Filters, Table, Thresholds
from advisor.metrics.rates import rate_rows, similarity_rows
from advisor.metrics.readiness import assess, compare
from advisor.metrics.stats import wilson
from advisor.store.reports import ReportsRepository
from advisor.utc import as_utc


def _table(
    metric: str, rows: list[dict[str, Any]], filters: Filters, dims: list[Dimension], **notes: object
) -> Table:
    return Table(metric, rows, filters.describe(), [d.value for d in dims], dict(notes))


def rates(repo: ReportsRepository, filters: Filters, dims: list[Dimension]) -> Table:
    """Acceptance, edit, rejection and ignore rates per group."""
    rows = rate_rows(repo.outcome_counts(filters, dims), labels(dims))
    return _table("rates", rows, filters, dims)


def text_consistency(repo: ReportsRepository, filters: Filters, dims: list[Dimension]) -> Table:
    """How close the sent text stays to the suggested text, per group."""
    rows = similarity_rows(repo.outcome_counts(filters, dims), labels(dims))
    return _table("consistency_text", rows, filters, dims)


def choice_consistency(repo: ReportsRepository, filters: Filters, level: str) -> Table:
    """Per intent, how concentrated agents' (or teams') choices of pattern are."""
    rows = choice_rows(repo.choice_counts(filters), level)
    return _table("consistency_choices", rows, filters, [], level=level)


def outliers(repo: ReportsRepository, filters: Filters, alpha: float) -> Table:
    """Agents whose decisions differ significantly from the rest of their team."""
    counts = repo.outcome_counts(filters, [Dimension.team, Dimension.agent])
    rows = outlier_rows(counts, alpha)
    return _table("consistency_outliers", rows, filters, [Dimension.team, Dimension.agent], alpha=alpha)


def delay(repo: ReportsRepository, filters: Filters, dims: list[Dimension]) -> Table:
    """Time from shown to decision per group: p50 and p90 (from the delay histogram) and the exact mean."""
    names = labels(dims)
    rows = []
    for r in repo.delays(filters, dims):
        n = r.ttd_n
        rows.append(
            {
                **{k: r.group[k] for k in names},
                "n": n,
                "p50_ms": percentile(r.hist, 0.5),
                "p90_ms": percentile(r.hist, 0.9),
                "mean_ms": round(r.ttd_sum / n, 1) if n else None,
            }
        )
    if not names and not rows:
        rows.append({"n": 0, "p50_ms": None, "p90_ms": None, "mean_ms": None})
    rows.sort(key=lambda r: tuple("" if r[k] is None else str(r[k]) for k in names))
    return _table("delay", rows, filters, dims, percentiles="interpolated from 40 log-spaced buckets (±13 %)")


def rejections(repo: ReportsRepository, filters: Filters, dims: list[Dimension]) -> Table:
    """Rejection reasons per group, with their share of that group's rejections."""
    names = labels(dims)
    counts = [r for r in repo.outcome_counts(filters, dims, by_reason=True) if r.decision == "rejected"]
    totals: dict[tuple[Any, ...], int] = defaultdict(int)
    for r in counts:
        totals[tuple(r.group[k] for k in names)] += r.n
    rows: list[dict[str, Any]] = []
    for r in counts:
        key = tuple(r.group[k] for k in names)
        share = wilson(r.n, totals[key])
        rows.append(
            {
                **dict(zip(names, key, strict=True)),
                "reason": r.reason or "unspecified",
                "n": r.n,
                "rejections": totals[key],
                "share": share.rate,
                "share_low": share.low,
                "share_high": share.high,
            }
        )
    rows.sort(key=lambda r: (*("" if r[k] is None else str(r[k]) for k in names), -int(r["n"])))
    return _table("rejections", rows, filters, dims)


def corrections(repo: ReportsRepository, filters: Filters) -> Table:
    """Which patterns agents reject for which other approved reply (the one they named as sent instead),
    most frequent first, with that pair's share of the suggested pattern's rejections."""
    rejected: dict[str, int] = defaultdict(int)
    for r in repo.outcome_counts(filters, [Dimension.pattern]):
        if r.decision == "rejected":
            rejected[str(r.group["pattern"])] += r.n
    # By (pattern, version), so that each pattern keeps its latest version's title.
    titles = {
        pattern: title
        for (pattern, _), (_, title) in sorted(repo.pattern_catalogue(filters.tenant_id).items())
    }
    rows: list[dict[str, Any]] = []
    for c in repo.correction_counts(filters):
        share = wilson(c.n, max(rejected[c.pattern], c.n))
        rows.append(
            {
                "pattern": c.pattern,
                "used_pattern": c.used_pattern,
                "title": titles.get(c.pattern, ""),
                "used_title": titles.get(c.used_pattern, ""),
                "n": c.n,
                "agents": c.agents,
                "rejections": rejected[c.pattern],
                "share": share.rate,
                "share_low": share.low,
                "share_high": share.high,
                "last_at": None if c.last_at is None else as_utc(c.last_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    rows.sort(key=lambda r: (-int(r["n"]), str(r["pattern"]), str(r["used_pattern"])))
    return _table("corrections", rows, filters, [])


def edits(repo: ReportsRepository, filters: Filters, per_version: int, top: int) -> Table:
    """The most common changes agents make, per pattern version, as word diffs."""
    pairs: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    for r in repo.edit_pairs(filters, per_version):
        pairs[(r.pattern, r.pattern_version)].append((r.suggested, r.sent))
    rows: list[dict[str, Any]] = []
    for (pattern, version), items in sorted(pairs.items()):
        common, example = top_edits(items, top)
        for rank, (change, n) in enumerate(common, start=1):
            rows.append(
                {
                    "pattern": pattern,
                    "pattern_version": version,
                    "rank": rank,
                    "change": change,
                    "edits_with_change": n,
                    "edits_sampled": len(items),
                    "share": round(n / len(items), 6),
                    "example_diff": example if rank == 1 else None,
                }
            )
    dims = [Dimension.pattern_version]
    return _table("edits", rows, filters, dims, per_version=per_version, top=top)


def coverage(repo: ReportsRepository, filters: Filters, dims: list[Dimension]) -> Table:
    """Share of interactions that got a suggestion versus were escalated, by intent and/or channel.

    An interaction counts in the period, team, agent and channel of its first request, and is covered when
    any of its requests returned a suggestion. Its intent is its first covered request's top suggestion's;
    for an interaction that was only escalated, the top candidate's (or "unknown").
    """
    names = labels(dims)
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for row in repo.coverage_counts(filters, dims):
        counts = groups[tuple(row.group[n] for n in names)]
        counts[0] += row.n
        if row.covered:
            counts[1] += row.n
    if not names:
        groups.setdefault((), [0, 0])  # an ungrouped report always has its one row
    rows = []
    for key, (total, hit) in sorted(groups.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        share = wilson(hit, total)
        rows.append(
            {
                **dict(zip(names, key, strict=True)),
                "interactions": total,
                "covered": hit,
                "escalated": total - hit,
                "coverage_rate": share.rate,
                "coverage_low": share.low,
                "coverage_high": share.high,
                "escalation_rate": None if share.rate is None else round(1 - share.rate, 6),
            }
        )
    return _table("coverage", rows, filters, dims)


def _policy_rejections(repo: ReportsRepository, filters: Filters) -> dict[tuple[str, int], int]:
    out: dict[tuple[str, int], int] = defaultdict(int)
    for r in repo.outcome_counts(filters, [Dimension.pattern_version], by_reason=True):
        if r.decision == "rejected" and r.reason == "policy":
            out[(str(r.group["pattern"]), int(r.group["pattern_version"] or 0))] += r.n
    return out


def readiness(repo: ReportsRepository, filters: Filters, thresholds: Thresholds) -> Table:
    """Per pattern version: Run-stage readiness or weakness, with the numbers that justify it."""
    dims = [Dimension.pattern_version]
    policy = _policy_rejections(repo, filters)
    catalogue = repo.pattern_catalogue(filters.tenant_id)
    rows = []
    for row in rate_rows(repo.outcome_counts(filters, dims), labels(dims)):
        key = (row["pattern"], int(row["pattern_version"]))
        assessed = assess(row, policy.get(key, 0), thresholds)
        assessed["title"] = catalogue.get(key, ("", ""))[1]
        rows.append(assessed)
    order = {"ready": 0, "weak": 1, "not_ready": 2, "collecting": 3}
    rows.sort(key=lambda r: (order[r["status"]], -r["decided"], r["pattern"], r["pattern_version"]))
    return _table("readiness", rows, filters, dims, thresholds=thresholds.__dict__)


def drift(repo: ReportsRepository, current: Filters, baseline: Filters, alpha: float) -> Table:
    """Per pattern: did acceptance among decisions change significantly between two periods?"""
    dims = [Dimension.pattern]
    now = {r["pattern"]: r for r in rate_rows(repo.outcome_counts(current, dims), ["pattern"])}
    before = {r["pattern"]: r for r in rate_rows(repo.outcome_counts(baseline, dims), ["pattern"])}
    rows = []
    for pattern in sorted(set(now) | set(before)):
        after_row = now.get(pattern)
        base_row = before.get(pattern)
        result = compare(base_row, after_row, alpha) if after_row else compare(None, {}, alpha)
        rows.append(
            {
                "pattern": pattern,
                "baseline_decided": base_row["decided"] if base_row else 0,
                "baseline_acceptance": base_row["decided_acceptance_rate"] if base_row else None,
                "current_decided": after_row["decided"] if after_row else 0,
                "current_acceptance": after_row["decided_acceptance_rate"] if after_row else None,
                **result,
            }
        )
    rows.sort(
        key=lambda r: (not r["significant"], r["p_value"] if r["p_value"] is not None else 2.0, r["pattern"])
    )
    return _table("drift", rows, current, dims, alpha=alpha, baseline=baseline.describe())


def versions(repo: ReportsRepository, filters: Filters, alpha: float) -> Table:
    """Per pattern version: its rates and the change from the previous version that has data."""
    dims = [Dimension.pattern_version]
    rows = rate_rows(repo.outcome_counts(replace(filters, pattern_version=None), dims), labels(dims))
    rows.sort(key=lambda r: (r["pattern"], int(r["pattern_version"])))
    out = []
    previous: dict[str, dict[str, Any]] = {}
    for row in rows:
        before = previous.get(row["pattern"])
        result = compare(before, row, alpha)
        out.append(
            {
                **row,
                "previous_version": before["pattern_version"] if before else None,
                **{f"vs_previous_{k}": v for k, v in result.items()},
            }
        )
        previous[row["pattern"]] = row
    if filters.pattern_version is not None:
        out = [r for r in out if int(r["pattern_version"]) == filters.pattern_version]
    return _table("versions", out, filters, dims, alpha=alpha)
