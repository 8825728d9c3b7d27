"""Build a CLINC150 few-shot pack (from train) and cases (from val, out-of-scope included as expected=[]).

python bench/clinc_fewshot.py --shots 10 --seed 0 --out /tmp/clinc10
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

from advisor.evaluation import build_fewshot

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "clinc150"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-cases", type=int, default=0, help="subsample val cases (0 = all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    train_csv = args.out / "train.csv"
    with (SHARED / "clinc150-train.jsonl").open() as src, train_csv.open("w", newline="") as dst:
        writer = csv.writer(dst)
        writer.writerow(["text", "category"])
        for line in src:
            row = json.loads(line)
            if row["intent"] != "oos":
                writer.writerow([row["text"], row["intent"]])
    build_fewshot(train_csv, args.shots, args.seed, args.out)
    cases = []
    for n, line in enumerate((SHARED / "clinc150-val.jsonl").open()):
        row = json.loads(line)
        expected = [] if row["intent"] == "oos" else [row["intent"]]
        cases.append(
            {
                "id": f"val-{n}",
                "expected": expected,
                "context": {
                    "interaction_id": f"val-{n}",
                    "channel": "chat",
                    "locale": "en-US",
                    "agent_id": "eval",
                    "turns": [{"role": "customer", "text": row["text"]}],
                },
            }
        )
    if args.max_cases:
        random.Random(args.seed).shuffle(cases)
        cases = cases[: args.max_cases]
    with (args.out / "cases.jsonl").open("w") as handle:
        for case in cases:
            handle.write(json.dumps(case) + "\n")
    print(json.dumps({"cases": len(cases)}))


if __name__ == "__main__":
    main()
