"""The ranking core against its floor, in one run: advisor's ranker, the bare numpy floor and LangChain.

    python bench/ranking_floor.py --patterns 1000 5000 --queries 1000

Per query, with the same embedder and the same patterns (bench/latency.py's CLINC150 + BANKING77 +
Bitext library, 10 examples each) and held-out customer messages, each used once:
- ``floor``: embed the message, one matrix product against every example vector, top-k by argpartition;
- ``langchain``: ``InMemoryVectorStore.similarity_search`` (langchain-core) over the same example
  vectors, through an ``Embeddings`` adapter of the same embedder;
- ``advisor``: ``HybridRanker.rank`` on a one-message conversation (conversation state, BM25 fusion,
  eligibility, calibrated confidence, rationale inputs).
Times are CPU time of the measuring thread (``time.thread_time``; BLAS on one thread), so other
processes on the machine do not inflate them. Prints one JSON line per library size with p50/p99 in
milliseconds and advisor's ratio to the floor.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import InMemoryVectorStore

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from advisor.ranking.embedding import limit_blas_threads, make_embedder  # noqa: E402
from advisor.ranking.protocols import Embedder  # noqa: E402
from advisor.ranking.rank import HybridRanker  # noqa: E402
from bench.latency import build, conversation  # noqa: E402  (run from the repository root)


class SameEmbeddings(Embeddings):
    """LangChain's embedding interface over advisor's embedder."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self.embedder.encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self.embedder.encode([text])[0]))


def cpu_ms(run: Callable[[str], object], queries: Sequence[str]) -> list[float]:
    """Return the thread CPU time of ``run`` on each query, in milliseconds (after 20 warm-up calls)."""
    for q in queries[:20]:
        run(q)
    out = []
    for q in queries[20:]:
        t0 = time.thread_time()
        run(q)
        out.append((time.thread_time() - t0) * 1000)
    return out


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50": round(float(np.percentile(times, 50)), 3),
        "p99": round(float(np.percentile(times, 99)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--embedder", default="minilm-static-cs")
    parser.add_argument(
        "--no-langchain", action="store_true", help="skip LangChain (50-90x the floor: minutes at 1,000+)"
    )
    args = parser.parse_args()
    limit_blas_threads()
    embedder = make_embedder(args.embedder)
    for n in args.patterns:
        rng = random.Random(0)
        specs, held_out = build(n, rng)
        queries = rng.sample(held_out, min(args.queries + 20, len(held_out)))
        examples = [e for spec in specs for e in spec.examples]
        matrix = embedder.encode(examples)

        def floor(q: str, matrix: np.ndarray = matrix) -> object:
            sims = matrix @ embedder.encode([q])[0]
            return np.argpartition(-sims, 3)[:3]

        store = InMemoryVectorStore(SameEmbeddings(embedder))
        if not args.no_langchain:
            store.add_texts(examples)

        def langchain(q: str, store: InMemoryVectorStore = store) -> object:
            return store.similarity_search(q, k=3)

        ranker = HybridRanker(specs, embedder)
        contexts = {q: conversation([q], i) for i, q in enumerate(queries)}

        def advisor(q: str, ranker: HybridRanker = ranker, contexts: dict = contexts) -> object:  # type: ignore[type-arg]
            return ranker.rank(contexts[q], k=3)

        runs = (("floor", floor), ("langchain", langchain), ("advisor", advisor))
        results = {
            name: summary(cpu_ms(run, queries))
            for name, run in runs
            if not (args.no_langchain and name == "langchain")
        }
        print(
            json.dumps(
                {
                    "patterns": n,
                    "examples": len(examples),
                    "queries": len(queries) - 20,
                    "cpu_ms": results,
                    "advisor_over_floor_p50": round(results["advisor"]["p50"] / results["floor"]["p50"], 2),
                    "langchain_over_floor_p50": round(
                        results["langchain"]["p50"] / results["floor"]["p50"], 2
                    )
                    if "langchain" in results
                    else None,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
