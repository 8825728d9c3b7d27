"""A topic's confidence is shared among its alternatives.

The calibrated confidence says how likely the conversation's topic is right (``calibration.py``);
when a topic has several eligible patterns that answer different questions ("add an item" and
"remove an item" under order changes), each of them showed the topic's whole confidence, so a
close call between two of them looked like a sure thing. Here the topic's confidence is split among
its eligible alternatives by a softmax of their match scores, on the scale the conversation-state
model gives one unit of match score on the turn its belief rests on (``StateModel.turn_scale``): the
arithmetic that splits belief between topics, one level down. The scores are the request's as of
that turn, so a detail the customer hands over next ("A1001") leaves the split where the request put
it. A topic with one eligible pattern keeps its confidence, so libraries with one pattern per intent
rank exactly as before.

Not alternatives: a procedural step shared by several topics (the account check), which stands for
the procedure rather than for an answer (the caller leaves it out), and patterns at different steps
of one flow, which ``flows.py`` orders by step rather than by match. Branches at the same step of a
flow are alternatives.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from advisor.ranking.conversation import softmax
from advisor.ranking.scoring import Candidate

CLOSE_CALL = 0.5
"""Two alternatives whose shares are within this factor of each other are a close call (named in the
rationale)."""


def share_topic_confidence(groups: Sequence[Sequence[tuple[Candidate, float]]], scale: float) -> None:
    """Split each group's confidence (one topic's eligible alternatives, each with its match score) by
    softmax(scale × match score).

    Candidates are updated in place: ``shared_from`` keeps the topic's confidence, ``confidence``
    becomes its share of it, ``rival`` names the closest other alternative and ``close_call`` says
    whether the two shares are within a factor of ``CLOSE_CALL``.
    """
    for group in groups:
        members = [candidate for candidate, _ in group]
        rivals = [(c, score) for c, score in group if not _ordered_by_a_flow(c, members)]
        if len(rivals) < 2:
            continue
        share = softmax(scale * np.asarray([score for _, score in rivals], dtype=np.float64))
        for n, (member, _) in enumerate(rivals):
            rival = max((k for k in range(len(rivals)) if k != n), key=lambda k: share[k])
            member.shared_from = member.confidence
            member.confidence *= float(share[n])
            member.share = member.confidence
            member.rival = rivals[rival][0].spec.title
            member.close_call = CLOSE_CALL <= share[rival] / share[n] <= 1 / CLOSE_CALL


def _ordered_by_a_flow(member: Candidate, members: Sequence[Candidate]) -> bool:
    """True when another member holds another step of a flow this one holds a step of."""
    own = {(place.name, place.step) for place in member.spec.flows}
    names = {name for name, _ in own}
    return any(
        place.name in names and (place.name, place.step) not in own
        for other in members
        if other is not member
        for place in other.spec.flows
    )
