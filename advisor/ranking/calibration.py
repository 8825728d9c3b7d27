"""Calibrated confidence: a logistic map from (score, score·margin) to P(the suggestion is right).

The margin is the lead over the runner-up; it counts in proportion to the score, so that a weak
match does not look confident merely because a small library has no close second.
The parameters are fitted on labelled dev cases by ``advisor eval calibrate`` and shipped as
``calibration.json``. A confidence of 0.8 means that, on that dev data, about 8 in 10
suggestions given 0.8 were a correct pattern for the conversation.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"


@dataclass(frozen=True)
class Calibration:
    """sigmoid(a·score + b·score·margin + c); ``fitted_on`` says which data set the numbers come from."""

    a: float = 9.0
    b: float = 6.0
    c: float = -5.0
    fitted_on: str = "uncalibrated defaults"
    n: int = 0

    def confidence(self, score: float, margin: float) -> float:
        """Return the calibrated probability that a candidate with these features is correct."""
        z = self.a * score + self.b * score * margin + self.c
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        """Load parameters from ``path``, or the defaults when there is no file."""
        if not path.is_file():
            return cls()
        return cls(**json.loads(path.read_text()))

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        """Write the parameters as JSON."""
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")


def fit(
    scores: npt.NDArray[np.float64],
    margins: npt.NDArray[np.float64],
    correct: npt.NDArray[np.float64],
    fitted_on: str,
) -> Calibration:
    """Fit the logistic map by maximum likelihood (lightly L2-regularised)."""
    x = np.column_stack([scores, scores * margins, np.ones_like(scores)])

    def loss(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        z = np.clip(x @ w, -50, 50)
        p = 1 / (1 + np.exp(-z))
        eps = 1e-12
        nll = -np.sum(correct * np.log(p + eps) + (1 - correct) * np.log(1 - p + eps)) + 1e-3 * w[:2] @ w[:2]
        grad = x.T @ (p - correct)
        grad[:2] += 2e-3 * w[:2]
        return float(nll), grad

    result = minimize(loss, np.array([5.0, 5.0, -3.0]), jac=True, method="L-BFGS-B")
    a, b, c = (float(v) for v in result.x)
    return Calibration(a=a, b=b, c=c, fitted_on=fitted_on, n=len(scores))
