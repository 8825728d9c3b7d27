"""Interfaces of the ranking pipeline, so rankers and embedders can be swapped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from advisor.context.models import InteractionContext
from advisor.ranking.acceptance import Acceptance
from advisor.ranking.scoring import Ranked

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text)."""

    name: str

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts``; rows are unit length."""
        ...


class Ranker(Protocol):
    """Ranks the eligible approved patterns for a context."""

    version: str

    def rank(self, context: InteractionContext, k: int, acceptance: Acceptance | None = None) -> Ranked:
        """Return the top ``k`` scored candidates and whether to escalate (``acceptance``: agents'
        decisions so far, for rankers that learn from them)."""
        ...
