"""Common edits: what several agents change the same way in one pattern version's suggestion.

Each edit decision stores the suggestion as shown (the body with the CRM's values in its slots) and
what the agent sent. A word-level diff (``difflib``) of the two gives the agent's changes; each change
is carried back to the approved body (slots intact) through the rendering: a change inside a slot's
value (a name, an order number) belongs to that customer, not to the pattern, and is left out, as is
a change that adds redacted data (``[EMAIL]``) or changes only punctuation. Changes are told apart by where in
the body they fall and what they remove and add (case and spacing ignored). A change becomes a proposal
when at least ``MIN_EDITS`` decisions by at least ``MIN_AGENTS`` agents carry it, each agent counting
for at most ``EDITS_PER_AGENT`` of them (one agent's habit does not make a proposal).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from advisor.patterns.models import SLOT_RE

MIN_EDITS = 3
MIN_AGENTS = 2
EDITS_PER_AGENT = 3
EXAMPLES = 3
"""Sent texts kept as evidence per proposal."""
_TOKEN = re.compile(r"\w+|[^\w\s]+")
"""Words and runs of punctuation: "A1001." is the value "A1001" and a full stop."""
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_MARKER = re.compile(r"\[[A-Z_…]+\]|\[…\]")
"""Redaction markers (``[EMAIL]``, ``[CARD]``) and masked identifiers (``[…]``)."""


@dataclass(frozen=True)
class EditedSuggestion:
    """One edit decision: the suggestion as shown and what the agent sent instead."""

    event_id: int
    agent_id: str
    shown: str
    sent: str
    occurred_at: datetime


@dataclass(frozen=True)
class Change:
    """One change, in body coordinates: replace ``body[start:end]`` by ``added``."""

    start: int
    end: int
    removed: str
    added: str

    @property
    def key(self) -> tuple[int, int, str]:
        """What tells two agents' changes apart: where in the body, and what they add (normalised)."""
        return self.start, self.end, _norm(self.added)

    def apply(self, body: str) -> str:
        """Return ``body`` with the change made, spacing kept tidy."""
        before, after = body[: self.start], body[self.end :]
        if not self.added:  # a deletion: drop one of the spaces around the removed words
            after = after.lstrip()
            gap = " " if before.strip() and after[:1].isalnum() else ""
            return (before.rstrip() + gap + after).strip()
        if self.start == self.end:  # an insertion between words, or at either end
            left = before + (" " if before and not before[-1].isspace() and self.added[0].isalnum() else "")
            right = (" " if after and not after[0].isspace() and after[0].isalnum() else "") + after
            return (left + self.added + right).strip()
        return before + self.added + after


@dataclass
class CommonEdit:
    """A change several agents made to one version, with its evidence."""

    change: Change
    decisions: int = 0
    agents: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    last_at: datetime | None = None

    @property
    def support(self) -> int:
        """Decisions carrying the change, each agent counting for at most ``EDITS_PER_AGENT``."""
        return sum(min(n, EDITS_PER_AGENT) for n in self.agents.values())

    def proposal_id(self, pattern_id: str, version: int) -> str:
        """A stable id of this change to this version."""
        start, end, added = self.change.key
        raw = f"{pattern_id}\n{version}\n{start}\n{end}\n{added}"
        return hashlib.sha256(raw.encode()).hexdigest()[:20]


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip()


def _body_map(body: str, shown: str) -> list[tuple[int, int, int, bool]] | None:
    """Return the segments of ``shown`` as (shown start, shown end, body start, is a slot's value), or
    None when ``shown`` is not ``body`` rendered (the body changed meanwhile, or the text was scrubbed)."""
    literals = SLOT_RE.split(body)[::2]
    slots = [m.span() for m in SLOT_RE.finditer(body)]
    # Literals in turn, each at its first place after the previous one (no backtracking regular
    # expression: on a text that does not match, one took seconds); the last must end the text.
    if not shown.startswith(literals[0]) or not shown.endswith(literals[-1]):
        return None
    segments: list[tuple[int, int, int, bool]] = [(0, len(literals[0]), 0, False)]
    at_shown, at_body = len(literals[0]), len(literals[0])
    for n, literal in enumerate(literals[1:], start=1):
        last = n == len(literals) - 1
        start = len(shown) - len(literal) if last else shown.find(literal, at_shown)
        if start < at_shown:
            return None
        segments.append((at_shown, start, slots[n - 1][0], True))
        at_body = slots[n - 1][1]
        segments.append((start, start + len(literal), at_body, False))
        at_shown, at_body = start + len(literal), at_body + len(literal)
    return segments if at_shown == len(shown) else None


def _to_body(segments: list[tuple[int, int, int, bool]], position: int) -> int | None:
    """Map a position of the shown text to the body (None: inside a slot's value). A position between
    a literal and a slot maps through the literal: just before or just after the slot."""
    for start, stop, body_start, slot in segments:
        if not slot and start <= position <= stop:
            return body_start + (position - start)
    return None


def changes(body: str, shown: str, sent: str) -> list[Change]:
    """Return the agent's changes to ``shown`` (``body`` rendered), in body coordinates."""
    segments = _body_map(body, shown)
    if segments is None:
        return []
    a = list(_TOKEN.finditer(shown))
    b = list(_TOKEN.finditer(sent))
    words_a, words_b = [_norm(t.group()) for t in a], [_norm(t.group()) for t in b]
    matcher = difflib.SequenceMatcher(None, words_a, words_b, autojunk=False)
    out: list[Change] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        added = sent[b[j1].start() : b[j2 - 1].end()] if j2 > j1 else ""
        if i2 > i1:
            start, stop = a[i1].start(), a[i2 - 1].end()
        else:
            start = stop = a[i1].start() if i1 < len(a) else len(shown.rstrip())
        body_start = _to_body(segments, start)
        body_end = _to_body(segments, stop)
        if body_start is None or body_end is None or body_end < body_start:
            continue
        if SLOT_RE.search(body[body_start:body_end]) or _MARKER.search(added):
            continue  # a slot's value changed, or redacted data added: this customer's, not the pattern's
        removed = body[body_start:body_end]
        if _WORD.findall(removed.casefold()) == _WORD.findall(added.casefold()):
            continue  # only punctuation or case changed
        out.append(Change(body_start, body_end, removed, added))
    return out


def common_edits(body: str, edits: Iterable[EditedSuggestion]) -> list[CommonEdit]:
    """Return the changes enough decisions and agents made to ``body``, most supported first."""
    found: dict[tuple[int, int, str], CommonEdit] = {}
    for edit in edits:
        for change in {c.key: c for c in changes(body, edit.shown, edit.sent)}.values():
            common = found.setdefault(change.key, CommonEdit(change))
            common.decisions += 1
            common.agents[edit.agent_id] = common.agents.get(edit.agent_id, 0) + 1
            if len(common.examples) < EXAMPLES and edit.sent not in common.examples:
                common.examples.append(edit.sent)
            if common.last_at is None or edit.occurred_at > common.last_at:
                common.last_at = edit.occurred_at
    kept = [c for c in found.values() if c.support >= MIN_EDITS and len(c.agents) >= MIN_AGENTS]
    return sorted(kept, key=lambda c: (-c.support, c.change.start))


def proposals_for(body: str, edits: Sequence[EditedSuggestion]) -> list[tuple[CommonEdit, str]]:
    """Return each common edit with the body it proposes."""
    return [(common, common.change.apply(body)) for common in common_edits(body, edits)]
