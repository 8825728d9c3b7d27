"""Grid-search the fusion weights on dev packs (never on the reported test split).

python bench/tune_fusion.py /tmp/b77-10-s1 /tmp/clinc10 --max-cases 1500
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from pathlib import Path

from advisor.evaluation import evaluate, read_cases
from advisor.patterns.files import load_patterns
from advisor.ranking.embedding import StaticEmbedder
from advisor.ranking.rank import FusionWeights, HybridRanker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dirs", nargs="+", type=Path, help="dirs holding patterns/ and cases.jsonl")
    parser.add_argument("--max-cases", type=int, default=1500)
    parser.add_argument("--embedder", default="minilm-static-cs")
    args = parser.parse_args()
    embedder = StaticEmbedder(args.embedder)
    sets = []
    for d in args.dirs:
        cases = list(read_cases(d / "cases.jsonl"))
        random.Random(0).shuffle(cases)
        sets.append((load_patterns(d / "patterns"), cases[: args.max_cases]))
    rows = []
    for sem, half, nearest in itertools.product(
        [0.5, 0.6, 0.7, 0.8, 0.9], [3.0, 6.0, 12.0], [0.4, 0.6, 0.8, 1.0]
    ):
        weights = FusionWeights(semantic=sem, bm25_half=half, nearest=nearest)
        top1 = [
            evaluate(HybridRanker(specs, embedder, weights=weights), cases)["top1"] for specs, cases in sets
        ]
        rows.append((sum(top1) / len(top1), sem, half, nearest, top1))
    rows.sort(reverse=True)
    for row in rows[:8]:
        print(
            json.dumps(
                {
                    "mean_top1": round(row[0], 4),
                    "semantic": row[1],
                    "bm25_half": row[2],
                    "nearest": row[3],
                    "per_set": row[4],
                }
            )
        )


if __name__ == "__main__":
    main()
