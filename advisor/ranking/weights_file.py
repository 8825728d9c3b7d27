"""The shipped fitted models (state model, calibration) as JSON files with weights named by feature."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MODELS_DIR = Path(__file__).resolve().parent


def fitted_file(name: str, *, head: bool = False, embedder: str | None = None, exists: bool = True) -> Path:
    """The shipped file of a fitted model: ``name.json``, or ``name-head.json`` for rankers with the
    library head (their evidence is on another scale; see ``head.py``).

    An embedder whose scores sit on another scale (the ``onnx-minilm-l6`` profile) has its own fit,
    ``name[-head].<embedder>.json``; with ``exists`` (reading), an embedder without one uses the plain
    file, fitted for the default embedder.
    """
    stem = f"{name}{'-head' if head else ''}"
    plain = MODELS_DIR / f"{stem}.json"
    if embedder is None:
        return plain
    own = MODELS_DIR / f"{stem}.{Path(embedder).name}.json"  # a model2vec directory is named by its folder
    return own if own.is_file() or not exists else plain


def read_weights(path: Path, features: Sequence[str]) -> dict[str, Any] | None:
    """Return the file's fields with ``weights`` as a tuple in ``features`` order (None: no file).

    A file fitted for other features is an error that names them, not a silent mismatch.
    """
    if not path.is_file():
        return None
    raw: dict[str, Any] = json.loads(path.read_text())
    missing = [name for name in features if name not in raw["weights"]]
    if missing or len(raw["weights"]) != len(features):
        raise ValueError(f"{path} was fitted for other features (missing: {missing}); refit it")
    raw["weights"] = tuple(float(raw["weights"][name]) for name in features)
    return raw


def write_weights(path: Path, fields: dict[str, Any], features: Sequence[str]) -> None:
    """Write ``fields`` as JSON with ``weights`` keyed by feature name."""
    named = {**fields, "weights": dict(zip(features, fields["weights"], strict=True))}
    path.write_text(json.dumps(named, indent=2) + "\n")
