"""Flows: which steps of a guideline the agent already sent, and which step comes next.

A pattern may hold a place in one or more flows (``PatternSpec.flows``: name + step). From the
conversation, :meth:`FlowTracker.progress` works out which patterns an agent turn already carried, and so
which steps of each flow are done. :func:`apply_flows`, called by the ranker after eligibility,
drops what was already sent and puts the next undone step of each flow first among that flow's
candidates, with a phrase for the rationale.

"Sent" means an agent turn is close to the pattern's body with slots masked on both sides (the
body's ``{group.field}`` slots removed, the conversation's CRM values removed from the turn):
its words (rapidfuzz ``token_sort_ratio`` ≥ :data:`COPY_SENT`: an inserted or lightly edited
suggestion), or its meaning. Meaning is the embedding cosine after removing the library's mean
body vector (every reply shares a customer-service register, which made raw cosines of unrelated
texts reach 0.88): ≥ :data:`COSINE_SENT`, or ≥ :data:`COSINE_FLOOR` when the pattern is also the
turn's best match by :data:`COSINE_MARGIN` (small talk resembles every pattern a little, a step
resembles one).

Measured on ABCD's 436 real agent turns against the demo pack (``bench/flow_threshold.py``, labels
written by us: 77 turns that perform a demo step in the agent's own words): precision 0.86, recall
0.33 with the default embedder (0.93 / 0.33 with its version of 2026-11-30, 0.90 / 0.35 with
minilm-static). Recall is low on
purpose: a false "sent" hides a right suggestion, a missed one only repeats it. What is missed is
mostly short partial asks ("Can I have your name?"), which resemble several account patterns equally.

Cost: the library's bodies are masked and embedded once, when its ranker is built (``FlowTracker``);
a request embeds its agent turns and compares them with every body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from advisor.context.aliases import lookup
from advisor.context.models import InteractionContext, Role
from advisor.patterns.models import SLOT_RE, PatternSpec
from advisor.ranking.protocols import Embedder
from advisor.ranking.scoring import Candidate

COPY_SENT = 0.80
"""rapidfuzz token_sort_ratio from which a turn counts as a (lightly edited) copy of the body."""
COSINE_SENT = 0.65
"""Cosine from which a turn counts as the step whatever else it resembles."""
COSINE_FLOOR = 0.55
"""Cosine from which a turn counts as the step when the pattern is also its clear best match..."""
COSINE_MARGIN = 0.10
"""...by this much over the turn's second-best pattern."""
MIN_TURN_CHARS = 12
CENTRE = True
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


def _mask_values(texts: Sequence[str], values: Sequence[str]) -> list[str]:
    kept = sorted((v for v in values if len(v) >= 2), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(v) for v in kept), re.IGNORECASE) if kept else None
    return [_SPACES.sub(" ", pattern.sub(" ", t) if pattern else t).strip().lower() for t in texts]


class FlowTracker:
    """What one library needs to tell sent steps, built once with the library's index.

    The masked bodies, their vectors and the library's mean body vector depend only on the library;
    a request then only embeds its agent turns.
    """

    def __init__(self, specs: Sequence[PatternSpec], embedder: Embedder) -> None:
        self.specs = list(specs)
        self.embedder = embedder
        self.bodies = [_mask(s.body) for s in self.specs]
        vectors = embedder.encode(self.bodies) if self.bodies else np.zeros((0, 1), dtype=np.float32)
        self.mean = vectors.mean(axis=0, keepdims=True) if CENTRE and len(self.bodies) >= 2 else None
        self.vectors = _unit(vectors - self.mean) if self.mean is not None else vectors
        steps: dict[str, set[int]] = {}
        # Per flow, the steps held by a pattern that collects facts, and the facts each step requires.
        self._collecting: dict[str, set[int]] = {}
        self._needs: list[tuple[str, int, tuple[str, ...]]] = []
        for spec in self.specs:
            for place in spec.flows:
                steps.setdefault(place.name, set()).add(place.step)
                if spec.collects:
                    self._collecting.setdefault(place.name, set()).add(place.step)
                if spec.eligibility.requires:
                    self._needs.append((place.name, place.step, tuple(spec.eligibility.requires)))
        self.steps = {name: tuple(sorted(found)) for name, found in steps.items()}
        self._collectors = [(spec.id, spec.collects) for spec in self.specs if spec.collects]

    def similarity(self, turns: Sequence[str], values: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray]:
        """Return (fuzzy, cosine) similarity matrices of ``turns`` (rows) against the masked bodies."""
        texts = _mask_values(turns, values)
        # Scores under the copy threshold come back as 0, which lets rapidfuzz skip pairs of unlike length.
        scores = process.cdist(
            texts, self.bodies, scorer=fuzz.token_sort_ratio, score_cutoff=COPY_SENT * 100, dtype=np.float32
        )
        fuzzy = (scores / 100.0).astype(np.float32)
        if not texts or not self.bodies:
            return fuzzy, np.zeros_like(fuzzy)
        turn_vectors = self.embedder.encode(texts)
        if self.mean is not None:
            # Every reply shares a customer-service register; removing the library's mean keeps what differs.
            turn_vectors = _unit(turn_vectors - self.mean)
        return fuzzy, np.asarray(turn_vectors @ self.vectors.T, dtype=np.float32)

    def progress(self, context: InteractionContext) -> FlowProgress:
        """Work out which patterns are done in ``context`` and so which flow steps are done.

        A pattern is done when an agent turn carried it, or when it collects CRM facts and the request
        already carries one of them (the agent has the account or order on screen). A collecting step
        of a flow is also done when the request carries every fact a later step of that flow requires:
        what the step is there to bring up is already on screen (a subscription shown before any
        account ID was typed).
        """
        turns = [
            t.text for t in context.turns if t.role is Role.agent and len(t.text.strip()) >= MIN_TURN_CHARS
        ]
        slots = context.slot_values()
        sent: set[str] = {
            pid for pid, collects in self._collectors if any(slot in slots for slot in collects)
        }
        if turns and self.specs:
            fuzzy, cosine = self.similarity(turns, list(slots.values()))
            hit = sent_matrix(fuzzy, cosine).any(axis=0)
            sent |= {self.specs[int(i)].id for i in np.flatnonzero(hit)}
        done: dict[str, set[int]] = {}
        for spec in self.specs:
            if spec.id in sent:
                for place in spec.flows:
                    done.setdefault(place.name, set()).add(place.step)
        for flow, step, needs in self._needs:
            if all(lookup(slots, slot) is not None for slot in needs):
                done.setdefault(flow, set()).update(s for s in self._collecting.get(flow, ()) if s < step)
        return FlowProgress(
            sent=frozenset(sent), done={name: frozenset(s) for name, s in done.items()}, steps=self.steps
        )


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-9), dtype=np.float32)


def sent_matrix(
    fuzzy: np.ndarray,
    cosine: np.ndarray,
    *,
    copy: float = COPY_SENT,
    high: float = COSINE_SENT,
    floor: float = COSINE_FLOOR,
    margin: float = COSINE_MARGIN,
) -> np.ndarray:
    """Return which (turn, pattern) pairs count as "this turn sent this pattern"."""
    hit = (fuzzy >= copy) | (cosine >= high)
    if cosine.shape[1] >= 2:
        order = np.sort(cosine, axis=1)
        best, second = order[:, -1:], order[:, -2:-1]
        clear = (cosine >= best) & (best - second >= margin)
        hit |= clear & (cosine >= floor)
    else:
        hit |= cosine >= floor
    return np.asarray(hit, dtype=bool)


def _already_done(candidate: Candidate, progress: FlowProgress, prefer: Sequence[str] = ()) -> bool:
    if candidate.spec.id in progress.sent:
        return True
    # A step shared by several flows speaks for the conversation's topic: done (or passed) in one of the
    # topic's flows, it is done; the topic's other flows are other procedures for the same customer.
    preferred = [p for p in candidate.spec.flows if p.name in prefer]
    if preferred:
        return any(p.step <= progress.last_step(p.name) for p in preferred)
    places = candidate.spec.flows
    return bool(places) and all(p.step in progress.done.get(p.name, frozenset()) for p in places)


def apply_flows(
    candidates: list[Candidate], progress: FlowProgress, prefer: Sequence[str] = ()
) -> list[Candidate]:
    """Drop candidates already sent; put each flow's next undone step first among that flow's candidates.

    Flows are taken in the order their first candidate appears (the best-scored flow first). The
    candidate moved to the front of its flow gets ``flow_step``, e.g. "next step of missing_package:
    step 2 of 3", which the rationale shows. Other candidates keep their order.

    ``prefer``: the flows of the conversation's topic, the one the request is most likely in first. A
    step shared by several flows (verify identity) stands for that topic: it is done once done in one of
    those flows, it is named by the first of them where it is the next step, and it does not lead (nor
    lend its confidence to) a flow of another topic.
    """
    result = [c for c in candidates if not _already_done(c, progress, prefer)]
    flows = list(dict.fromkeys(p.name for c in result for p in c.spec.flows))
    if not flows:
        return result
    flow_names = [frozenset(p.name for p in c.spec.flows) for c in result]  # kept in step with result
    for flow in flows:
        wanted = progress.next_step(flow)
        if wanted is None:
            continue
        members = [i for i, names in enumerate(flow_names) if flow in names]
        pick = next(
            (i for i in members if any(p.name == flow and p.step == wanted for p in result[i].spec.flows)),
            None,
        )
        if pick is None:
            continue
        if flow not in prefer:
            members = [i for i in members if i == pick or len(flow_names[i]) == 1]
        leader = result[members[0]]
        chosen = result.pop(pick)
        flow_names.insert(members[0], flow_names.pop(pick))
        if leader is not chosen and leader.confidence > chosen.confidence:
            # The step speaks for the flow's intent: it is as likely to be right as the flow's best match.
            chosen.confidence, chosen.features = leader.confidence, leader.features
            chosen.state_note = chosen.state_note or leader.state_note
        result.insert(members[0], chosen)
        if chosen.flow_step is None:
            named = next(
                (
                    p
                    for name in prefer
                    for p in chosen.spec.flows
                    if p.name == name and progress.next_step(name) == p.step
                ),
                None,
            )
            name, step = (named.name, named.step) if named else (flow, wanted)
            total = max(progress.steps.get(name, (step,)))
            chosen.flow_step = f"next step of {name}: step {step} of {total}"
    return result
