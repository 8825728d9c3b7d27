"""Measure what separates "the agent sent this step" from not, on ABCD's real agent turns.

Every agent turn of the ABCD sample is compared with every demo pattern's body (slots masked), as
``advisor.ranking.flows`` does. Labels, written by us: a turn performs ``identity_check`` when it asks
for identifying details (name, account ID, username, e-mail, order ID, zip code, phone; the regexes
below, spot-checked by hand); the few turns that carry another demo step in the agent's own words are
listed in ``OTHER_STEPS``; every other (turn, pattern) pair is a negative. The script grid-searches
the rule of ``flows.sent_matrix`` (near-copy, or high cosine, or cosine above a floor while the
pattern is the turn's clear best match) and prints precision and recall per setting.

    PYTHONPATH=$PWD python bench/flow_threshold.py [--data ../shared/datasets/abcd/abcd-train-sample.jsonl]

Result (demo pack, minilm-static, 436 agent turns, 77 positive pairs): raw cosines of unrelated
texts reach 0.88 (every reply shares the register), so no raw threshold is both precise and useful
(best: precision 0.85 at recall 0.29). After removing the library's mean body vector, the chosen
rule (copy ≥ 0.80 or cosine ≥ 0.65, or cosine ≥ 0.55 as the turn's best match by 0.10) gives
precision 0.90, recall 0.35 (3 false positives: "and the new address please?" → address_change_account,
"try clearing the cookies" → website_issue_slow, "that does appear to be your correct username" →
profile_change_name). A floor of 0.60 gives precision 0.96, recall 0.29; 0.50 gives 0.79, 0.39.
With minilm-static-cs (2026-11-30) the same rule gives precision 0.93, recall 0.33 (2 false positives);
with its version of 2026-12-01 (SGD turns in the corpus, five seeds averaged) 0.86 / 0.33 (4: the two
above, "Are you a Gold, Silver, or Bronze member?" → membership_benefits_overview, "I will go ahead and
send you the link to reset your password" → password_reset_compromised). The thresholds were kept.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from pathlib import Path

import numpy as np

from advisor.patterns.files import load_patterns
from advisor.ranking import flows
from advisor.ranking.embedding import StaticEmbedder, limit_blas_threads

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "abcd" / "abcd-train-sample.jsonl"
ASKS = re.compile(
    r"(full name|\byour (first and last |first |last )?name\b|account id|account number|user ?name|"
    r"e-?mail|order id|order number|zip|phone number|pin\b|security)",
    re.IGNORECASE,
)
REQUEST = re.compile(r"(\?|\b(can|could|may|would) (i|you)\b|please|\bneed\b|provide)", re.IGNORECASE)
NOT_A_REQUEST = re.compile(
    r"(i've sent|i have sent|sent you|your username is|you're username is|refunds are only|spell)",
    re.IGNORECASE,
)
OTHER_STEPS = {
    "I've sent a reset code to your email address": "two_factor_reset_code",
    "I cannot access your password but I will go ahead and send you the link": "password_reset_link",
    "SOmetimes the package can be marked as delivered by mistake": "missing_package_marked_delivered",
    "Since the order has already shipped, I'm unable to cancel": "order_cancel_too_late",
}


def _f_half(precision: float, recall: float) -> float:
    """F-score weighting precision twice as much as recall (a false "sent" hides a right suggestion)."""
    return 1.25 * precision * recall / max(0.25 * precision + recall, 1e-9)


def labels(turns: list[str], ids: list[str]) -> np.ndarray:
    """Return a (turns × patterns) boolean matrix: does this turn carry this pattern's step."""
    truth = np.zeros((len(turns), len(ids)), dtype=bool)
    identity = ids.index("identity_check")
    for row, text in enumerate(turns):
        if ASKS.search(text) and REQUEST.search(text) and not NOT_A_REQUEST.search(text):
            truth[row, identity] = True
        for prefix, pattern_id in OTHER_STEPS.items():
            if text.startswith(prefix):
                truth[row, ids.index(pattern_id)] = True
    return truth


def main() -> None:
    """Print precision and recall of the "sent" rule over a grid of thresholds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--patterns", type=Path, default=ROOT / "advisor" / "packs" / "demo")
    args = parser.parse_args()
    limit_blas_threads()
    specs = load_patterns(args.patterns)
    turns = [
        t["text"]
        for line in args.data.read_text(encoding="utf-8").splitlines()
        for t in json.loads(line)["turns"]
        if t["speaker"] == "agent" and len(t["text"].strip()) >= flows.MIN_TURN_CHARS
    ]
    ids = [s.id for s in specs]
    truth = labels(turns, ids)
    fuzzy, cosine = flows.FlowTracker(specs, StaticEmbedder("minilm-static-cs")).similarity(turns)
    print(f"{len(turns)} agent turns, {len(ids)} patterns, {int(truth.sum())} positive pairs")
    rows = []
    for copy, high, floor, margin in itertools.product(
        (0.8,), (0.6, 0.65, 0.7), (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6), (0.05, 0.08, 0.1, 0.12, 0.15)
    ):
        hit = flows.sent_matrix(fuzzy, cosine, copy=copy, high=high, floor=floor, margin=margin)
        tp = int((hit & truth).sum())
        precision = tp / max(int(hit.sum()), 1)
        recall = tp / max(int(truth.sum()), 1)
        rows.append((precision, recall, copy, high, floor, margin, int(hit.sum()) - tp))
    print("precision recall  copy  high  floor margin false+")
    for p, r, copy, high, floor, margin, fp in sorted(rows, key=lambda x: -_f_half(x[0], x[1]))[:15]:
        print(f"{p:9.3f} {r:6.3f} {copy:5.2f} {high:5.2f} {floor:6.2f} {margin:6.2f} {fp:6d}")
    chosen = flows.sent_matrix(fuzzy, cosine)
    tp = int((chosen & truth).sum())
    print(
        f"chosen (flows.py): precision {tp / max(int(chosen.sum()), 1):.3f}, "
        f"recall {tp / max(int(truth.sum()), 1):.3f}, false positives {int(chosen.sum()) - tp}"
    )
    for row, col in zip(*np.nonzero(chosen & ~truth), strict=True):
        print(f"  false+: {ids[col]} <- {turns[row][:100]!r} (cos {cosine[row, col]:.3f})")


if __name__ == "__main__":
    main()
