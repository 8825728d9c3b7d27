"""In-process ranking latency with N patterns (default 100 and 5,000), on real customer utterances.

    python bench/latency.py --patterns 100 5000 --queries 2000
    python bench/latency.py --patterns 5000 --turns 30 --queries 200   # whole conversations

Patterns are built from CLINC150 + BANKING77 + Bitext utterances (10 examples each, grouped by
intent and then chunked), queries are utterances not used as examples. Prints one JSON line per N.
With ``--turns N`` each query is a conversation of N turns (customer utterances not used as examples,
agent replies in between) measured two ways: ``cold``, the whole conversation ranked by a process
that has seen none of its turns (a restart, another replica), and ``live``, the last request of a
conversation whose earlier turns the same process ranked one by one (what a desk does).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from advisor.context.models import InteractionContext
from advisor.patterns.models import PatternSpec, Status
from advisor.ranking.embedding import limit_blas_threads, make_embedder
from advisor.ranking.rank import HybridRanker

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def utterances() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for line in (DATA / "clinc150" / "clinc150-train.jsonl").open():
        row = json.loads(line)
        groups[f"clinc:{row['intent']}"].append(row["text"])
    with (DATA / "banking77" / "train.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            groups[f"b77:{row['category']}"].append(row["text"])
    for line in (DATA / "bitext" / "bitext-customer-support.jsonl").open():
        row = json.loads(line)
        groups[f"bitext:{row['intent']}"].append(row["utterance"])
    return groups


def build(n: int, rng: random.Random) -> tuple[list[PatternSpec], list[str]]:
    chunks: list[tuple[str, list[str]]] = []
    held_out: list[str] = []
    for intent, texts in utterances().items():
        texts = texts[:]
        rng.shuffle(texts)
        held_out.extend(texts[:5])
        rest = texts[5:]
        for i in range(0, len(rest) - 9, 10):
            chunks.append((f"{intent}#{i // 10}", rest[i : i + 10]))
    rng.shuffle(chunks)
    while len(chunks) < n:  # reuse utterances with another id when the pool is short
        chunks += [(f"{cid}~{len(chunks)}", ex) for cid, ex in chunks[: n - len(chunks)]]
    specs = [
        PatternSpec(
            id=cid.replace(" ", "_"),
            title=cid.split("#")[0].split(":")[1].replace("_", " "),
            body="Approved reply for {customer.first_name}.",
            intents=[cid.split("#")[0].replace(":", "-")],
            examples=ex,
            owner="bench",
            status=Status.approved,
        )
        for cid, ex in chunks[:n]
    ]
    return specs, held_out


AGENT_REPLIES = (
    "Thanks for getting in touch, let me look into that for you.",
    "Could you tell me a little more about what happened?",
    "I see. Can you confirm the e-mail address on the account?",
    "Thanks, I've found it. One moment please.",
    "Is there anything else I can help you with today?",
    "Sorry about that. I'm checking the details now.",
)


def conversation(customer_texts: list[str], n: int) -> InteractionContext:
    """A conversation alternating customer turns and agent replies, ending on the customer."""
    turns: list[dict[str, str]] = []
    for i, text in enumerate(customer_texts):
        if i:
            turns.append({"role": "agent", "text": AGENT_REPLIES[(n + i) % len(AGENT_REPLIES)]})
        turns.append({"role": "customer", "text": text})
    return InteractionContext.model_validate(
        {
            "interaction_id": f"b{n}",
            "channel": "chat",
            "agent_id": "a",
            "turns": turns,
            "crm": {"customer": {"first_name": "Dana"}},
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patterns", type=int, nargs="+", default=[100, 5000])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--embedder", default="minilm-static-cs")
    parser.add_argument("--turns", type=int, default=1, help="turns per conversation (1 = single message)")
    args = parser.parse_args()
    limit_blas_threads()
    embedder = make_embedder(args.embedder)
    for n in args.patterns:
        rng = random.Random(0)
        specs, held_out = build(n, rng)
        started = time.perf_counter()
        ranker = HybridRanker(specs, embedder)
        build_s = time.perf_counter() - started
        queries = rng.sample(held_out, min(args.queries * max(1, args.turns // 2), len(held_out)))
        per = max(1, (args.turns + 1) // 2)
        conversations = [queries[i : i + per] for i in range(0, len(queries) - per + 1, per)][: args.queries]
        contexts = [conversation(texts, n) for n, texts in enumerate(conversations)]
        for context in contexts[:50]:
            ranker.rank(context, k=3)  # warm-up
        timings = []
        for context in contexts[50:] if len(contexts) > 100 else contexts:
            t0 = time.perf_counter()
            ranker.rank(context, k=3)
            timings.append((time.perf_counter() - t0) * 1000)
        live: list[float] = []
        if args.turns > 1:
            fresh = HybridRanker(specs, embedder)
            for context in contexts[: min(len(contexts), 100)]:
                for end in range(1, len(context.turns)):
                    if context.turns[end - 1].role.value == "customer":
                        fresh.rank(context.model_copy(update={"turns": context.turns[:end]}), k=3)
                t0 = time.perf_counter()
                fresh.rank(context, k=3)
                live.append((time.perf_counter() - t0) * 1000)
        lat = np.asarray(timings)
        print(
            json.dumps(
                {
                    "patterns": n,
                    "examples": sum(len(s.examples) for s in specs),
                    "queries": len(lat),
                    "index_build_s": round(build_s, 2),
                    "p50_ms": round(float(np.percentile(lat, 50)), 3),
                    "p99_ms": round(float(np.percentile(lat, 99)), 3),
                    "mean_ms": round(float(lat.mean()), 3),
                    "turns": args.turns,
                    **(
                        {
                            "live_p50_ms": round(float(np.percentile(live, 50)), 3),
                            "live_p99_ms": round(float(np.percentile(live, 99)), 3),
                        }
                        if live
                        else {}
                    ),
                }
            )
        )


if __name__ == "__main__":
    main()
