"""Write the fitting and held-out case files for the conversation-state model and the escalation detector.

python bench/conversation_data.py --out /tmp/conv

Only shared training data is used (../shared/datasets), split by dialogue so that figures reported
on the held-out half were never fitted on:
- sgd/pack: the 10-shot SGD pack (``advisor eval build-fewshot``, seed 0);
- sgd/fit.jsonl, sgd/heldout.jsonl: the SGD cases of half the dialogues each (seed 0);
- sgd/heldout-with-off-topic.jsonl: heldout.jsonl plus conversations that end on a CLINC150 *val*
  out-of-scope question (sgd/heldout-off-topic.jsonl): the operating points of ``advisor eval``;
- sgd/fit-oos.jsonl: fit.jsonl plus, for one case in four, the same conversation with a CLINC150
  *train* out-of-scope utterance as the customer's latest turn (expected: nothing fits);
- clinc/pack, clinc/train-cases.jsonl: the 10-shot CLINC150 pack from train (seed 0) and cases from
  the train rows not used as examples (in-scope sample + all 100 train out-of-scope rows). CLINC150
  val stays the reported set (``bench/clinc_fewshot.py``).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path
from typing import Any

from advisor.evaluation import build_fewshot

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")


def single_turn(case_id: str, text: str, expected: list[str]) -> dict[str, Any]:
    return {
        "id": case_id,
        "expected": expected,
        "context": {
            "interaction_id": case_id,
            "channel": "chat",
            "agent_id": "eval",
            "turns": [{"role": "customer", "text": text}],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clinc-in-scope", type=int, default=3000, help="in-scope CLINC train cases")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sgd = args.out / "sgd"
    sgd.mkdir(parents=True, exist_ok=True)
    build_fewshot(SHARED / "sgd" / "sgd-examples.csv", 10, args.seed, sgd)
    (sgd / "patterns").rename(sgd / "pack") if not (sgd / "pack").exists() else None
    cases = read_jsonl(SHARED / "sgd" / "sgd-cases.jsonl")
    dialogues = sorted({c["context"]["interaction_id"] for c in cases})
    rng.shuffle(dialogues)
    fit_ids = set(dialogues[: len(dialogues) // 2])
    fit = [c for c in cases if c["context"]["interaction_id"] in fit_ids]
    write_jsonl(sgd / "fit.jsonl", fit)
    write_jsonl(sgd / "heldout.jsonl", [c for c in cases if c["context"]["interaction_id"] not in fit_ids])

    clinc_train = read_jsonl(SHARED / "clinc150" / "clinc150-train.jsonl")
    oos = [r["text"] for r in clinc_train if r["intent"] == "oos"]
    augmented = list(fit)
    for n, case in enumerate(fit):
        if n % 4 == 0:
            context = json.loads(json.dumps(case["context"]))
            context["turns"].append({"role": "agent", "text": "Is there anything else I can help with?"})
            context["turns"].append({"role": "customer", "text": rng.choice(oos)})
            augmented.append({"id": f"{case['id']}-oos", "expected": [], "context": context})
    write_jsonl(sgd / "fit-oos.jsonl", augmented)
    # Reported, never fitted: held-out conversations that end on an off-topic CLINC150 *val* question.
    clinc_val_oos = [
        r["text"] for r in read_jsonl(SHARED / "clinc150" / "clinc150-val.jsonl") if r["intent"] == "oos"
    ]
    heldout = [c for c in cases if c["context"]["interaction_id"] not in fit_ids]
    off_topic = []
    for n, case in enumerate(heldout[::4]):
        context = json.loads(json.dumps(case["context"]))
        context["turns"].append({"role": "agent", "text": "Is there anything else I can help with?"})
        context["turns"].append({"role": "customer", "text": clinc_val_oos[n % len(clinc_val_oos)]})
        off_topic.append({"id": f"{case['id']}-oos", "kind": "off_topic", "expected": [], "context": context})
    write_jsonl(sgd / "heldout-off-topic.jsonl", off_topic)
    # Both in one file, so that ``advisor eval`` reads them at the same in-scope coverage.
    write_jsonl(sgd / "heldout-with-off-topic.jsonl", heldout + off_topic)

    clinc = args.out / "clinc"
    clinc.mkdir(parents=True, exist_ok=True)
    train_csv = clinc / "train.csv"
    with train_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        for row in clinc_train:
            if row["intent"] != "oos":
                writer.writerow([row["text"], row["intent"]])
    build_fewshot(train_csv, 10, args.seed, clinc)
    (clinc / "patterns").rename(clinc / "pack") if not (clinc / "pack").exists() else None
    held = read_jsonl(clinc / "cases.jsonl")
    rng.shuffle(held)
    train_cases = held[: args.clinc_in_scope] + [
        single_turn(f"train-oos-{n}", text, []) for n, text in enumerate(oos)
    ]
    write_jsonl(clinc / "train-cases.jsonl", train_cases)
    # The state model sees fewer single-turn cases, so that the multi-turn data is not outweighed.
    write_jsonl(clinc / "state-cases.jsonl", held[: args.clinc_in_scope // 3])
    print(
        json.dumps(
            {"sgd_fit": len(fit), "sgd_fit_oos": len(augmented), "clinc_train_cases": len(train_cases)}
        )
    )


if __name__ == "__main__":
    main()
