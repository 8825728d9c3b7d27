"""The optional ONNX embedder (extra ``onnx``): unit vectors, sensible similarities, a working ranker."""

from __future__ import annotations

import importlib.metadata
import sys

import numpy as np
import pytest

from advisor.bootstrap import build_ranker_factory
from advisor.context.models import InteractionContext
from advisor.patterns.files import load_patterns
from advisor.ranking import onnx_embedding
from advisor.ranking.eligibility import StagePolicy
from advisor.ranking.embedding import StaticEmbedder, make_embedder
from advisor.ranking.onnx_embedding import ONNX_MODEL_NAME, OnnxEmbedder, OnnxExtraMissing
from advisor.ranking.rank import HybridRanker
from advisor.settings import Settings
from tests.builders import TEST_PACK, make_context


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder()


def test_factory_picks_the_model_by_name() -> None:
    assert isinstance(make_embedder(ONNX_MODEL_NAME), OnnxEmbedder)
    assert isinstance(make_embedder("minilm-static-cs"), StaticEmbedder)


def test_encodes_unit_float32_rows_in_input_order(embedder: OnnxEmbedder) -> None:
    texts = ["where is my order?", "", "a much longer sentence about a refund " * 40, "hi"]
    vectors = embedder.encode(texts)
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    one_by_one = np.vstack([embedder.encode([t]) for t in texts])
    assert np.allclose(vectors, one_by_one, atol=1e-4)  # batching and padding do not change a vector
    assert embedder.encode([]).shape == (0, 384)


def test_paraphrases_are_closer_than_unrelated_sentences(embedder: OnnxEmbedder) -> None:
    lost, missing, weather, reset, forgot = embedder.encode(
        [
            "I lost my card",
            "My card has gone missing",
            "What is the weather in Paris?",
            "How do I reset my password?",
            "I forgot my login password",
        ]
    )
    assert lost @ missing > 0.6 > lost @ weather
    assert reset @ forgot > 0.6 > reset @ weather
    assert lost @ missing > lost @ reset


def test_ranker_works_with_it_on_the_test_pack(embedder: OnnxEmbedder) -> None:
    ranker = HybridRanker(load_patterns(TEST_PACK), embedder)
    context = InteractionContext.model_validate(make_context("I forgot my password and cannot log in"))
    ranked = ranker.rank(context, k=3)
    assert ranked.candidates[0].spec.id == "password_reset"
    assert ONNX_MODEL_NAME in ranker.version


def test_the_service_uses_it_when_configured() -> None:
    settings = Settings(ranking={"embedder": ONNX_MODEL_NAME})  # type: ignore[arg-type]
    ranker = build_ranker_factory(settings)(load_patterns(TEST_PACK), "stamp", StagePolicy())
    assert ranker.embedder.name == ONNX_MODEL_NAME


def test_missing_model_wheel_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(onnx_embedding.importlib.metadata, "files", not_installed)
    with pytest.raises(OnnxExtraMissing, match=r"pip install 'advisor\[onnx\]'"):
        make_embedder(ONNX_MODEL_NAME)


def test_missing_onnxruntime_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(OnnxExtraMissing, match=r"pip install 'advisor\[onnx\]'"):
        onnx_embedding._session.__wrapped__("unused.onnx")
