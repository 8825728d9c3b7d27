"""Fill a pattern body's slots from context values; report the slots left unfilled."""

from __future__ import annotations

import re
from dataclasses import dataclass

from advisor.patterns.models import SLOT_RE


@dataclass(frozen=True)
class Rendered:
    """A body with its slots filled; unfilled slots stay visible as ``{group.field}``."""

    text: str
    unfilled: list[str]
    filled: dict[str, str]


def render(body: str, values: dict[str, str]) -> Rendered:
    """Replace each ``{group.field}`` in ``body`` by its value, only with values present in ``values``."""
    unfilled: list[str] = []
    filled: dict[str, str] = {}

    def fill(match: re.Match[str]) -> str:
        slot = match.group(1)
        if slot in values:
            filled[slot] = values[slot]
            return values[slot]
        if slot not in unfilled:
            unfilled.append(slot)
        return match.group(0)

    return Rendered(text=SLOT_RE.sub(fill, body), unfilled=unfilled, filled=filled)
