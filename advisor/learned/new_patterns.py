"""Proposed new patterns: replies several agents wrote alike when nothing in the library fitted.

Replies written on escalated requests (``POST /v1/replies``) are grouped by wording: each reply is a
TF-IDF vector of its words (scikit-learn, fitted on the replies read); the reply with the most others
at least ``SIMILAR`` to it starts a group with all of them, then the next most connected, and so
on. Agents who answer the same uncovered question tend to reuse each other's sentences; a paraphrase
in other words stays apart, which errs towards proposing less. A group becomes a proposal when at least
``MIN_REPLIES`` replies by at least ``MIN_AGENTS`` agents are in it (each agent counting for at most
``edits.EDITS_PER_AGENT``), and when no serving pattern already says it (a reply that close to a
pattern's body means the ranking missed that pattern, which corrections and learned examples teach,
not a new pattern). The proposal's body is the group's most typical reply (its medoid); its examples
are the customers' masked words on those requests. 5,000 replies are grouped in well under a second.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from advisor.learned.edits import EDITS_PER_AGENT, MIN_AGENTS
from advisor.patterns.models import SLOT_RE
from advisor.store.decisions import StoredReply

SIMILAR = 0.6
"""Cosine of two replies' TF-IDF word vectors from which they say the same thing (rewordings of one
sentence score 0.7–1.0; the same answer in other words about 0.5; unrelated replies under 0.1)."""
BLOCK = 512
"""Replies compared with all the others at a time (a dense block of BLOCK × replies similarities)."""
MIN_REPLIES = 3
MAX_EXAMPLES = 20
TITLE_CHARS = 80
_SPACES = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s")
_WORD = re.compile(r"\w")


@dataclass
class ReplyGroup:
    """Replies that say much the same thing."""

    replies: list[StoredReply] = field(default_factory=list)
    vectors: sparse.csr_matrix | None = None
    """The replies' unit-length TF-IDF rows (``group_replies`` sets them)."""

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
        if self.vectors is None or len(self.replies) < 3:
            return self.replies[0]
        totals = np.asarray((self.vectors @ self.vectors.T).sum(axis=1)).ravel()
        return self.replies[int(np.argmax(totals))]

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


def _vectorizer() -> TfidfVectorizer:
    # Every word counts, one letter or digit included ("10 to 200"): a regular expression, not a secret.
    return TfidfVectorizer(sublinear_tf=True, token_pattern=r"(?u)\b\w+\b", dtype=np.float32)  # noqa: S106


def group_replies(replies: Sequence[StoredReply]) -> list[ReplyGroup]:
    """Group replies by wording: the reply with the most others at least ``SIMILAR`` to it starts a
    group with all of them not grouped yet, then the next most connected, and so on (ties: newest
    first). Replies without a word (an emoji, "?") are left out."""
    kept = [r for r in replies if _WORD.search(r.text)]
    if not kept:
        return []
    vectors = sparse.csr_matrix(_vectorizer().fit_transform([_norm(r.text) for r in kept]))
    near: list[npt.NDArray[np.intp]] = []
    for start in range(0, len(kept), BLOCK):
        block = (vectors[start : start + BLOCK] @ vectors.T).toarray()
        near.extend(np.flatnonzero(row >= SIMILAR) for row in block)
    group_of = np.full(len(kept), -1, dtype=np.intp)
    groups: list[ReplyGroup] = []
    for i in sorted(range(len(kept)), key=lambda n: (-len(near[n]), n)):
        if group_of[i] >= 0:
            continue
        members = [int(j) for j in near[i] if group_of[j] < 0]
        group_of[members] = len(groups)
        groups.append(ReplyGroup([kept[j] for j in members], vectors[members]))
    return groups


def proposed_groups(replies: Sequence[StoredReply], bodies: Sequence[str]) -> list[ReplyGroup]:
    """Return the groups with enough replies and agents that none of ``bodies`` (the serving patterns' and
    open drafts') already says, best supported first."""
    candidates = [
        g for g in group_replies(replies) if g.support >= MIN_REPLIES and len(g.agents) >= MIN_AGENTS
    ]
    if not candidates or not bodies:
        return sorted(candidates, key=lambda g: (-g.support, g.proposal_id))
    vectorizer = _vectorizer().fit([_norm(g.medoid().text) for g in candidates] + [_norm(b) for b in bodies])
    known = vectorizer.transform([_norm(SLOT_RE.sub(" ", body)) for body in bodies])
    typical = vectorizer.transform([_norm(g.medoid().text) for g in candidates])
    said = np.asarray((typical @ known.T).max(axis=1).toarray()).ravel() >= SIMILAR
    kept = [g for g, already in zip(candidates, said, strict=True) if not already]
    return sorted(kept, key=lambda g: (-g.support, g.proposal_id))
