"""Daily roll-up cubes beside the outcome rows, so that most reports read thousands of rows, not millions.

Each cube counts outcomes (n, similarity sum and count, a delay histogram) per day and a few dimensions;
every change of an outcome adds its new cell and subtracts its old one, so a cube always equals a recount
of the outcomes.
A report is served from the smallest cube that holds every column it filters or groups on, and from the
outcome rows otherwise (or when its period does not fall on whole UTC days). This module is the one place
that knows which columns a grouping or a filter reads and which cube holds them; the store only translates
a column label into the same-named column of a table (``column``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from advisor.metrics.delay import BUCKETS, bucket_of
from advisor.metrics.models import Dimension, Filters, Outcome

CUBES: dict[str, tuple[str, ...]] = {
    "agent": ("day", "team", "agent", "channel", "decision", "reason"),
    "pattern": ("day", "team", "pattern", "pattern_version", "intent", "decision", "reason"),
}
LABELS: dict[Dimension, tuple[str, ...]] = {
    **{dim: (dim.value,) for dim in Dimension},
    Dimension.pattern_version: ("pattern", "pattern_version"),
}
"""The column labels a grouping dimension produces (a pattern version brings its pattern along)."""
FILTERED = ("team", "agent", "pattern", "pattern_version", "intent", "channel")
"""The column labels a report can be filtered on (``Filters`` fields of the same names)."""
_COLUMNS = {"team": "team_id", "agent": "agent_id", "pattern": "pattern_id"}
MEASURES = ["n", "similarity_sum", "similarity_n", "ttd_sum", "ttd_n", *(f"d{i:02d}" for i in range(BUCKETS))]
Cell = tuple[object, ...]
Deltas = dict[str, dict[Cell, list[float]]]


def column(label: str) -> str:
    """Return the name of the column (on outcome rows, cubes and ``Outcome``) behind a column label."""
    return _COLUMNS.get(label, label)


def labels(dims: Iterable[Dimension]) -> list[str]:
    """Return the column labels of a grouping, each once, in order."""
    return list(dict.fromkeys(label for dim in dims for label in LABELS[dim]))


def filtered(filters: Filters) -> list[tuple[str, str | int]]:
    """Return the (label, value) of each filter that is set."""
    return [(label, value) for label in FILTERED if (value := getattr(filters, label)) is not None]


def cell(outcome: Outcome, cube: str) -> Cell:
    """Return the cube cell (tenant first) an outcome counts in ('' stands for no team or no reason)."""
    values = [
        outcome.pattern_version if c == "pattern_version" else getattr(outcome, column(c)) or ""
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


def pick_cube(filters: Filters, read: Sequence[str]) -> str | None:
    """Return the cube that holds the labels ``read`` and every filtered one, or None for the outcome rows."""
    if not whole_days(filters.start, filters.end):
        return None
    wanted = {*read, *(label for label, _ in filtered(filters))}
    for name, dims in CUBES.items():
        if wanted <= {*dims, "week"}:
            return name
    return None


def coverage_cube_fits(filters: Filters) -> bool:
    """True when the daily coverage cube can answer a coverage report (no agent filter, whole UTC days)."""
    return filters.agent is None and whole_days(filters.start, filters.end)
