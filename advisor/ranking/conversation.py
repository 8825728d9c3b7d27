"""Conversation state: which intent the customer is pursuing, followed over the whole conversation.

Each customer turn is scored on its own against the library, twice: as written, and with what is only a
detail taken out — identifiers, the CRM's own values, and the words of the agent's preceding turn (an
answer echoes its question: "my username is jo123" after "may I have your username?" is a detail, not a
request about usernames), and a name the library has no word for, given when the agent asked for a name
("Crystal Minh" after "may I have your full name?"), says nothing either. A small dialogue-state
model, a conditional logit over the library's intents with a handful of weights (``conversation.json``,
fitted by ``advisor eval fit-state`` on labelled multi-turn cases), turns these scores, the agent's
preceding turn and the previous state into a belief over intents, turn by turn: a turn that carries only
details keeps the active intent; a turn that matches another intent strongly takes over. A reply to the
agent's question that accepts ("yes, go ahead") moves towards what the agent offered, preferring topics
near the current one; one that declines ("no, not yet") moves away from it.

Everything is derived from the request's turns, so another replica or a restart gives the same
answer; per-text scores are cached only to save time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from advisor.context.models import InteractionContext, Role
from advisor.patterns.models import PatternSpec
from advisor.ranking.text import TOKEN_RE, iter_terms, only_content_words, terms
from advisor.ranking.weights_file import fitted_file, read_weights, write_weights

STATE_FILE = fitted_file("conversation")
FEATURES = (
    "turn",
    "turn_x_strength",
    "turn_x_known",
    "novel",
    "novel_x_strength",
    "novel_x_known",
    "agent_x_strength",
    "agent_x_strength_x_short",
    "agent_x_accepted",
    "agent_x_declined",
    "previous_related",
    "related_x_accepted",
    "agent_learnt_x_accepted",
    "previous",
    "previous_x_novel_strength",
    "previous_x_short",
    "previous_x_answer",
    "learnt",
    "learnt_x_strength",
    "learnt_x_first",
)
FloatArray = npt.NDArray[np.float64]
TopicVectors = npt.NDArray[np.float32]
"""Unit-length vectors, one per row (each intent's mean example vector)."""
KNOWN_CAP = 3
"""Content words the library also uses, counted up to this many, say how much a turn is about it."""
PREVIOUS_FLOOR = 0.02
"""Belief below this counts as this: however sure the state was, a clear new request can take over."""


@dataclass(frozen=True)
class StateModel:
    """Weights of the dialogue-state model, one per name in ``FEATURES``, and the turn window."""

    weights: tuple[float, ...] = (
        2.4,
        9.1,
        0.0,
        3.8,
        11.5,
        0.0,
        5.0,
        5.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        1.2,
        -1.0,
        -0.3,
        1.0,
        0.0,
        0.0,
        0.0,
    )
    window: int = 8
    fitted_on: str = "defaults"
    n: int = 0

    @classmethod
    def load(cls, path: Path = STATE_FILE) -> StateModel:
        """Load the fitted model from ``path``, or the defaults when there is no file."""
        raw = read_weights(path, FEATURES)
        return cls() if raw is None else cls(**raw)

    def save(self, path: Path = STATE_FILE) -> None:
        """Write the model as JSON (weights by feature name)."""
        write_weights(path, asdict(self), FEATURES)

    def turn_scale(self, turn: CustomerTurn | None) -> float:
        """How much one unit of match score moves a topic's log-odds on ``turn``: the weights of its raw
        and new-words evidence (``turn*``, ``novel*``) at the turn's strengths and known words, as in
        ``turn_features``; at least 1. ``None`` (no turn with evidence): at strength 0, no known words."""
        w = dict(zip(FEATURES, self.weights, strict=True))
        if turn is None or turn.novel.empty:
            return max(1.0, w["turn"] + w["novel"])
        raw, new = turn.raw, turn.novel
        return max(
            1.0,
            w["turn"]
            + w["turn_x_strength"] * raw.strength
            + w["turn_x_known"] * min(raw.known, KNOWN_CAP) / KNOWN_CAP
            + w["novel"]
            + w["novel_x_strength"] * new.strength
            + w["novel_x_known"] * min(new.known, KNOWN_CAP) / KNOWN_CAP,
        )


@dataclass(frozen=True)
class TextEvidence:
    """How one text scores against the library's intents, and how much it says."""

    intents: FloatArray
    """Retrieval: each intent's best pattern score (BM25 fused with embeddings)."""
    strength: float
    terms: int
    known: int
    learnt: FloatArray | None = None
    """The library head's probability of each intent (None: the ranker has no head)."""
    off_topic: float = 0.0
    """How much better an everyday off-topic request matches the text than the library does
    (``background.BackgroundBank.margin``; positive: most likely not for this library)."""

    @property
    def empty(self) -> bool:
        """True when the text has no content word (e.g. "ok", "yes please")."""
        return self.terms == 0

    @classmethod
    def nothing(cls, intents: int, head: bool) -> TextEvidence:
        """Return evidence that says nothing: no content word, no match with any of ``intents`` topics
        (and, with a library ``head``, no reading by it)."""
        zeros = np.zeros(intents)
        return cls(zeros, 0.0, 0, 0, zeros if head else None)

    def emptied(self) -> TextEvidence:
        """Return the evidence of a text that says nothing, shaped like this one."""
        return TextEvidence.nothing(len(self.intents), self.learnt is not None)


class IntentMap:
    """Which patterns express which topic; a topic's score is the best score among its patterns.

    The state follows topics: the intents a customer raises. A procedural step shared by several
    flows (e.g. "verify identity", step 1 of many) is not a topic: a customer giving their username
    has not changed subject. Such a pattern speaks for the topics of the flows it is a step of.
    """

    def __init__(self, specs: Sequence[PatternSpec]) -> None:
        procedural = {
            intent
            for intent in {i for spec in specs for i in spec.intents}
            if all(len(spec.flows) >= 2 for spec in specs if intent in spec.intents)
        }
        names = sorted({i for spec in specs for i in spec.intents} - procedural)
        if not names:
            names, procedural = sorted({i for spec in specs for i in spec.intents}), set()
        self.names = names
        position = {name: n for n, name in enumerate(names)}
        own = [[position[i] for i in spec.intents if i in position] for spec in specs]
        self.own: list[list[int]] = own
        """Per pattern, the topics its own intents name (empty for a shared procedural step)."""
        by_flow: dict[str, set[int]] = {}
        for spec, topics in zip(specs, own, strict=True):
            for place in spec.flows:
                by_flow.setdefault(place.name, set()).update(topics)
        self._flow_names = [[p.name for p in spec.flows] for spec in specs]
        self.of_pattern: list[list[int]] = [
            topics or sorted(set().union(*(by_flow.get(p.name, set()) for p in spec.flows)))
            for spec, topics in zip(specs, own, strict=True)
        ]
        width = max((len(t) for t in self.of_pattern), default=1) or 1
        # Patterns × topics, padded with the index of an extra zero belief.
        self._topic_matrix = np.full((len(specs), width), len(names), dtype=np.intp)
        for p, topics in enumerate(self.of_pattern):
            self._topic_matrix[p, : len(topics)] = topics
        pairs = sorted((i, p) for p, topics in enumerate(own) for i in topics)
        self._pattern_of_pair = np.asarray([p for _, p in pairs], dtype=np.intp)
        intent_of_pair = np.asarray([i for i, _ in pairs], dtype=np.intp)
        self._starts = (
            np.searchsorted(intent_of_pair, np.arange(len(names))) if pairs else np.zeros(0, np.intp)
        )

    def __len__(self) -> int:
        return len(self.names)

    def reduce(self, pattern_scores: npt.NDArray[np.float32]) -> FloatArray:
        """Return each topic's best pattern score."""
        if not len(self.names):
            return np.zeros(0)
        return np.maximum.reduceat(pattern_scores[self._pattern_of_pair].astype(np.float64), self._starts)

    def flows(self, topic: int, pattern_scores: npt.NDArray[np.float32]) -> list[str]:
        """Return the flows ``topic``'s own patterns hold places in, those of its best-scoring patterns first
        (the procedure the request is most likely about)."""
        end = self._starts[topic + 1] if topic + 1 < len(self._starts) else len(self._pattern_of_pair)
        patterns = self._pattern_of_pair[self._starts[topic] : end]
        ordered = patterns[np.argsort(-pattern_scores[patterns], kind="stable")]
        return list(dict.fromkeys(name for p in ordered for name in self._flow_names[int(p)]))

    def centroids(self, pattern_centroids: TopicVectors) -> TopicVectors:
        """Return each topic's unit-length mean of its own patterns' centroids, [topics × dimensions]."""
        out = np.zeros((len(self.names), pattern_centroids.shape[1]), dtype=np.float32)
        for pattern, topics in enumerate(self.own):
            out[topics] += pattern_centroids[pattern]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out

    def pattern_belief(self, belief: FloatArray) -> FloatArray:
        """Return, per pattern, the belief of its most likely topic (0 for a step of no known topic)."""
        padded = np.append(belief, 0.0)
        out: FloatArray = padded[self._topic_matrix].max(axis=1)
        return out


IDENTIFIER_RE = re.compile(r"(?:\b[A-Za-z]+(?: [A-Za-z]+)?:\s*)?(?:\S+@\S+|https?://\S+|\S*\d\S*)")
"""E-mail addresses, links and anything with a digit (order numbers, phone numbers, codes, dates),
with the field label that introduces one ("Order ID: 3348917502", "email: jo@example.com")."""


ACCEPT_RE = re.compile(
    r"(?:(?:yes|yeah|yep|yup|ya|sure|ok|okay|absolutely|definitely|certainly|of course|please do|go ahead"
    r"|do it|do that|sounds good|that works|that would be great)\b[\s,.!]*)+",
    re.IGNORECASE,
)
DECLINE_RE = re.compile(
    r"(?:no|nope|nah|not yet|not now|not right now|not at the moment|not at this time|maybe later"
    r"|hold on|never mind|don't|do not)\b(?! (?:problems?|worry|worries)\b)",
    re.IGNORECASE,
)
"""How a reply to an offer begins: "Would you like me to book it?" → "Yes, please" or "No, not yet"."""


def _leading_act(text: str) -> tuple[float, str]:
    """Return the act ``text`` begins with (1 accepting, -1 declining, 0 neither) and what follows it."""
    start = text.lstrip(" \t\n\"'(*-.,!")
    for act, pattern in ((-1.0, DECLINE_RE), (1.0, ACCEPT_RE)):
        found = pattern.match(start)
        if found:
            return act, start[found.end() :]
    return 0.0, text


def asks(agent_text: str | None) -> bool:
    """Return whether the agent's turn asks a question (the customer's next turn most likely answers it)."""
    return bool(agent_text and "?" in agent_text)


def reply_act(text: str) -> float:
    """Return how much ``text`` reads as accepting what was offered (1 / (1 + the content words after the
    acceptance): "yes please" 1, "yes, book a room" 1/3), -1 when it begins by declining, else 0.

    "Yes, when will I get my refund?" after "anything else?" is mostly a request of its own; a decline
    counts fully, whatever follows it ("no, not yet. What are the show times?": not that).
    """
    act, rest = _leading_act(text)
    return act / (1.0 + len(terms(rest))) if act > 0 else act


def supplies_data(text: str, details: frozenset[str] = frozenset()) -> bool:
    """Return whether the customer hands over data: an identifier, or a value the CRM holds."""
    return bool(IDENTIFIER_RE.search(text)) or any(term in details for term in terms(text))


NAME_WORDS = (2, 3)
"""A name handed over has this many words, at least and at most ("Crystal Minh", "Calvin Klein Boots")."""
NAME_TERMS = frozenset(terms("name username"))
"""An agent's question with one of these words asks for a name ("may I have your full name?"); one
that asks for anything else ("anything else on your order?") gets no name in reply."""


def hands_over_name(text: str, question: str | None) -> bool:
    """Return whether ``text`` reads as a name handed over on request: the agent's ``question`` asks
    for a name (``NAME_TERMS``), and the reply, past its yes or no and any identifiers, is two or three
    capitalised content words and asks nothing ("Crystal Minh" after "may I have your full name?";
    not "pizza recipe", "Useless Idiot" after "anything else on your order?", or "Tell me a joke"). The
    caller also checks that the library uses none of its words."""
    if not asks(question) or "?" in text or not NAME_TERMS.intersection(terms(question or "")):
        return False
    bare = IDENTIFIER_RE.sub(" ", _leading_act(text)[1])
    words = TOKEN_RE.findall(bare)
    low, high = NAME_WORDS
    return low <= len(words) <= high and only_content_words(bare) and all(w[0].isupper() for w in words)


def novel_text(text: str, agent_text: str | None, details: frozenset[str] = frozenset()) -> str:
    """Return what ``text`` says beyond details: its content words minus identifiers, words of the
    agent's preceding turn (an answer echoes its question), ``details`` (CRM values' words) and, in a
    reply to a question, the yes or no it begins with ("Sure, it's 33186" says nothing beyond data)."""
    skip = details | (set(terms(agent_text)) if agent_text else set())
    if asks(agent_text):
        text = _leading_act(text)[1]
    plain = IDENTIFIER_RE.sub(" ", text)
    return " ".join(plain[s:e] for term, s, e in iter_terms(plain) if term not in skip)


@dataclass(frozen=True)
class CustomerTurn:
    """One customer turn of the window with the evidence the state model reads."""

    index: int
    raw: TextEvidence
    novel: TextEvidence
    agent: TextEvidence | None
    asked: bool = False
    """The agent's preceding turn asked a question (so a short reply is most likely its answer)."""
    supplied: bool = False
    """The customer hands over data (an order number, an e-mail, a date, a name the CRM holds, or a
    name given on request: ``hands_over_name``)."""
    reply: float = 0.0
    """To the agent's question: how much the customer accepts (> 0, ``reply_act``), -1 declines, else 0."""
    agent_text: str | None = None
    """The agent's turn this one replies to (the last one since the previous customer turn)."""

    @property
    def accepted_offer(self) -> str | None:
        """The agent's question that this turn accepts, if it accepts one."""
        return self.agent_text if self.reply > 0 else None

    @property
    def answer(self) -> float:
        """How much the turn reads as an answer: the agent asked, and the reply says little new."""
        return float(self.asked) / (1.0 + self.novel.terms)


@dataclass
class ConversationState:
    """The belief over intents after the last customer turn and where the active intent came from."""

    belief: FloatArray
    turns: list[CustomerTurn]
    raised_at: int | None = None
    support: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def active(self) -> int | None:
        """The index of the most likely intent (None for an empty library)."""
        return int(np.argmax(self.belief)) if len(self.belief) else None

    @property
    def last(self) -> CustomerTurn:
        """The latest customer turn."""
        return self.turns[-1]

    @property
    def continuing(self) -> bool:
        """The active intent was raised before the latest customer turn."""
        return self.raised_at is not None and self.raised_at < self.last.index

    @property
    def turns_ago(self) -> int:
        """Customer turns between the one that raised the active intent and the latest one."""
        if self.raised_at is None:
            return 0
        return sum(1 for t in self.turns if t.index > self.raised_at)


def customer_turns(
    context: InteractionContext,
    evidence: Callable[[Sequence[str], Collection[str]], list[TextEvidence]],
    window: int,
) -> list[CustomerTurn]:
    """Return the first and the last ``window - 1`` customer turns with their evidence and agent turns.

    ``evidence`` scores a batch of texts (one embedding call for all the texts not yet cached), with the
    library head's reading for those of the second argument: customer turns that say something beyond
    details (``turn_features`` reads no other).
    """
    details = frozenset(t for value in context.slot_values().values() for t in terms(value))
    picked: list[tuple[int, str, str | None]] = []
    agent_text: str | None = None
    # The agent's latest turn stands as the question for every customer message that follows it:
    # "What do you need from me?" then "Crystal Minh" both reply to "may I have your full name?".
    standing: dict[int, str | None] = {}
    latest_agent: str | None = None
    for index, turn in enumerate(context.turns):
        if turn.role is Role.agent:
            agent_text = latest_agent = turn.text
        elif turn.role is Role.customer:
            picked.append((index, turn.text, agent_text))
            standing[index] = latest_agent
            agent_text = None
    # The opening request stays in view however long the exchange of details after it.
    if len(picked) > window:
        picked = [picked[0], *picked[-(window - 1) :]]
    novel = [novel_text(text, agent, details) for _, text, agent in picked]
    # How each turn answers the agent's question, if the agent asked one.
    replies = [reply_act(text) if asks(agent) else 0.0 for _, text, agent in picked]
    texts = [text for _, text, _ in picked] + novel + [agent for _, _, agent in picked if agent]
    learn = {text for (_, text, _), plain in zip(picked, novel, strict=True) if terms(plain)}
    # The head also reads an agent's offer that the customer accepts ("Shall I book it?" → "Yes").
    learn |= {agent for (_, _, agent), reply in zip(picked, replies, strict=True) if agent and reply > 0}
    scored = dict(zip(texts, evidence(texts, learn), strict=True))
    turns: list[CustomerTurn] = []
    for (index, text, agent), plain, reply in zip(picked, novel, replies, strict=True):
        said = scored[plain]
        # A name the library has no word for, handed over on request, is a detail like an order
        # number: no evidence of a request, and no sign of an off-topic one either.
        name = not said.empty and scored[text].known == 0 and hands_over_name(text, standing[index])
        turns.append(
            CustomerTurn(
                index=index,
                raw=scored[text],
                novel=said.emptied() if name else said,
                agent=scored[agent] if agent else None,
                asked=asks(agent),
                supplied=name or supplies_data(text, details),
                reply=reply,
                agent_text=agent,
            )
        )
    return turns


def turn_features(turn: CustomerTurn, previous: FloatArray, topics: TopicVectors) -> FloatArray:
    """Return the feature matrix [intents × FEATURES] of one customer turn given the previous belief.

    ``topics``: each intent's unit-length mean example vector (``IntentMap.centroids``).
    """
    zeros = np.zeros_like(previous)
    # A turn that says nothing beyond identifiers, CRM values and the agent's own words is a detail:
    # its raw wording ("Order ID: 3348917502") is no evidence of a new request.
    raw = zeros if turn.novel.empty else turn.raw.intents - turn.raw.strength
    novel = zeros if turn.novel.empty else turn.novel.intents - turn.novel.strength
    novel_strength = 0.0 if turn.novel.empty else turn.novel.strength
    # The library head reads the turn as written (its n-grams include function words: "how do I"),
    # relative to its favourite (0 for the favourite); a detail turn is no evidence here either.
    learnt = zeros if turn.novel.empty or turn.raw.learnt is None else turn.raw.learnt - turn.raw.learnt.max()
    # The agent's preceding turn says what is being talked about when the customer answers it in
    # words ("would you like to book a table?" → "yes, for two"), not when the customer only hands
    # over data: "may I have your username?" → "jo123" asks for a detail that every flow needs.
    agent = (
        zeros
        if turn.agent is None or turn.agent.empty or (turn.supplied and turn.novel.empty)
        else (turn.agent.intents - turn.agent.strength) * turn.agent.strength
    )
    accepted = max(turn.reply, 0.0)
    offer = (
        (turn.agent.learnt - turn.agent.learnt.max()) * accepted
        if accepted and turn.agent is not None and turn.agent.learnt is not None and not turn.agent.empty
        else zeros
    )
    log_previous = np.log(previous + PREVIOUS_FLOOR)
    log_previous -= log_previous.max()
    # How close each topic is to the ones the conversation is on (cosine to the other topics' mean
    # example vectors, weighted by their belief): "reserve a car" is near "find a car", so an accepted
    # "would you like to reserve it?" stays with the car. Before any evidence (a uniform belief) no topic
    # is nearer than another. Computed as C (Cᵀ p) − p, without a topics × topics matrix.
    if np.ptp(previous) == 0.0:
        near = zeros
    else:
        p32 = previous.astype(topics.dtype)
        near = (topics @ (topics.T @ p32)).astype(np.float64) - previous
    near = near - near.max() if len(near) else near
    return np.stack(
        [
            raw,
            raw * turn.raw.strength,
            raw * min(turn.raw.known, KNOWN_CAP) / KNOWN_CAP,
            novel,
            novel * novel_strength,
            novel * min(turn.novel.known, KNOWN_CAP) / KNOWN_CAP,
            agent,
            agent / (1.0 + turn.novel.terms),
            agent * accepted,
            agent * float(turn.reply < 0),
            near,
            near * accepted,
            offer,
            log_previous,
            log_previous * novel_strength,
            log_previous / (1.0 + turn.novel.terms),
            log_previous * turn.answer,
            learnt,
            learnt * novel_strength,
            learnt * float(np.ptp(previous) == 0.0),
        ],
        axis=1,
    )


def softmax(z: FloatArray) -> FloatArray:
    """Numerically safe softmax."""
    e = np.exp(z - z.max())
    out: FloatArray = e / e.sum()
    return out


EVIDENCE = np.asarray([not name.startswith("previous") for name in FEATURES])
"""The features that read the turn itself (the others only carry the previous belief forward)."""


def run(
    turns: Sequence[CustomerTurn], weights: FloatArray, topics: TopicVectors
) -> Iterator[tuple[FloatArray, FloatArray]]:
    """Yield (features, belief) after each customer turn, oldest first.

    A turn with no evidence of its own (a detail or an acknowledgement: "Order ID: 3554122874", "ok")
    leaves the belief as it was: carrying it through the model would sharpen it turn after turn, so
    a weakly raised topic became a confident one on details alone. Such a turn yields the features of
    the last turn that had evidence, which are what its belief comes from (and what a fit must see).
    """
    n_intents = len(topics)
    belief = np.full(n_intents, 1.0 / max(n_intents, 1))
    x = np.zeros((n_intents, len(FEATURES)))
    for turn in turns:
        features = turn_features(turn, belief, topics)
        if features[:, EVIDENCE].any():
            x = features
            belief = softmax(x @ weights)
        yield x, belief


def track(turns: list[CustomerTurn], model: StateModel, topics: TopicVectors) -> ConversationState:
    """Run the state model over the window and note the turn that raised the active intent.

    ``topics``: the intents' unit-length mean example vectors (``IntentMap.centroids``).
    """
    weights = np.asarray(model.weights)
    n_intents = len(topics)
    state = ConversationState(belief=np.full(n_intents, 1.0 / max(n_intents, 1)), turns=turns)
    leader: int | None = None
    support = np.full(n_intents, -1.0)
    for turn, (_, belief) in zip(turns, run(turns, weights, topics), strict=True):
        support = np.maximum(support, turn.raw.intents)
        top = int(np.argmax(belief))
        if top != leader:
            leader, state.raised_at = top, turn.index
        state.belief = belief
    state.support = support
    return state


Sequences = Sequence[tuple[list[CustomerTurn], int]]


def fit(groups: Sequence[tuple[Sequences, TopicVectors]], fitted_on: str, rounds: int = 3) -> StateModel:
    """Fit the weights by maximum likelihood of the labelled intent at the last turn of each sequence.

    ``groups`` holds, per library, its labelled sequences and its intents' mean example vectors. The previous
    belief depends on the weights, so the fit alternates: run the model, fit the weights on the
    features it produced, and repeat a few rounds.
    """
    prior = np.asarray(StateModel().weights, dtype=np.float64)
    weights = prior.copy()
    for _ in range(rounds):
        batches: list[tuple[FloatArray, npt.NDArray[np.intp]]] = []
        for sequences, topics in groups:
            xs = [list(run(turns, weights, topics))[-1][0] for turns, _ in sequences]
            batches.append((np.stack(xs), np.asarray([label for _, label in sequences], dtype=np.intp)))
        weights = minimize(state_loss, weights, args=(batches, prior), jac=True, method="L-BFGS-B").x
    n = sum(len(sequences) for sequences, _ in groups)
    return StateModel(weights=tuple(round(float(v), 4) for v in weights), fitted_on=fitted_on, n=n)


def state_loss(
    w: FloatArray, batches: list[tuple[FloatArray, npt.NDArray[np.intp]]], prior: FloatArray
) -> tuple[float, FloatArray]:
    """Negative log-likelihood of the conditional logit and its gradient, with a light pull towards
    ``prior`` (the defaults): a weight the data says nothing about keeps its default instead of
    collapsing to zero, which would erase the previous turns' evidence in the next round."""
    nll = 0.1 * float((w - prior) @ (w - prior))
    grad = 0.2 * (w - prior)
    for x, y in batches:
        z = x @ w
        z = z - z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1))
        rows = np.arange(len(y))
        p = np.exp(z - lse[:, None])
        nll -= float((z[rows, y] - lse).sum())
        grad = grad - (x[rows, y] - (p[:, :, None] * x).sum(axis=1)).sum(axis=0)
    return nll, grad
