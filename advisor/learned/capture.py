"""What advisor keeps of a customer's words for learning, and when a decision makes it a candidate.

At serving time the customer turn that raised the topic the ranking followed is kept with every
identifier masked (e-mails, links, anything with a digit, the CRM's own values) and trimmed to
``MAX_TEXT_CHARS``. When an agent accepts the suggestion, or sends it lightly edited, that text becomes
a candidate example of the suggested pattern for a team lead to review. Pure functions only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from advisor.context.models import Role, Turn
from advisor.metrics.consistency import text_similarity
from advisor.ranking.conversation import IDENTIFIER_RE

MASK = "[…]"
"""What replaces an identifier or a CRM value. Not a word, so neither BM25 nor a reviewer reads it as one."""
MAX_TEXT_CHARS = 300
"""The longest customer text kept (cut at a word boundary); an utterance that triggers a pattern is short."""
LIGHT_EDIT_MIN_SIMILARITY = 0.8
"""An edited reply counts as "lightly edited" (the suggestion was right) when the sent text keeps at least
this normalised edit similarity to the suggested text (the measure of the "text kept" metric)."""
MIN_CRM_WORD = 3
"""Words of a ``customer.*`` CRM value at least this long are masked on their own too (a first name)."""

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]{2,}")
_MASKS = re.compile(rf"{re.escape(MASK)}(?:[\s,.;:]*{re.escape(MASK)})+")
_EDGES = " \t\n.,;:!?¿¡'\"()[]…-"
_BOOLEANS = frozenset({"true", "false"})


def topic_turn_text(turns: Sequence[Turn], topic_turn: int | None) -> str | None:
    """Return the text of the customer turn the ranking followed (the latest customer turn by default)."""
    if topic_turn is not None and 0 <= topic_turn < len(turns) and turns[topic_turn].role is Role.customer:
        return turns[topic_turn].text
    for turn in reversed(turns):
        if turn.role is Role.customer:
            return turn.text
    return None


def _crm_pattern(values: Mapping[str, str]) -> re.Pattern[str] | None:
    phrases: set[str] = set()
    for slot, raw in values.items():
        value = _SPACES.sub(" ", raw).strip()
        if len(value) < 2 or value.casefold() in _BOOLEANS:
            continue  # a flag's "True" is not a customer's value, and one letter is not a word
        phrases.add(value)
        if slot.startswith("customer."):
            phrases.update(w for w in _WORD.findall(value) if len(w) >= MIN_CRM_WORD)
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    # Cut at the last space unless the limit falls between two words already.
    return (head if text[limit] == " " or " " not in head else head.rsplit(" ", 1)[0]).rstrip()


def mask(text: str, crm_values: Mapping[str, str]) -> str:
    """Return ``text`` with the CRM's values, e-mails, links and anything with a digit masked, trimmed."""
    crm = _crm_pattern(crm_values)
    if crm is not None:
        text = crm.sub(MASK, text)
    text = IDENTIFIER_RE.sub(MASK, text)
    text = _MASKS.sub(MASK, _SPACES.sub(" ", text).strip())
    return _trim(text, MAX_TEXT_CHARS)


def keepable(text: str | None) -> bool:
    """Return whether a masked text still says something (at least one word besides masks)."""
    return text is not None and bool(_WORD.search(text.replace(MASK, " ")))


def learning_text(turns: Sequence[Turn], topic_turn: int | None, crm_values: Mapping[str, str]) -> str | None:
    """Return the masked text to keep for a served request, or None when nothing worth learning remains."""
    raw = topic_turn_text(turns, topic_turn)
    masked = mask(raw, crm_values) if raw is not None else None
    return masked if keepable(masked) else None


def normalise(text: str) -> str:
    """Return the form candidates are told apart by: case-folded, spaces collapsed, outer punctuation off."""
    return _SPACES.sub(" ", text.casefold()).strip(_EDGES)


def text_key(text: str) -> str:
    """Return the sha256 of the normalised text (the candidate's identity within its pattern)."""
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def confirms(action: str, suggested: str, sent: str | None) -> bool:
    """Return whether a decision says the suggestion fitted: accepted, or edited lightly."""
    if action == "accepted":
        return True
    if action == "edited" and sent is not None:
        return text_similarity(suggested, sent) >= LIGHT_EDIT_MIN_SIMILARITY
    return False
