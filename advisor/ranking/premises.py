"""Compare CRM facts with a pattern's premises: enumerations, dates and numbers, in words.

CRM enumerations are compared ignoring case and separators ("In Transit", "in-transit" and
``in_transit`` are one value). Dates and numbers are parsed leniently from what CRMs send
("2026-11-27", "2026-11-27T09:30:00Z", "27 Nov 2026", "Nov 27, 2026"; "$59.00", "1,250",
"80 EUR"); a value that does not parse makes the premise false, never an error. Relative dates
count from the reference day of the request: the latest turn's ``at`` (UTC), else today (UTC).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from advisor.context.models import InteractionContext
from advisor.patterns.models import Comparison
from advisor.utc import as_utc

SEPARATORS_RE = re.compile(r"[\s_\-]+")
RELATIVE_RE = re.compile(r"^today(?:([+-])(\d+)d)?$")
MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
DAY_MONTH_YEAR_RE = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})$")
MONTH_DAY_YEAR_RE = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
NUMBER_RE = re.compile(
    r"^(?:[A-Z]{3}\s?|[$€£¥])?\s?(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s?(?:[A-Z]{3}|[$€£¥])?$"
)
HOLDS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
NUMBER_WORDS = {"lt": "is below", "lte": "is at most", "gt": "is above", "gte": "is at least"}


@lru_cache(maxsize=4096)
def normalise(value: str) -> str:
    """Return an enumeration value folded for comparison: lower case, separators as one ``_``."""
    return SEPARATORS_RE.sub("_", value.strip().casefold()).strip("_")


def one_of(value: str, allowed: list[str]) -> bool:
    """Return whether ``value`` equals one of ``allowed``, ignoring case and separators."""
    return normalise(value) in _folded(tuple(allowed))


@lru_cache(maxsize=4096)
def _folded(allowed: tuple[str, ...]) -> frozenset[str]:
    # Eligibility asks every pattern's premises on every request: fold each list of values once.
    return frozenset(normalise(a) for a in allowed)


def reference_time(context: InteractionContext) -> datetime:
    """Return the moment the request speaks of: its latest turn's ``at``, else now (UTC)."""
    stamps = [as_utc(t.at) for t in context.turns if t.at]
    return max(stamps) if stamps else datetime.now(UTC)


def reference_day(context: InteractionContext, now: datetime | None = None) -> date:
    """Return the day (UTC) relative premises count from: ``now`` when given, else the request's."""
    moment = now or reference_time(context)
    return as_utc(moment).date()


def parse_date(value: str) -> date | None:
    """Return the calendar day (UTC) a CRM value names, or None when it does not parse."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
        return parsed.astimezone(UTC).date() if parsed.tzinfo else parsed.date()
    except (ValueError, OverflowError):  # OverflowError: year 1 shifted to UTC
        pass
    lowered = text.lower()
    if match := DAY_MONTH_YEAR_RE.match(lowered):
        day, month, year = match.group(1), match.group(2), match.group(3)
    elif match := MONTH_DAY_YEAR_RE.match(lowered):
        month, day, year = match.group(1), match.group(2), match.group(3)
    else:
        return None
    if month not in MONTHS:
        return None
    try:
        return date(int(year), MONTHS[month], int(day))
    except ValueError:
        return None


def parse_number(value: str) -> Decimal | None:
    """Return the number a CRM value holds ("$59.00", "1,250", "80 EUR"), or None."""
    match = NUMBER_RE.match(value.strip())
    if match is None:
        return None
    try:
        return Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        return None


def _resolve_date(operand: str, today: date) -> tuple[date, int | None]:
    """Return the day an operand names and its offset from today (None for a fixed date)."""
    match = RELATIVE_RE.match(operand)
    if match is None:
        return date.fromisoformat(operand), None
    days = int(match.group(2) or 0) * (-1 if match.group(1) == "-" else 1)
    return today + timedelta(days=days), days


def _date_words(op: str, offset: int | None, bound: date) -> str:
    """Say what ``value <op> bound`` means, e.g. "has passed", "is more than 7 days ago"."""
    if offset is None:
        return {"lt": "is before", "lte": "is on or before", "gt": "is after", "gte": "is on or after"}[
            op
        ] + f" {bound.isoformat()}"
    if offset == 0:
        return {
            "lt": "has passed",
            "lte": "is today or earlier",
            "gt": "is after today",
            "gte": "has not passed",
        }[op]
    n = abs(offset)
    days = "day" if n == 1 else "days"
    if offset < 0:
        return {
            "lt": f"is more than {n} {days} ago",
            "lte": f"is {n} or more {days} ago",
            "gt": f"is less than {n} {days} ago",
            "gte": f"is at most {n} {days} ago",
        }[op]
    return {
        "lt": f"is less than {n} {days} away",
        "lte": f"is at most {n} {days} away",
        "gt": f"is more than {n} {days} away",
        "gte": f"is at least {n} {days} away",
    }[op]


def compare(slot: str, value: str, premise: Comparison, today: date) -> str | None:
    """Return the premise in words when ``value`` meets it ("order.eta 2026-11-27 has passed"), else None."""
    if premise.kind == "date":
        day = parse_date(value)
        if day is None:
            return None
        words: list[str] = []
        for op, operand in premise.bounds():
            bound, offset = _resolve_date(str(operand), today)
            if not HOLDS[op](day, bound):
                return None
            words.append(_date_words(op, offset, bound))
        return f"{slot} {day.isoformat()} {' and '.join(words)}"
    number = parse_number(value)
    if number is None:
        return None
    words = []
    for op, operand in premise.bounds():
        if not HOLDS[op](number, Decimal(str(operand))):
            return None
        words.append(f"{NUMBER_WORDS[op]} {operand}")
    return f"{slot} {value.strip()} {' and '.join(words)}"
