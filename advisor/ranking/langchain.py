"""LangChain adapter: the pattern library as a ``BaseRetriever`` (query text → pattern documents)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from advisor.context.models import Channel, CrmFields, InteractionContext, Turn
from advisor.ranking.rank import HybridRanker


class PatternRetriever(BaseRetriever):
    """Retrieve confident, approved, eligible patterns for a message (none when advisor escalates)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    ranker: HybridRanker
    k: int = 3
    channel: Channel = Channel.chat
    locale: str = "en-US"
    crm: CrmFields = Field(default_factory=CrmFields)
    """CRM facts that eligibility rules and slots may need."""
    confident_only: bool = True
    """True: only suggestions above the confidence threshold (empty when advisor escalates)."""

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,  # noqa: ARG002  (LangChain's signature)
        **kwargs: Any,
    ) -> list[Document]:
        context = InteractionContext(
            interaction_id="retriever",
            channel=self.channel,
            locale=self.locale,
            agent_id="retriever",
            turns=[Turn(role="customer", text=query)],
            crm=self.crm,
        )
        k = int(kwargs.get("k", self.k))
        ranked = self.ranker.rank(context, k=k)
        return [
            Document(
                page_content=c.spec.body,
                metadata={
                    "pattern_id": c.spec.id,
                    "version": c.spec.version,
                    "title": c.spec.title,
                    "score": c.score,
                    "confidence": c.confidence,
                    "escalate": ranked.escalate,
                },
            )
            for c in (ranked.candidates if self.confident_only else ranked.considered[:k])
        ]
