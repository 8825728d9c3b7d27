"""Torch-free sentence embeddings from a static (model2vec-format) model shipped in the package."""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from model2vec import StaticModel
from threadpoolctl import threadpool_limits

from advisor.ranking.onnx_embedding import ONNX_MODELS, OnnxEmbedder
from advisor.ranking.protocols import Embedder, Vectors

MODELS_DIR = Path(__file__).resolve().parent / "models"


def model_dir(name: str) -> Path:
    """Resolve an embedder name (a bundled model or a local directory) to its directory."""
    bundled = MODELS_DIR / name
    path = bundled if bundled.is_dir() else Path(name)
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(f"embedding model {name!r} not found (looked in {bundled} and {path})")
    return path


@functools.lru_cache(maxsize=4)
def _load(path: str) -> StaticModel:
    # model2vec reads the bundled README as a Hub model card and warns that it has no metadata block.
    logging.getLogger("huggingface_hub.repocard").setLevel(logging.ERROR)
    return StaticModel.from_pretrained(path)


class StaticEmbedder:
    """Mean-pooled static token embeddings (model2vec); a few microseconds per sentence on CPU."""

    def __init__(self, name: str) -> None:
        self.name = Path(name).name
        self._model = _load(str(model_dir(name)))

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` into unit-length float32 rows."""
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts), show_progress_bar=False), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: Vectors = (vectors / np.maximum(norms, 1e-9)).astype(np.float32)
        return unit


class CachedEmbedder:
    """Keeps the vectors of the last ``size`` texts embedded in small batches, keyed by a hash of the text.

    A live conversation sends its earlier turns again with every request; each is embedded once per process.
    Large batches (an index build) pass straight through, so a library does not flush the cache.
    """

    SMALL_BATCH = 64

    def __init__(self, inner: Embedder, size: int) -> None:
        self.name = inner.name
        self._inner = inner
        self._size = size
        self._vectors: OrderedDict[bytes, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` into unit-length float32 rows, embedding only those not seen lately."""
        if self._size == 0 or not texts or len(texts) > self.SMALL_BATCH:
            return self._inner.encode(texts)
        keys = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts]
        with self._lock:
            found = {k: self._vectors[k] for k in keys if k in self._vectors}
            for k in found:
                self._vectors.move_to_end(k)
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if missing:
            fresh = self._inner.encode(list(missing.values()))
            with self._lock:
                for k, row in zip(missing, fresh, strict=True):
                    found[k] = self._vectors[k] = row
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        stacked: Vectors = np.stack([found[k] for k in keys])
        return stacked


def make_embedder(name: str) -> Embedder:
    """Build the embedder called ``name``: a bundled static model or a directory, or an ONNX one."""
    if name in ONNX_MODELS:
        return OnnxEmbedder(name)
    return StaticEmbedder(name)


def limit_blas_threads() -> None:
    """Run BLAS on one thread in this process.

    Ranking does small matrix-vector products per request; OpenBLAS threads only contend with each
    other, with the tokenizer's threads and with the other worker processes (one per core), which made
    a 5,000-pattern request four times slower (bench/latency.py).
    """
    threadpool_limits(limits=1, user_api="blas")
