"""The default ranker: BM25 fused with embeddings, eligibility first, calibrated confidence, escalation."""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from advisor.context.models import InteractionContext
from advisor.patterns.models import PatternSpec
from advisor.ranking import conversation, eligibility, flows
from advisor.ranking.acceptance import Acceptance, exploration, phrase, posterior
from advisor.ranking.alternatives import share_topic_confidence
from advisor.ranking.background import BackgroundBank
from advisor.ranking.calibration import FEATURES, Calibration
from advisor.ranking.conversation import (
    ConversationState,
    IntentMap,
    StateModel,
    TextEvidence,
)
from advisor.ranking.embedding import CachedEmbedder
from advisor.ranking.head import OFF_TOPIC, LibraryHead
from advisor.ranking.index import FloatArray, PatternIndex
from advisor.ranking.protocols import Embedder
from advisor.ranking.query import build_query
from advisor.ranking.rationale import find_evidence
from advisor.ranking.scoring import Candidate, Ranked
from advisor.ranking.text import terms
from advisor.ranking.weights_file import fitted_file

RANKER_NAME = "state-hybrid-bm25-static"
EXACT_UP_TO = 256
"""Libraries of up to this many patterns compare the query with every example (cheap at that size)."""
SHORTLIST = 64
"""A larger library compares examples only for this many patterns (centroid and BM25 first)."""
EVIDENCE_CACHE = 4096
EMBED_CACHE = 4096
TOPIC_BELIEF = 0.5
"""An escalation names the conversation's topic only when the state holds it at least this likely."""
AGREE_MARGIN = 0.05
"""The latest turn agrees with an intent when it is its clear best match (a noise-level text has none)."""
AGREE_FLOOR = 0.25
"""...and when it matches that intent at least this well: a small library always has a best match."""


@dataclass(frozen=True)
class FusionWeights:
    """How lexical and semantic evidence combine: score = semantic·w + bm25/(bm25+k)·(1-w)."""

    semantic: float = 0.6
    bm25_half: float = 6.0
    nearest: float = 0.4


class HybridRanker:
    """Rank approved, eligible patterns for a conversation; escalate when nothing is confident.

    Each customer turn is scored against the library (BM25 fused with embeddings), the conversation
    state model turns those per-turn scores into a belief over intents, patterns are ordered by their
    intent's belief (then by how well they match the recent turns), filtered by eligibility, and
    given a calibrated confidence; below the threshold advisor escalates.
    """

    def __init__(
        self,
        specs: Sequence[PatternSpec],
        embedder: Embedder,
        *,
        calibration: Calibration | None = None,
        state_model: StateModel | None = None,
        policy: eligibility.StagePolicy | None = None,
        weights: FusionWeights | None = None,
        threshold: float = 0.4,
        candidates: int = 20,
        library_stamp: str = "",
        library_head: bool = True,
    ) -> None:
        self.index = PatternIndex(specs, embedder)
        self.intents = IntentMap(self.index.specs)
        self.topic_vectors = self.intents.centroids(self.index.centroids)
        # A request embeds each customer turn for its evidence and again in the weighted query, and a
        # conversation sends its turns again with every request: each text is embedded once.
        self.embedder = (
            embedder if isinstance(embedder, CachedEmbedder) else CachedEmbedder(embedder, EMBED_CACHE)
        )
        self.background = BackgroundBank(self.embedder, self.index.vectors)
        self.head = self._fit_head() if library_head and LibraryHead.applies(len(self.intents)) else None
        shipped_calibration, shipped_state = fitted_models(
            head=self.head is not None, embedder=self.embedder.name
        )
        self.calibration = calibration or shipped_calibration
        self.state_model = state_model or shipped_state
        self.policy = policy or eligibility.StagePolicy()
        self.weights = weights or FusionWeights()
        self.threshold = threshold
        self.max_candidates = candidates
        learnt = "/head" if self.head else ""
        self.version = (
            f"{RANKER_NAME}/{embedder.name}/w{self.weights.semantic}-k{self.weights.bm25_half}{learnt}"
        )
        self.library_stamp = library_stamp
        self._positions = {s.key: n for n, s in enumerate(self.index.specs)}
        self._vocabulary: set[str] = set().union(*self.index.vocabulary) if self.index.vocabulary else set()
        has_flows = any(spec.flows for spec in self.index.specs)
        self._flows = flows.FlowTracker(self.index.specs, self.embedder) if has_flows else None
        self._evidence: OrderedDict[str, TextEvidence] = OrderedDict()
        self._evidence_lock = threading.Lock()

    def _fit_head(self) -> LibraryHead:
        """Fit the library head on the examples and titles, labelled with their pattern's own topics, and
        on the off-topic bank's sentences the library does not cover (the out-of-library class).

        Each topic gives at most ``LibraryHead.rows_per_topic`` rows: every pattern's title, then every
        pattern's first example, and so on, so that a topic's patterns all speak."""
        cap = LibraryHead.rows_per_topic(len(self.intents))
        starts = self.index.starts
        turn = [n - starts[owner] for n, owner in enumerate(self.index.row_owner)]
        taken: dict[int, int] = {}
        rows: list[tuple[int, int]] = []
        for n in sorted(range(len(turn)), key=lambda n: (turn[n], n)):
            for topic in self.intents.own[self.index.row_owner[n]]:
                if taken.get(topic, 0) < cap:
                    taken[topic] = taken.get(topic, 0) + 1
                    rows.append((n, topic))
        rows.sort()
        texts = [self.index.row_texts[n] for n, _ in rows] + self.background.texts
        vectors = np.vstack([self.index.vectors[[n for n, _ in rows]], self.background.vectors])
        labels = [topic for _, topic in rows] + [OFF_TOPIC] * len(self.background)
        return LibraryHead(texts, vectors, labels)

    def _fuse(
        self,
        vectors: FloatArray,
        weighted_terms: list[tuple[list[str], float]],
        central: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Return (fused, semantic, lexical, per-row similarity) for a weighted query.

        ``central``: the query's centroid similarities when the caller computed them for a batch.
        """
        query = vectors.sum(axis=0)
        query /= max(float(np.linalg.norm(query)), 1e-9)
        bm25 = self.index.lexical(weighted_terms)
        lexical = bm25 / (bm25 + self.weights.bm25_half)
        shortlist = None
        if len(self.index) > EXACT_UP_TO:
            # Large library: compare examples only for patterns whose centroid or words come close.
            if central is None:
                central = self.index.centroid_similarity(query)
            prelim = self.weights.semantic * central + (1 - self.weights.semantic) * lexical
            picked = np.zeros(len(self.index), dtype=bool)
            picked[np.argpartition(-prelim, SHORTLIST)[:SHORTLIST]] = True
            picked[np.argpartition(-lexical, SHORTLIST // 4)[: SHORTLIST // 4]] = True
            shortlist = np.flatnonzero(picked)
        semantic, sims = self.index.semantic(
            query, nearest_weight=self.weights.nearest, shortlist=shortlist, central=central
        )
        fused = (self.weights.semantic * semantic + (1 - self.weights.semantic) * lexical).astype(np.float32)
        return fused, semantic, lexical.astype(np.float32), sims

    def scores(self, context: InteractionContext) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Return (fused, semantic, lexical, per-row similarity) of the recent turns, latest weighing most."""
        parts = build_query(context)
        weights = np.asarray([p.weight for p in parts], dtype=np.float32)
        vectors = weights[:, None] * self.embedder.encode([p.text for p in parts])
        return self._fuse(vectors, [(terms(p.text), p.weight) for p in parts])

    def evidence(self, texts: Sequence[str], learn: Collection[str] = ()) -> list[TextEvidence]:
        """Score each text on its own against every pattern and intent (cached per library), and with
        the library head those in ``learn`` (the head's reading is the costlier part).

        The texts not yet cached are embedded in one call; a restarted process computes the same values.
        """
        with self._evidence_lock:
            found = {
                t: self._evidence[t]
                for t in dict.fromkeys(texts)
                if t in self._evidence
                and not (self.head is not None and t in learn and self._evidence[t].learnt is None)
            }
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        words = {t: terms(t) for t in missing}
        to_embed = [t for t in missing if words[t] and len(self.index)]
        vectors = self.embedder.encode(to_embed) if to_embed else None
        position = {t: n for n, t in enumerate(to_embed)}
        # One matrix product for the centroid similarities of the whole batch (unit-length rows).
        centrals = self.index.centroid_similarity_many(vectors) if vectors is not None else None
        to_learn = [n for n, t in enumerate(to_embed) if t in learn]
        learnt: dict[int, conversation.FloatArray] = {}
        if self.head is not None and vectors is not None and to_learn:
            probabilities = self.head.probabilities(
                [to_embed[n] for n in to_learn], vectors[to_learn], len(self.intents)
            )
            learnt = dict(zip(to_learn, probabilities, strict=True))
        library_best = np.zeros(len(to_embed))
        fused_of: dict[str, FloatArray] = {}
        for t in to_embed:
            if vectors is not None and centrals is not None:
                n = position[t]
                fused_of[t], _, _, sims = self._fuse(vectors[n : n + 1], [(words[t], 1.0)], centrals[:, n])
                library_best[n] = float(sims.max()) if len(sims) else 0.0
        off_topic = self.background.margin(vectors, library_best) if vectors is not None else library_best
        for t in missing:
            if t in fused_of:
                n = position[t]
                intents = self.intents.reduce(fused_of[t])
                known = sum(w in self._vocabulary for w in words[t])
                found[t] = TextEvidence(
                    intents,
                    float(intents.max()),
                    len(words[t]),
                    known,
                    learnt.get(n),
                    float(off_topic[n]),
                )
            else:
                found[t] = TextEvidence.nothing(len(self.intents), self.head is not None)
        with self._evidence_lock:
            for t in missing:
                self._evidence[t] = found[t]
            while len(self._evidence) > EVIDENCE_CACHE:
                self._evidence.popitem(last=False)
        return [found[t] for t in texts]

    def state(self, context: InteractionContext) -> ConversationState:
        """Return the conversation state: the belief over intents after the latest customer turn."""
        turns = conversation.customer_turns(context, self.evidence, self.state_model.window)
        return conversation.track(turns, self.state_model, self.topic_vectors)

    def confidence_features(
        self, state: ConversationState, intents: Sequence[int]
    ) -> conversation.FloatArray:
        """Return the calibration features (``calibration.FEATURES``) of candidates of these intents,
        one row per candidate."""
        belief = state.belief
        first, second = np.partition(belief, -2)[-2:][::-1] if len(belief) > 1 else (belief.max(), 0.0)
        latest = state.last.novel
        scores = latest.intents
        leader = int(np.argmax(scores)) if len(scores) else -1
        runner_up = float(np.partition(scores, -2)[-2]) if len(scores) > 1 else 0.0
        clear = (
            not latest.empty
            and latest.strength >= AGREE_FLOOR
            and latest.strength - runner_up >= AGREE_MARGIN
        )
        continuing = float(state.continuing)
        strength = 0.0 if latest.empty else latest.strength
        # How far the latest turn's best match stands out from its matches with everything else
        # (in standard deviations): a request the library knows peaks, small talk is flat.
        spread = float(scores.std()) if len(scores) > 1 else 0.0
        peak = 0.0 if latest.empty or spread == 0.0 else (strength - float(scores.mean())) / spread
        terms_, unknown = math.log1p(latest.terms), math.log1p(latest.terms - latest.known)
        off_topic = 0.0 if latest.empty else latest.off_topic
        learnt = state.last.raw.learnt
        # The head's out-of-library class: what its topics' probabilities leave over.
        elsewhere = 0.0 if latest.empty or learnt is None else max(0.0, 1.0 - float(learnt.sum()))
        # One row per candidate: its intent's columns, then what the turn says (the same for all).
        at = np.asarray(intents, dtype=np.intp)
        own = belief[at].astype(np.float64)
        agrees = ((at == leader) & clear).astype(np.float64)
        shared = np.asarray(
            [
                strength,
                terms_,
                unknown,
                continuing,
                state.last.answer,
                continuing * terms_,
                continuing * unknown,
                peak,
                continuing * peak,
                float(state.last.supplied),
                continuing * off_topic,
                continuing * elsewhere,
            ]
        )
        rows = np.empty((len(at), len(FEATURES)))
        rows[:, 0] = own
        rows[:, 1] = own - np.where(own >= first, second, first)
        rows[:, 2] = state.support[at]
        rows[:, 3:6] = shared[0:3]
        rows[:, 6] = agrees
        rows[:, 7] = agrees * strength
        rows[:, 8:12] = shared[3:7]
        rows[:, 12] = continuing * (1.0 - agrees) * unknown
        rows[:, 13:] = shared[7:]
        return rows

    def rank(self, context: InteractionContext, k: int, acceptance: Acceptance | None = None) -> Ranked:
        """Return up to ``k`` confident suggestions, best first, or an escalation with its reason.

        ``acceptance``: agents' decisions so far; they update each candidate's confidence and order.
        """
        if not len(self.index):
            return Ranked([], [], escalate=True, reason="no approved pattern is available")
        state = self.state(context)
        topic_turn = state.raised_at if state.raised_at is not None else state.last.index
        fused, semantic, lexical, sims = self.scores(context)
        belief = self.intents.pattern_belief(state.belief)
        order = np.lexsort((-fused, -np.round(belief, 3)))
        slots = context.slot_values()
        eligible: list[Candidate] = []
        ineligible = 0
        for i in order:
            spec = self.index.specs[int(i)]
            rules = eligibility.check(spec, context, slots, self.policy)
            if rules is None:
                ineligible += 1
                continue
            eligible.append(
                Candidate(
                    spec=spec,
                    score=float(fused[i]),
                    semantic=float(semantic[i]),
                    lexical=float(lexical[i]),
                    rules=rules,
                )
            )
            if len(eligible) > self.max_candidates:
                break
        if not eligible:
            return Ranked(
                [],
                [],
                escalate=True,
                reason="no approved pattern is eligible for this context",
                ineligible=ineligible,
            )
        scored = [c for c in eligible if self._intents_of(c)]
        best_topic = [max(self._intents_of(c), key=lambda n: state.belief[n]) for c in scored]
        features = self.confidence_features(state, best_topic)
        confidences = self.calibration.confidences(features).tolist()
        notes: dict[int, str | None] = {}  # the note depends on the intent only
        for cand, intent, row, confidence in zip(
            scored, best_topic, features.tolist(), confidences, strict=True
        ):
            cand.features = tuple(row)
            cand.confidence = confidence
            if intent not in notes:
                notes[intent] = state_note(state, self.intents.names, context, intent)
            cand.state_note = notes[intent]
        self._share_among_alternatives(context, state, scored, best_topic, fused)
        eligible = self._with_decisions(eligible, acceptance, context.channel, belief)
        if self._flows is not None:
            topic_flows = self.intents.flows(state.active, fused) if state.active is not None else []
            eligible = flows.apply_flows(eligible, self._flows.progress(context), topic_flows)
            if not eligible:
                return Ranked([], [], escalate=True, reason="every eligible pattern was already sent")
        considered = eligible[: self.max_candidates]
        chosen = [c for c in considered[:k] if c.confidence >= self.threshold]
        for cand in chosen:
            position = self._positions[cand.spec.key]
            cand.nearest_example = self.index.nearest_example(position, sims)
            cand.matched_terms, cand.evidence = find_evidence(context, self.index.vocabulary[position])
        if not chosen:
            best = considered[0]
            active = state.active
            if (
                active is not None
                and state.belief[active] >= TOPIC_BELIEF
                and not any(active in self._intents_of(c) for c in considered)
            ):
                topic = self.intents.names[active].replace("_", " ")
                reason = f"the conversation is about {topic}, but none of its patterns is eligible here"
            elif best.shared_from is not None and best.shared_from >= self.threshold > best.share:
                reason = (
                    f'no single answer stands out: "{best.spec.title}" and "{best.rival}" share their '
                    f"topic's confidence {best.shared_from:.2f}, "
                    f"each below the threshold {self.threshold:.2f}"
                )
            else:
                reason = (
                    f"no confident suggestion: best match '{best.spec.title}' has confidence "
                    f"{best.confidence:.2f}, below the threshold {self.threshold:.2f}"
                )
            return Ranked(
                [], considered, escalate=True, reason=reason, ineligible=ineligible, topic_turn=topic_turn
            )
        return Ranked(
            chosen, considered, escalate=False, reason=None, ineligible=ineligible, topic_turn=topic_turn
        )

    def _share_among_alternatives(
        self,
        context: InteractionContext,
        state: ConversationState,
        scored: list[Candidate],
        topics: list[int],
        fused: FloatArray,
    ) -> None:
        """Let each topic's eligible alternatives share its confidence (``alternatives.py``), by their
        match with the request as of the latest customer turn that said something: a detail handed over
        since ("A1001") leaves the belief as it was, and so the split."""
        groups: dict[int, list[tuple[Candidate, int]]] = {}
        for cand, topic in zip(scored, topics, strict=True):
            position = self._positions[cand.spec.key]
            if self.intents.own[position]:  # a step shared by several topics is no alternative
                groups.setdefault(topic, []).append((cand, position))
        if all(len(group) < 2 for group in groups.values()):
            return
        said = next((t for t in reversed(state.turns) if not t.novel.empty), None)
        if said is not None and said.index != state.last.index:
            fused = self.scores(context.model_copy(update={"turns": context.turns[: said.index + 1]}))[0]
        share_topic_confidence(
            [[(cand, float(fused[position])) for cand, position in group] for group in groups.values()],
            self.state_model.turn_scale(said),
        )

    def _with_decisions(
        self,
        eligible: list[Candidate],
        acceptance: Acceptance | None,
        channel: str,
        belief: conversation.FloatArray,
    ) -> list[Candidate]:
        """Update confidences with agents' decisions; among the patterns of one topic, order by them.

        The order of topics stays the conversation state's; agents' decisions pick between the
        patterns of a topic, and a confidence they pushed below the threshold is not shown.
        """
        bonus: dict[int, float] = {}
        for cand in eligible:
            spec = cand.spec
            tally = (
                None
                if acceptance is None
                else acceptance.tally(spec.id, spec.version, spec.intents[0], channel)
            )
            cand.confidence = posterior(cand.confidence, tally)
            cand.acceptance_note = phrase(tally)
            bonus[id(cand)] = exploration(tally)
        topic = {id(c): round(float(belief[self._positions[c.spec.key]]), 3) for c in eligible}
        return sorted(eligible, key=lambda c: (-topic[id(c)], -(round(c.confidence, 6) + bonus[id(c)])))

    def _intents_of(self, candidate: Candidate) -> list[int]:
        return self.intents.of_pattern[self._positions[candidate.spec.key]]


@functools.cache
def fitted_models(*, head: bool, embedder: str) -> tuple[Calibration, StateModel]:
    """The shipped calibration and state model, fitted on evidence with or without the library head,
    for ``embedder`` when it has its own fit (read once per process; ``bench/fit_models.sh`` writes them)."""
    return (
        Calibration.load(fitted_file("calibration", head=head, embedder=embedder)),
        StateModel.load(fitted_file("conversation", head=head, embedder=embedder)),
    )


def state_note(
    state: ConversationState, names: Sequence[str], context: InteractionContext, intent: int
) -> str | None:
    """Say in words when a suggestion relies on an earlier turn ("continuing: ...") or on the agent's
    offer that the customer accepted ("the customer accepted the agent's offer: ...")."""
    if state.raised_at is None or state.active != intent:
        return None
    raised = next((t for t in state.turns if t.index == state.raised_at), None)
    offer = raised.accepted_offer if raised is not None else None
    if not state.continuing and offer is None:
        return None
    ago = state.turns_ago
    when = "" if not state.continuing else " 1 turn ago" if ago == 1 else f" {ago} turns ago"
    prefix = "continuing: " if state.continuing else ""
    if offer is not None:
        return f'{prefix}the customer accepted the agent\'s offer{when} ("{_short(offer)}")'
    topic = names[intent].replace("_", " ")
    return f'{prefix}the customer raised {topic}{when} ("{_short(context.turns[state.raised_at].text)}")'


def _short(text: str, limit: int = 60) -> str:
    quote = text.strip()
    return quote if len(quote) <= limit else quote[: limit - 3].rstrip() + "..."
