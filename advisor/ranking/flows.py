"""Flows: which steps of a guideline the agent already sent, and which step comes next.

A pattern may hold a place in one or more flows (``PatternSpec.flows``: name + step). From the
conversation, :func:`flow_progress` works out which patterns an agent turn already carried, and so
which steps of each flow are done. :func:`apply_flows`, called by the ranker after eligibility,
drops what was already sent and puts the next undone step of each flow first among that flow's
candidates, with a phrase for the rationale.

"Sent" means an agent turn is close to the pattern's body with slots masked on both sides (the
body's ``{group.field}`` slots removed, the conversation's CRM values removed from the turn):
either its words (rapidfuzz ``token_set_ratio`` ≥ :data:`FUZZY_SENT`) or its meaning (cosine of
the embeddings ≥ :data:`COSINE_SENT`). The thresholds were measured on ABCD's real agent turns
(``bench/flow_threshold.py``; figures in its docstring): an inserted or lightly edited suggestion
clears them, while an agent's own paraphrase of a step mostly does not, so a missed paraphrase
costs a repeated suggestion, never a lost one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from advisor.context.models import InteractionContext, Role
from advisor.patterns.models import SLOT_RE, PatternSpec
from advisor.ranking.protocols import Embedder
from advisor.ranking.scoring import Candidate

FUZZY_SENT = 0.80
COSINE_SENT = 0.90
MIN_TURN_CHARS = 12
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class FlowProgress:
    """What the conversation has done so far: patterns sent, and per flow the steps done and the next one."""

    sent: frozenset[str] = frozenset()
    """Ids of the patterns an agent turn already carried."""
    done: dict[str, frozenset[int]] = field(default_factory=dict)
    """Per flow, the step numbers already sent."""
    steps: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Per flow of the library, its step numbers in order."""

    def last_step(self, flow: str) -> int:
        """Return the highest step of ``flow`` already sent (0 when none)."""
        return max(self.done.get(flow, frozenset()), default=0)

    def next_step(self, flow: str) -> int | None:
        """Return the lowest step of ``flow`` above the last one sent, or None when the flow is finished."""
        last = self.last_step(flow)
        return next((s for s in self.steps.get(flow, ()) if s > last), None)


def _mask(text: str) -> str:
    return _SPACES.sub(" ", SLOT_RE.sub(" ", text)).strip().lower()


def _mask_values(text: str, values: Sequence[str]) -> str:
    out = text
    for value in values:
        if len(value) >= 2:
            out = re.sub(re.escape(value), " ", out, flags=re.IGNORECASE)
    return _SPACES.sub(" ", out).strip().lower()


def sent_similarity(
    specs: Sequence[PatternSpec], turns: Sequence[str], embedder: Embedder, values: Sequence[str] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Return (fuzzy, cosine) similarity matrices of ``turns`` (rows) against the specs' masked bodies."""
    bodies = [_mask(s.body) for s in specs]
    texts = [_mask_values(t, values) for t in turns]
    fuzzy = np.asarray(
        [[fuzz.token_set_ratio(t, b) / 100.0 for b in bodies] for t in texts], dtype=np.float32
    ).reshape(len(texts), len(bodies))
    if not texts or not bodies:
        return fuzzy, np.zeros_like(fuzzy)
    cosine = embedder.encode(texts) @ embedder.encode(bodies).T
    return fuzzy, np.asarray(cosine, dtype=np.float32)


def flow_progress(
    specs: Sequence[PatternSpec], context: InteractionContext, embedder: Embedder
) -> FlowProgress:
    """Work out which patterns the agent already sent in ``context`` and so which flow steps are done."""
    steps: dict[str, set[int]] = {}
    for spec in specs:
        for place in spec.flows:
            steps.setdefault(place.name, set()).add(place.step)
    turns = [t.text for t in context.turns if t.role is Role.agent and len(t.text.strip()) >= MIN_TURN_CHARS]
    sent: set[str] = set()
    if turns and specs:
        values = sorted(context.slot_values().values(), key=len, reverse=True)
        fuzzy, cosine = sent_similarity(specs, turns, embedder, values)
        hit = ((fuzzy >= FUZZY_SENT) | (cosine >= COSINE_SENT)).any(axis=0)
        sent = {specs[int(i)].id for i in np.flatnonzero(hit)}
    done: dict[str, set[int]] = {}
    for spec in specs:
        if spec.id in sent:
            for place in spec.flows:
                done.setdefault(place.name, set()).add(place.step)
    return FlowProgress(
        sent=frozenset(sent),
        done={name: frozenset(s) for name, s in done.items()},
        steps={name: tuple(sorted(s)) for name, s in steps.items()},
    )


def _already_done(candidate: Candidate, progress: FlowProgress) -> bool:
    if candidate.spec.id in progress.sent:
        return True
    places = candidate.spec.flows
    return bool(places) and all(p.step in progress.done.get(p.name, frozenset()) for p in places)


def apply_flows(candidates: list[Candidate], progress: FlowProgress) -> list[Candidate]:
    """Drop candidates already sent; put each flow's next undone step first among that flow's candidates.

    Flows are taken in the order their first candidate appears (the best-scored flow first). The
    candidate moved to the front of its flow gets ``flow_step``, e.g. "next step of missing_package:
    step 2 of 3", which the rationale shows. Other candidates keep their order.
    """
    result = [c for c in candidates if not _already_done(c, progress)]
    flows = list(dict.fromkeys(p.name for c in result for p in c.spec.flows))
    for flow in flows:
        wanted = progress.next_step(flow)
        if wanted is None:
            continue
        members = [i for i, c in enumerate(result) if any(p.name == flow for p in c.spec.flows)]
        pick = next(
            (i for i in members if any(p.name == flow and p.step == wanted for p in result[i].spec.flows)),
            None,
        )
        if pick is None:
            continue
        chosen = result.pop(pick)
        result.insert(members[0], chosen)
        if chosen.flow_step is None:
            total = max(progress.steps.get(flow, (wanted,)))
            chosen.flow_step = f"next step of {flow}: step {wanted} of {total}"
    return result
