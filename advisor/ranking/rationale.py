"""Explain a suggestion in one glance: matched customer words, CRM facts and rules, evidence spans."""

from __future__ import annotations

from advisor.context.models import InteractionContext, Role
from advisor.ranking.scoring import Candidate, Span
from advisor.ranking.text import iter_terms

MAX_TERMS = 4


def find_evidence(context: InteractionContext, vocabulary: frozenset[str]) -> tuple[list[str], list[Span]]:
    """Return the customer's words that the pattern also uses, and where they are in the turns."""
    words: list[str] = []
    spans: list[Span] = []
    for index in range(len(context.turns) - 1, -1, -1):
        turn = context.turns[index]
        if turn.role is not Role.customer:
            continue
        for term, start, end in iter_terms(turn.text):
            if term in vocabulary:
                word = turn.text[start:end]
                spans.append(Span(turn=index, start=start, end=end, text=word))
                if word.lower() not in words:
                    words.append(word.lower())
    return words, spans


def explain(candidate: Candidate) -> str:
    """Return the one-line rationale an agent reads, e.g. ``Customer said "refund", "card" · ...``."""
    pieces: list[str] = [candidate.state_note] if candidate.state_note else []
    if candidate.matched_terms:
        quoted = ", ".join(f'"{w}"' for w in candidate.matched_terms[:MAX_TERMS])
        pieces.append(f"Customer said {quoted}")
    if candidate.nearest_example:
        pieces.append(f'like "{candidate.nearest_example}"')
    if not candidate.matched_terms and not candidate.nearest_example:
        pieces.append("Similar in meaning to this pattern's examples")
    if candidate.flow_step:
        pieces.append(candidate.flow_step)
    if candidate.close_call:
        pieces.append(f'close call with "{candidate.rival}"')
    if candidate.acceptance_note:
        pieces.append(candidate.acceptance_note)
    pieces.extend(candidate.rules)
    return " · ".join(pieces)
