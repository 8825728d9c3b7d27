"""Dump every ranking decision of a case file at full precision, to prove a change leaves ranking as it was.

    python bench/ranking_digest.py --patterns advisor/packs/demo --cases bench/cases/demo.jsonl --out /tmp/a.jsonl
    python bench/ranking_digest.py --abcd --out /tmp/abcd.jsonl      # every customer turn of the ABCD replay

One JSON line per case: the escalation and its reason, and per considered candidate the pattern,
its scores, confidence and calibration features (floats as Python writes them, so any change in the
last bit shows), then for the suggestions the evidence, nearest example and rationale. Run it
before and after a change and compare the files with ``cmp``; the last line printed is a sha256 of
the whole dump. The ranker is built as ``advisor eval`` builds it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from advisor.context.models import InteractionContext  # noqa: E402
from advisor.evaluation import read_cases  # noqa: E402
from advisor.ranking.rank import HybridRanker  # noqa: E402
from advisor.ranking.rationale import explain  # noqa: E402
from advisor.ranking.scoring import Candidate, Ranked  # noqa: E402
from bench.abcd_replay import DEFAULT_DATA, DEFAULT_PATTERNS, build, read_dialogues, requests  # noqa: E402


def candidate(c: Candidate) -> dict[str, Any]:
    """Return what ranking decided about one candidate."""
    return {
        "pattern": f"{c.spec.id}@{c.spec.version}",
        "score": c.score,
        "semantic": c.semantic,
        "lexical": c.lexical,
        "confidence": c.confidence,
        "features": list(c.features),
        "rules": c.rules,
        "state_note": c.state_note,
        "acceptance_note": c.acceptance_note,
        "flow_step": c.flow_step,
    }


def decision(case_id: str, ranked: Ranked) -> dict[str, Any]:
    """Return one case's ranking in full."""
    return {
        "id": case_id,
        "escalate": ranked.escalate,
        "reason": ranked.reason,
        "ineligible": ranked.ineligible,
        "topic_turn": ranked.topic_turn,
        "considered": [candidate(c) for c in ranked.considered],
        "chosen": [
            {
                "pattern": f"{c.spec.id}@{c.spec.version}",
                "matched_terms": c.matched_terms,
                "nearest_example": c.nearest_example,
                "evidence": [(s.turn, s.start, s.end, s.text) for s in c.evidence],
                "rationale": explain(c),
            }
            for c in ranked.candidates
        ],
    }


def contexts(args: argparse.Namespace) -> Iterator[tuple[str, InteractionContext]]:
    """Yield (case id, context) of the case file or of the ABCD replay."""
    if args.abcd:
        for dialogue in read_dialogues(ROOT / args.data if not args.data.is_absolute() else args.data):
            for index, _, context in requests(dialogue):
                yield f"abcd-{dialogue['id']}-{index}", context
    else:
        for case in read_cases(args.cases):
            yield case.id, case.context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", type=Path, default=DEFAULT_PATTERNS)
    parser.add_argument("--cases", type=Path)
    parser.add_argument("--abcd", action="store_true", help="the ABCD replay's requests instead of --cases")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="ABCD dialogues (with --abcd)")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not args.abcd and args.cases is None:
        parser.error("--cases or --abcd is required")
    ranker: HybridRanker = build(args.patterns)[0]
    digest = hashlib.sha256()
    count = 0
    with args.out.open("w", encoding="utf-8") as handle:
        for case_id, context in contexts(args):
            line = json.dumps(decision(case_id, ranker.rank(context, k=args.k)), sort_keys=True) + "\n"
            handle.write(line)
            digest.update(line.encode())
            count += 1
    print(json.dumps({"cases": count, "sha256": digest.hexdigest()}))


if __name__ == "__main__":
    main()
