"""LangChain's standard retriever suite, run on PatternRetriever over the test pack."""

from __future__ import annotations

from typing import Any

from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from advisor.patterns.files import load_patterns
from advisor.ranking.embedding import StaticEmbedder
from advisor.ranking.langchain import PatternRetriever
from advisor.ranking.rank import HybridRanker
from tests.builders import TEST_PACK


class TestPatternRetrieverStandard(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return PatternRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        # The standard suite expects exactly k documents, so it runs with the threshold off.
        return {
            "ranker": HybridRanker(load_patterns(TEST_PACK), StaticEmbedder("minilm-static-cs")),
            "confident_only": False,
            "crm": {"customer": {"segment": "gold"}, "order": {"id": "A1"}},
        }

    @property
    def retriever_query_example(self) -> str:
        return "my parcel never arrived"
