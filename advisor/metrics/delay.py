"""Time-to-decision percentiles from log-spaced histograms, so that the daily cubes can answer them.

Decisions fall in 40 buckets: under 100 ms, then ratios of about 1.29 up to 30 minutes, then above.
p50 and p90 are interpolated within their bucket, so they are within one bucket (about ±13 %) of the
exact nearest-rank value and usually much closer; the mean is exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BUCKETS = 40
FIRST_MS = 100.0
LAST_MS = 1_800_000.0
RATIO = (LAST_MS / FIRST_MS) ** (1 / (BUCKETS - 2))
BUCKET_COLUMNS = [f"d{i:02d}" for i in range(BUCKETS)]


def bucket_of(ms: int) -> int:
    """Return the histogram bucket of a delay in milliseconds."""
    if ms < FIRST_MS:
        return 0
    return min(BUCKETS - 1, 1 + int(math.log(ms / FIRST_MS) / math.log(RATIO)))


def bounds(bucket: int) -> tuple[float, float]:
    """Return the [low, high) delay range of a bucket (the last one is closed at 30 minutes)."""
    if bucket == 0:
        return 0.0, FIRST_MS
    return FIRST_MS * RATIO ** (bucket - 1), FIRST_MS * RATIO**bucket


def percentile(histogram: Sequence[int], q: float) -> int | None:
    """Return the q-quantile (0 < q < 1) of a histogram, interpolated inside its bucket, in milliseconds."""
    total = sum(histogram)
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for bucket, count in enumerate(histogram):
        if count and seen + count >= rank:
            low, high = bounds(bucket)
            return round(low + (high - low) * max(0.0, rank - seen) / count)
        seen += count
    return int(bounds(len(histogram) - 1)[1])
