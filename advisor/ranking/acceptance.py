"""Agents' decisions as a ranking signal: how often a pattern version was taken for requests like this.

A request's kind is the intent the suggestion answered and the channel. For each pattern version and
kind, the decision log gives how many suggestions agents decided on and how many they accepted or
edited (a rejection, whatever its reason, counts against; ``wrong_intent`` is also counted apart).
The calibrated confidence (a pattern's share of its topic's, ``alternatives.py``) is the prior: it
counts as ``PRIOR_DECISIONS`` decisions, and agents' decisions move it towards what they did, so a new
pattern starts at its calibrated confidence (never
starved) and one agents keep rejecting sinks below the escalation threshold (it is not shown). Among
the patterns of one topic the order follows this confidence; the order of topics stays the
conversation state's (a pattern's decisions say how good it is, not what the customer asked).
Exploration: a pattern version with fewer than ``EXPLORE_BELOW`` decisions for the kind is ordered
as if its confidence were up to ``EXPLORATION`` higher (fading as decisions arrive); the confidence
shown is not changed.
The signal only re-weighs eligible, approved candidates: it never adds one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

PRIOR_DECISIONS = 20.0
"""The calibrated confidence weighs as much as this many agents' decisions."""
EXPLORATION = 0.02
EXPLORE_BELOW = 10
MIN_DECISIONS_TO_SAY = 5
"""The rationale quotes the acceptance rate from this many decisions on."""


@dataclass(frozen=True)
class Tally:
    """Decisions on one pattern version for one kind of request (each agent's share capped)."""

    decisions: float
    taken: float
    wrong_intent: float = 0.0

    @property
    def rate(self) -> float:
        """Share of decisions that accepted or edited the suggestion."""
        return self.taken / self.decisions if self.decisions else 0.0


class Acceptance(Protocol):
    """Where the ranker reads agents' decisions (``feedback.acceptance.AcceptanceBook``)."""

    def tally(self, pattern_id: str, version: int, intent: str, channel: str) -> Tally | None:
        """Return the decisions on this pattern version for this kind of request (None: none yet)."""
        ...


def posterior(confidence: float, tally: Tally | None) -> float:
    """The calibrated confidence updated by agents' decisions (a beta-binomial mean)."""
    if tally is None or tally.decisions <= 0:
        return confidence
    return (PRIOR_DECISIONS * confidence + tally.taken) / (PRIOR_DECISIONS + tally.decisions)


def exploration(tally: Tally | None) -> float:
    """Ordering bonus of a pattern version agents have not yet decided on often for this kind."""
    seen = 0.0 if tally is None else tally.decisions
    return EXPLORATION * max(0.0, 1.0 - seen / EXPLORE_BELOW)


def phrase(tally: Tally | None) -> str | None:
    """The rationale's words, e.g. "accepted 82% of the time by your agents for requests like this"."""
    if tally is None or tally.decisions < MIN_DECISIONS_TO_SAY:
        return None
    return (
        f"accepted {tally.rate:.0%} of the time by your agents for requests like this "
        f"({tally.decisions:.0f} decisions)"
    )
