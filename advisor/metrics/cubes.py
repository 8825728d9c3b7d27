"""Daily roll-up cubes beside the outcome rows, so that most reports read thousands of rows, not millions.

Each cube counts outcomes (n, similarity sum and count, a delay histogram) per day and a few dimensions;
every change of an outcome adds its new cell and subtracts its old one, so a cube always equals a recount
of the outcomes.
A report is served from the smallest cube that holds every column it filters or groups on, and from the
outcome rows otherwise (or when its period does not fall on whole UTC days).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from advisor.metrics.delay import BUCKETS, bucket_of
from advisor.metrics.models import Outcome

CUBES: dict[str, tuple[str, ...]] = {
    "agent": ("day", "team", "agent", "channel", "decision", "reason"),
    "pattern": ("day", "team", "pattern", "pattern_version", "intent", "decision", "reason"),
}
_ATTR = {"team": "team_id", "agent": "agent_id", "pattern": "pattern_id"}
MEASURES = ["n", "similarity_sum", "similarity_n", "ttd_sum", "ttd_n", *(f"d{i:02d}" for i in range(BUCKETS))]
Cell = tuple[object, ...]
Deltas = dict[str, dict[Cell, list[float]]]


def cell(outcome: Outcome, cube: str) -> Cell:
    """Return the cube cell (tenant first) an outcome counts in ('' stands for no team or no reason)."""
    values = [
        outcome.pattern_version if c == "pattern_version" else getattr(outcome, _ATTR.get(c, c)) or ""
        for c in CUBES[cube]
    ]
    return (outcome.tenant_id, *values)


def week_of(day: date | str) -> str:
    """Return the Monday (ISO date) of the week that holds ``day`` (a date or an ISO date string)."""
    moment = date.fromisoformat(day) if isinstance(day, str) else day
    return (moment - timedelta(days=moment.weekday())).isoformat()


def add_delta(deltas: Deltas, before: Outcome | None, after: Outcome) -> None:
    """Accumulate the cube changes caused by an outcome moving from ``before`` to ``after``."""
    for cube in CUBES:
        if before is not None:
            _bump(deltas[cube], cell(before, cube), before, -1)
        _bump(deltas[cube], cell(after, cube), after, +1)


def _bump(cells: dict[Cell, list[float]], key: Cell, outcome: Outcome, sign: int) -> None:
    entry = cells.setdefault(key, [0.0] * len(MEASURES))
    entry[0] += sign
    if outcome.similarity is not None:
        entry[1] += sign * outcome.similarity
        entry[2] += sign
    if outcome.ttd_ms is not None:
        entry[3] += sign * outcome.ttd_ms
        entry[4] += sign
        entry[5 + bucket_of(outcome.ttd_ms)] += sign


def new_deltas() -> Deltas:
    """Return an empty delta accumulator."""
    return defaultdict(dict)


def whole_days(start: datetime | None, end: datetime | None) -> bool:
    """True when the period starts and ends at UTC midnight (or is open), so day cells cover it exactly."""
    return all(m is None or m.astimezone(UTC).time() == time(0) for m in (start, end))


def pick_cube(columns: set[str], start: datetime | None, end: datetime | None) -> str | None:
    """Return the cube that can answer a query over ``columns``, or None for the outcome rows."""
    if not whole_days(start, end):
        return None
    for name, dims in CUBES.items():
        if columns <= {*dims, "week"}:
            return name
    return None
