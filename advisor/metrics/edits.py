"""What agents change in a suggestion: word-level diffs (difflib), counted per pattern version."""

from __future__ import annotations

import difflib
from collections import Counter

MAX_PHRASE_WORDS = 12


def _phrase(words: list[str]) -> str:
    text = " ".join(words[:MAX_PHRASE_WORDS])
    return text + (" …" if len(words) > MAX_PHRASE_WORDS else "")


def word_changes(suggested: str, sent: str) -> list[str]:
    """Return the changes from ``suggested`` to ``sent`` as word diffs ('- old', '+ new', '~ a → b')."""
    before, after = suggested.split(), sent.split()
    changes: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace":
            changes.append(f"~ {_phrase(before[i1:i2])} → {_phrase(after[j1:j2])}")
        elif op == "delete":
            changes.append(f"- {_phrase(before[i1:i2])}")
        elif op == "insert":
            changes.append(f"+ {_phrase(after[j1:j2])}")
    return changes


def unified_word_diff(suggested: str, sent: str) -> str:
    """Return one edit as an inline diff: removed words in [-…-], added words in {+…+}."""
    before, after = suggested.split(), sent.split()
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(before[i1:i2])
        if op in ("replace", "delete"):
            out.append("[-" + " ".join(before[i1:i2]) + "-]")
        if op in ("replace", "insert"):
            out.append("{+" + " ".join(after[j1:j2]) + "+}")
    return " ".join(out)


def top_edits(pairs: list[tuple[str, str]], top: int) -> tuple[list[tuple[str, int]], str | None]:
    """Count the most common changes over (suggested, sent) pairs; also return one example diff."""
    counter: Counter[str] = Counter()
    for suggested, sent in pairs:
        counter.update(set(word_changes(suggested, sent)))  # once per edit, not per repetition
    example = unified_word_diff(*pairs[0]) if pairs else None
    return counter.most_common(top), example
