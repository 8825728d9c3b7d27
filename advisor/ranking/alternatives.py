"""A topic's confidence is shared among its alternatives.

The calibrated confidence says how likely the conversation's topic is right (``calibration.py``);
when a topic has several eligible patterns that answer different questions ("add an item" and
"remove an item" under order changes), each of them showed the topic's whole confidence, so a
close call between two of them looked like a sure thing. Here the topic's confidence is split among
its eligible alternatives in proportion to how well each matches the request, on the scale the
conversation-state model gives one turn's evidence (``StateModel.turn_scale``): the same arithmetic
that splits the belief between topics, one level down. A topic with one eligible pattern keeps its
confidence, so libraries with one pattern per intent rank exactly as before.

Not alternatives: a procedural step shared by several topics (the account check), which stands for
the procedure rather than for an answer, and patterns of a topic that hold places in one flow, which
``flows.py`` orders by step rather than by match.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from advisor.ranking.scoring import Candidate

CLOSE_CALL = 0.5
"""An alternative whose share is at least this fraction of a candidate's own is named in its rationale."""


def share_topic_confidence(groups: Sequence[Sequence[Candidate]], scale: float) -> None:
    """Split each group's confidence (one topic's eligible alternatives) by softmax(scale × match score).

    Candidates are updated in place: ``confidence`` becomes the topic's confidence times the
    candidate's share, and ``alternative_note`` names the closest alternative when the call is close.
    """
    for members in groups:
        if len(members) < 2 or _in_one_flow(members):
            continue
        logits = scale * np.asarray([m.score for m in members], dtype=np.float64)
        share = np.exp(logits - logits.max())
        share /= share.sum()
        for n, member in enumerate(members):
            member.confidence *= float(share[n])
            rival = max((k for k in range(len(members)) if k != n), key=lambda k: share[k])
            if share[rival] >= CLOSE_CALL * share[n]:
                member.alternative_note = f'close call with "{members[rival].spec.title}"'


def _in_one_flow(members: Sequence[Candidate]) -> bool:
    """True when two of the alternatives hold places in the same flow (the flow orders them)."""
    seen: set[str] = set()
    for member in members:
        names = {place.name for place in member.spec.flows}
        if names & seen:
            return True
        seen |= names
    return False
