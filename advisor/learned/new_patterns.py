"""Proposed new patterns: replies several agents wrote alike when nothing in the library fitted.

Replies written on escalated requests (``POST /v1/replies``) are grouped by wording (rapidfuzz's
``token_sort_ratio`` against each group's first reply, ≥ ``SIMILAR``): agents who answer the same
uncovered question tend to reuse each other's sentences. A group becomes a proposal when at least
``MIN_REPLIES`` replies by at least ``MIN_AGENTS`` agents are in it (each agent counting for at most
``edits.EDITS_PER_AGENT``), and when no serving pattern already says it (a reply that close to a
pattern's body means the ranking missed that pattern, which corrections and learned examples teach,
not a new pattern). The proposal's body is the group's most typical reply (its medoid); its examples
are the customers' masked words on those requests.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from rapidfuzz import fuzz, process

from advisor.learned.edits import EDITS_PER_AGENT, MIN_AGENTS
from advisor.patterns.models import SLOT_RE
from advisor.store.decisions import StoredReply

SIMILAR = 75.0
"""token_sort_ratio (0–100) from which two replies say the same thing."""
MIN_REPLIES = 3
MAX_EXAMPLES = 20
TITLE_CHARS = 80
_SPACES = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s")


@dataclass
class ReplyGroup:
    """Replies that say much the same thing."""

    replies: list[StoredReply] = field(default_factory=list)

    @property
    def agents(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for reply in self.replies:
            counts[reply.agent_id] = counts.get(reply.agent_id, 0) + 1
        return counts

    @property
    def support(self) -> int:
        """Replies counted towards the bar, each agent for at most ``EDITS_PER_AGENT``."""
        return sum(min(n, EDITS_PER_AGENT) for n in self.agents.values())

    @property
    def proposal_id(self) -> str:
        """Stable while the group's oldest reply is kept (later replies join, they do not rename it)."""
        oldest = min(r.id for r in self.replies)
        return hashlib.sha256(f"new-pattern\n{oldest}".encode()).hexdigest()[:20]

    def medoid(self) -> StoredReply:
        """The reply most like all the others."""
        texts = [_norm(r.text) for r in self.replies]
        scores = process.cdist(texts, texts, scorer=fuzz.token_sort_ratio, dtype=np.float32)
        return self.replies[int(np.argmax(scores.sum(axis=1)))]

    def examples(self) -> list[str]:
        """The customers' masked words on these requests, distinct, newest first."""
        seen: dict[str, str] = {}
        for reply in self.replies:
            if reply.customer_text and _norm(reply.customer_text) not in seen:
                seen[_norm(reply.customer_text)] = reply.customer_text
        return list(seen.values())[:MAX_EXAMPLES]

    @property
    def last_at(self) -> datetime:
        return max(r.received_at for r in self.replies)


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip()


def title_of(text: str) -> str:
    """A title from a reply: its first sentence, cut at a word to ``TITLE_CHARS``."""
    first = _SENTENCE.split(text.strip(), maxsplit=1)[0].strip()
    if len(first) <= TITLE_CHARS:
        return first
    return first[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def group_replies(replies: Sequence[StoredReply]) -> list[ReplyGroup]:
    """Group replies by wording, newest first: each joins the most similar group's first reply if close
    enough, else starts a group."""
    groups: list[ReplyGroup] = []
    leaders: list[str] = []
    for reply in replies:
        text = _norm(reply.text)
        best = process.extractOne(text, leaders, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILAR)
        if best is None:
            groups.append(ReplyGroup([reply]))
            leaders.append(text)
        else:
            groups[best[2]].replies.append(reply)
    return groups


def proposed_groups(replies: Sequence[StoredReply], bodies: Sequence[str]) -> list[ReplyGroup]:
    """Return the groups with enough replies and agents that no serving body (``bodies``) already says,
    best supported first."""
    known = [_norm(SLOT_RE.sub(" ", body)) for body in bodies]
    out = []
    for group in group_replies(replies):
        if group.support < MIN_REPLIES or len(group.agents) < MIN_AGENTS:
            continue
        typical = _norm(group.medoid().text)
        if known and process.extractOne(typical, known, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILAR):
            continue
        out.append(group)
    return sorted(out, key=lambda g: (-g.support, g.proposal_id))
