"""Calibrated confidence: P(the suggestion is right) from what the conversation state says about it.

A logistic model over a few library-independent features of a candidate (``FEATURES``): how much of
the conversation-state belief its intent holds and by what margin, how strongly any turn matched it,
and how the latest customer turn relates to it (does it agree, is it a detail, or is it a request
the library does not know). Fitted by ``advisor eval calibrate`` on labelled cases that include
out-of-scope ones (expected = nothing fits), and shipped as ``calibration.json``. A confidence of 0.8
means that, on that data, about 8 in 10 top suggestions given 0.8 were right; out-of-scope turns count
as wrong, which is what makes the threshold an escalation detector rather than a score cut-off.
It is the topic's probability: a topic's eligible alternatives then share it (``alternatives.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from advisor.ranking.weights_file import fitted_file, read_weights, write_weights

CALIBRATION_FILE = fitted_file("calibration")
FEATURES = (
    "belief",
    "belief_margin",
    "support",
    "latest_strength",
    "latest_terms",
    "latest_unknown_terms",
    "latest_agrees",
    "latest_agrees_x_strength",
    "continuing",
    "latest_answer",
    "continuing_x_terms",
    "continuing_x_unknown_terms",
    "continuing_x_other_unknown_terms",
    "latest_peak",
    "continuing_x_latest_peak",
    "latest_supplies_data",
    "continuing_x_latest_off_topic",
    "continuing_x_latest_off_library",
)


@dataclass(frozen=True)
class Calibration:
    """sigmoid(weights · features + bias); ``fitted_on`` says which data set the numbers come from."""

    weights: tuple[float, ...] = (
        4.0,
        3.0,
        4.0,
        0.0,
        0.0,
        -0.5,
        0.5,
        1.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    )
    bias: float = -4.0
    fitted_on: str = "uncalibrated defaults"
    n: int = 0

    def confidence(self, features: Sequence[float]) -> float:
        """Return the calibrated probability that a candidate with these features is right."""
        return float(self.confidences(np.asarray([features], dtype=np.float64))[0])

    def confidences(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Return the calibrated probabilities of a matrix of candidates' features (one row each)."""
        if features.shape[1] != len(self.weights):
            raise ValueError(f"expected {len(self.weights)} features, got {features.shape[1]}")
        z = np.clip(features @ np.asarray(self.weights, dtype=np.float64) + self.bias, -50.0, 50.0)
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
        return out

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        """Load the fitted model from ``path``, or the defaults when there is no file."""
        raw = read_weights(path, FEATURES)
        return cls() if raw is None else cls(**raw)

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        """Write the model as JSON (weights by feature name)."""
        write_weights(path, asdict(self), FEATURES)


def fit(features: npt.NDArray[np.float64], correct: npt.NDArray[np.float64], fitted_on: str) -> Calibration:
    """Fit the logistic map by maximum likelihood (lightly L2-regularised)."""
    x = np.column_stack([features, np.ones(len(features))])
    penalty = np.ones(x.shape[1])
    penalty[-1] = 0.0

    def loss(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        z = np.clip(x @ w, -50, 50)
        p = 1 / (1 + np.exp(-z))
        eps = 1e-12
        nll = -np.sum(correct * np.log(p + eps) + (1 - correct) * np.log(1 - p + eps))
        nll += 1e-2 * float(w @ (penalty * w))
        grad = x.T @ (p - correct) + 2e-2 * penalty * w
        return float(nll), grad

    start = np.asarray([*Calibration().weights, Calibration().bias])
    result = minimize(loss, start, jac=True, method="L-BFGS-B")
    *weights, bias = (round(float(v), 4) for v in result.x)
    return Calibration(weights=tuple(weights), bias=bias, fitted_on=fitted_on, n=len(features))
