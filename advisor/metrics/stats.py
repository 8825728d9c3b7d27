"""Statistics used by the reports: Wilson intervals, two-proportion z-test, chi-square, concentration."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as sps

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    """A proportion with its 95 % Wilson score interval."""

    rate: float | None
    low: float | None
    high: float | None
    n: int


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """Return the rate and the Wilson score interval of ``successes`` out of ``n`` (None when n is 0)."""
    if n <= 0:
        return Interval(None, None, None, 0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(round(p, 6), round(max(0.0, centre - half), 6), round(min(1.0, centre + half), 6), n)


@dataclass(frozen=True)
class TestResult:
    """A test statistic and its two-sided p-value (None when the test cannot be run)."""

    statistic: float | None
    p_value: float | None


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> TestResult:
    """Two-sided pooled two-proportion z-test of x1/n1 against x2/n2."""
    if n1 == 0 or n2 == 0:
        return TestResult(None, None)
    pooled = (x1 + x2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return TestResult(0.0, 1.0)
    z = (x1 / n1 - x2 / n2) / math.sqrt(var)
    return TestResult(round(z, 4), float(2 * sps.norm.sf(abs(z))))


def chi_square(table: Sequence[Sequence[int]]) -> TestResult:
    """Chi-square test of independence on a contingency table; empty rows/columns are dropped first."""
    rows = [list(r) for r in table if sum(r) > 0]
    if len(rows) < 2:
        return TestResult(None, None)
    keep = [j for j in range(len(rows[0])) if sum(r[j] for r in rows) > 0]
    if len(keep) < 2:
        return TestResult(None, None)
    trimmed = [[r[j] for j in keep] for r in rows]
    result = sps.chi2_contingency(trimmed, correction=False)
    return TestResult(round(float(result.statistic), 4), float(result.pvalue))


@dataclass(frozen=True)
class Concentration:
    """How concentrated choices are: modal share and 1 - normalised entropy (1 = always the same choice)."""

    choices: int
    options: int
    modal: str | None
    modal_share: float | None
    entropy: float | None
    consistency: float | None


def concentration(counts: dict[str, int]) -> Concentration:
    """Summarise a distribution of choices (e.g. patterns picked for one intent)."""
    total = sum(counts.values())
    if total == 0:
        return Concentration(0, 0, None, None, None, None)
    modal = max(sorted(counts), key=lambda k: counts[k])
    probs = [c / total for c in counts.values() if c > 0]
    k = len(probs)
    entropy = -sum(p * math.log(p) for p in probs) / math.log(k) if k > 1 else 0.0
    return Concentration(
        choices=total,
        options=k,
        modal=modal,
        modal_share=round(counts[modal] / total, 6),
        entropy=round(entropy, 6),
        consistency=round(1 - entropy, 6),
    )
