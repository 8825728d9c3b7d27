"""Replay: run conversations through a candidate library and compare it with the serving one, offline.

A lead changes a pattern, adds one or moves the threshold; before anything goes live, ``advisor replay``
ranks the same conversations with the serving library and with the candidate, and reports coverage,
how often each side's top suggestion is what agents chose, and what would change.

Two sources of conversations:

- a JSON-lines file in the format ``advisor eval`` reads: ``expected`` holds what was right (``[]``:
  escalating was right);
- the store: each served request that kept its masked customer turn (``topic_text``: kept when a
  word is left after masking, until text retention clears it), with what agents decided on it. A
  suggestion accepted or edited, or a pattern named as the reply sent instead, is what agents chose;
  a suggestion rejected without naming another is only known to be wrong. The store keeps neither the
  whole conversation nor the CRM fields (privacy), so a stored request is replayed as that one turn, and
  eligibility rules on CRM facts (``segments``, ``requires``, ``when``) are taken as met on both sides;
  channel, locale and the stage policy still apply.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.context.models import InteractionContext
from advisor.evaluation import read_cases
from advisor.patterns.models import PatternSpec
from advisor.ranking.protocols import Ranker
from advisor.store.decisions import RequestDecision, StoredTurn

EXAMPLE_CHARS = 160
"""A changed case's customer text is shown up to this many characters."""


@dataclass(frozen=True)
class ReplayCase:
    """One conversation to replay and what is known to be right for it."""

    id: str
    context: InteractionContext
    chosen: frozenset[str] | None
    """Patterns agents chose (empty: escalating was right); None: no agent decided anything right."""
    rejected: frozenset[str] = frozenset()
    """Patterns agents rejected without naming another."""


@dataclass(frozen=True)
class Side:
    """One library's answer to a case: its top suggestion (None: escalated) and its confidence."""

    top: str | None
    confidence: float | None


def file_cases(path: Path) -> list[ReplayCase]:
    """Return the cases of an ``advisor eval`` JSON-lines file (``expected`` is what was right)."""
    return [ReplayCase(c.id, c.context, c.expected) for c in read_cases(path)]


def stored_cases(turns: Sequence[StoredTurn], decisions: Iterable[RequestDecision]) -> list[ReplayCase]:
    """Return one case per stored request, with what its decisions (oldest first) say was chosen.

    A later decision on the same pattern of a request overrides an earlier one.
    """
    verdicts: dict[str, dict[str, bool]] = {}
    for d in decisions:
        mine = verdicts.setdefault(d.request_id, {})
        if d.action in ("accepted", "edited"):
            mine[d.pattern_id] = True
        elif d.used_pattern_id is not None:
            mine[d.pattern_id] = False
            mine[d.used_pattern_id] = True
        else:
            mine[d.pattern_id] = False
    cases = []
    for turn in turns:
        mine = verdicts.get(turn.request_id, {})
        chosen = frozenset(p for p, right in mine.items() if right)
        context = InteractionContext.model_validate(
            {
                "interaction_id": turn.interaction_id,
                "channel": turn.channel,
                "locale": turn.locale,
                "agent_id": turn.agent_id,
                "turns": [{"role": "customer", "text": turn.text}],
            }
        )
        cases.append(
            ReplayCase(
                id=turn.request_id,
                context=context,
                chosen=chosen or None,
                rejected=frozenset(p for p, right in mine.items() if not right),
            )
        )
    return cases


def without_crm_rules(spec: PatternSpec) -> PatternSpec:
    """Return ``spec`` with its eligibility rules on CRM facts dropped (for turns replayed without a CRM)."""
    rules = spec.eligibility.model_copy(update={"segments": [], "requires": [], "when": {}})
    return spec.model_copy(update={"eligibility": rules})


def answer(ranker: Ranker, case: ReplayCase, k: int) -> Side:
    """Rank one case; return the top suggestion or the escalation."""
    ranked = ranker.rank(case.context, k=k)
    if not ranked.candidates:
        return Side(None, None)
    top = ranked.candidates[0]
    return Side(top.spec.id, round(top.confidence, 3))


def right(side: Side, case: ReplayCase) -> bool | None:
    """Return whether the side did what was right (None when nothing right is known)."""
    if case.chosen is None:
        return None
    return side.top in case.chosen if case.chosen else side.top is None


def summary(sides: Sequence[Side], cases: Sequence[ReplayCase]) -> dict[str, Any]:
    """Return one library's coverage, agreement with what agents chose and repeats of rejected patterns."""
    n = len(cases)
    decided = [(s, c) for s, c in zip(sides, cases, strict=True) if c.chosen is not None]
    answered = [(s, c) for s, c in decided if s.top is not None]
    return {
        "answered": round(sum(s.top is not None for s in sides) / n, 4) if n else None,
        "right": round(sum(bool(right(s, c)) for s, c in decided) / len(decided), 4) if decided else None,
        "right_when_answered": (
            round(sum(bool(right(s, c)) for s, c in answered) / len(answered), 4) if answered else None
        ),
        "wrong": round(sum(not right(s, c) for s, c in answered) / len(decided), 4) if decided else None,
        "suggests_rejected": sum(
            s.top is not None and s.top in c.rejected for s, c in zip(sides, cases, strict=True)
        ),
    }


def compare(
    serving: Ranker, candidate: Ranker, cases: Sequence[ReplayCase], *, k: int = 3, examples: int = 10
) -> dict[str, Any]:
    """Replay every case through both libraries and report what the candidate would change.

    ``right`` is the share of cases with a known right answer (an agent's choice, or the file's
    ``expected``) whose top suggestion matches it (an escalation where ``expected`` is ``[]``);
    ``wrong`` is the share of them answered with something else (a wrong suggestion costs more than none);
    ``suggests_rejected`` counts top suggestions that agents rejected on that very case.
    """
    old = [answer(serving, c, k) for c in cases]
    new = [answer(candidate, c, k) for c in cases]
    moves: Counter[tuple[str | None, str | None]] = Counter()
    changed: list[dict[str, Any]] = []
    for before, after, case in zip(old, new, cases, strict=True):
        if before.top == after.top:
            continue
        moves[(before.top, after.top)] += 1
        if len(changed) < examples:
            changed.append(
                {
                    "id": case.id,
                    "text": case.context.turns[-1].text[:EXAMPLE_CHARS] if case.context.turns else "",
                    "serving": before.top,
                    "serving_confidence": before.confidence,
                    "candidate": after.top,
                    "candidate_confidence": after.confidence,
                    "chosen": sorted(case.chosen) if case.chosen is not None else None,
                    "better": _better(before, after, case),
                }
            )
    pairs = list(zip(old, new, cases, strict=True))
    return {
        "cases": len(cases),
        "decided": sum(c.chosen is not None for c in cases),
        "serving": {"ranker": serving.version, **summary(old, cases)},
        "candidate": {"ranker": candidate.version, **summary(new, cases)},
        "changes": {
            "unchanged": sum(b.top == a.top for b, a, _ in pairs),
            "newly_answered": sum(b.top is None and a.top is not None for b, a, _ in pairs),
            "newly_escalated": sum(b.top is not None and a.top is None for b, a, _ in pairs),
            "other_suggestion": sum(None not in (b.top, a.top) and b.top != a.top for b, a, _ in pairs),
            "better": sum(_better(b, a, c) is True for b, a, c in pairs),
            "worse": sum(_better(b, a, c) is False for b, a, c in pairs),
        },
        "top_moves": [
            {"serving": before, "candidate": after, "n": n} for (before, after), n in moves.most_common(10)
        ],
        "examples": changed,
    }


def _better(before: Side, after: Side, case: ReplayCase) -> bool | None:
    """True when the candidate is right where serving was not, False for the reverse, else None."""
    was, now = right(before, case), right(after, case)
    if was is None or was == now:
        return None
    return bool(now)
