"""Memory and build time of a tenant's ranker with 1,000 / 10,000 / 100,000 patterns.

    python bench/startup_memory.py --patterns 1000 10000 100000

Each size runs in a fresh process: import advisor and load the embedder (what every worker pays at
start), then build the ranker for the library (what the first request of a tenant, or a library change,
pays: embeddings of every example, BM25, centroids, topic map) and rank one message. Reports wall and
CPU seconds of the build and the process's resident memory (peak RSS) after start-up and after the
build. Patterns come from bench/latency.py (10 examples each; utterances are reused beyond ~3,000).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(n: int) -> dict[str, float]:
    """Measure one size in this process."""
    t0 = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from advisor.ranking.embedding import limit_blas_threads, make_embedder
    from advisor.ranking.rank import HybridRanker
    from bench.latency import build, conversation

    limit_blas_threads()
    embedder = make_embedder("minilm-static-cs")
    embedder.encode(["warm up"])
    start_s = time.perf_counter() - t0
    start_rss = rss_mb()
    specs, held_out = build(n, random.Random(0))
    wall, cpu = time.perf_counter(), time.process_time()
    ranker = HybridRanker(specs, embedder)
    ranker.rank(conversation([held_out[0]], 0), k=3)
    return {
        "patterns": n,
        "examples": sum(len(s.examples) for s in specs),
        "startup_s": round(start_s, 2),
        "startup_rss_mb": round(start_rss),
        "build_wall_s": round(time.perf_counter() - wall, 2),
        "build_cpu_s": round(time.process_time() - cpu, 2),
        "rss_after_build_mb": round(rss_mb()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)), flush=True)
        return
    for n in args.patterns:
        subprocess.run([sys.executable, __file__, "--one", str(n)], check=True)


if __name__ == "__main__":
    main()
