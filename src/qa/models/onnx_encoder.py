"""The model as an ONNX graph: answers without importing torch.

Importing sentence-transformers costs seconds; onnxruntime + tokenizers load
in well under one. At index time, while sentence-transformers is loaded anyway,
the model's transformer is exported once with PyTorch's own ONNX exporter and
stored with the index, keyed by the model's identity. Later runs embed through
onnxruntime with the same tokenizer, mean pooling and normalisation, giving
the same vectors (cosine >= 0.9999, checked by a test on the real model).

    index_dir/encoders/<model id>/model.onnx, tokenizer.json, encoder.json
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

import numpy as np

from qa.errors import ModelError
from qa.models.span_pooling import TokenStates

ENCODERS_DIR = "encoders"
# 2: eager attention, weights of the transformer's matrix products in int8 (see _quantize).
EXPORT_VERSION = 2
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def encoder_dir(index_dir: Path, model_id: str) -> Path:
    return index_dir / ENCODERS_DIR / model_id.replace("/", "_")


def has_encoder(index_dir: Path, model_id: str) -> bool:
    """True when the index holds a complete export of this code's kind (an older one is exported again)."""
    try:
        config = json.loads((encoder_dir(index_dir, model_id) / "encoder.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return config.get("export_version") == EXPORT_VERSION


class OnnxEmbedder:
    """Embeds with an exported graph through onnxruntime: same vectors, no torch."""

    def __init__(self, directory: Path, threads: int | None = None):
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            config = json.loads((directory / "encoder.json").read_text(encoding="utf-8"))
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3  # its warnings about unused initialisers are noise to a user
            # One batch at a time, its matrix products over every core: a second inter-op
            # thread only contends for the same two cores.
            options.intra_op_num_threads = threads or max(1, os.cpu_count() or 1)
            options.inter_op_num_threads = 1
            options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            # Its threads otherwise spin after each run, taking the cores from what comes next
            # (BM25's thread, pooling): a warm 1M-chunk question p50 30 vs 38 ms, p99 41 vs 68 ms.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = onnxruntime.InferenceSession(
                str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        except Exception as exc:  # a damaged file: the caller falls back to sentence-transformers
            raise ModelError(f"the ONNX encoder in {directory} cannot be loaded ({exc}): run `qa index` to re-create it") from exc
        self.directory = directory  # where a Ray worker loads the same graph from
        self.model_id = config["model_id"]
        self.dimension = int(config["dimension"])
        self.max_tokens = int(config["max_seq_length"])
        self._pooling = config["pooling"]
        # Queries longer than the model reads are cut, as sentence-transformers cuts them.
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.no_padding()
        self._wanted = {i.name for i in self._session.get_inputs()}

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, (_, hidden) in enumerate(self._forward(texts)):
            # No padding: every state is a real word piece's (or [CLS]/[SEP], which mean pooling counts too).
            pooled = hidden[0] if self._pooling == "cls" else hidden.sum(axis=0) / len(hidden)
            out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out

    def token_states(self, texts: list[str]) -> list[TokenStates]:
        """Each text's last hidden states and word-piece character spans (one pass, see span_pooling)."""
        return [TokenStates(hidden, np.asarray(encoding.offsets, dtype=np.int64)) for encoding, hidden in self._forward(texts)]

    def _forward(self, texts: list[str]):
        """(encoding, last hidden states) of each text, in order: tokenized together, run one at a time.

        One text a run, never a batch: the int8 graph quantizes each matrix
        product's input with one scale for the whole input tensor, so in a batch a
        text's vector depends on the texts beside it (cosine 0.992-0.995 to its vector
        alone), and adding an unrelated file, or embedding on Ray's actors, moved
        near-tied passages. Alone, a text has one vector wherever it is embedded, as a
        question always had. The price: a build about 13% slower on a quiet two-core
        machine than in length-sorted batches (docs/performance.md, One text a run).
        """
        for encoding in self._tokenizer.encode_batch(texts):
            n = len(encoding.ids)
            inputs = {
                "input_ids": np.asarray([encoding.ids], dtype=np.int64),
                "attention_mask": np.ones((1, n), dtype=np.int64),
                "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64),
            }
            hidden = self._session.run(None, {k: v for k, v in inputs.items() if k in self._wanted})[0]
            yield encoding, hidden[0]


def pooling_mode(model_dir: Path) -> str | None:
    """"mean" or "cls" when the model pools that way (what the export reproduces), else None."""
    try:
        config = json.loads((Path(model_dir) / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return None
    modes = {k for k, v in config.items() if k.startswith("pooling_mode_") and v}
    if modes == {"pooling_mode_mean_tokens"}:
        return "mean"
    if modes == {"pooling_mode_cls_token"}:
        return "cls"
    return None


def export_encoder(embedder, index_dir: Path, quantize: bool = True) -> Path | None:
    """Export a loaded `SentenceTransformerEmbedder`'s transformer to ONNX beside the index.

    `quantize=False` keeps the float32 graph (what the int8 one is measured against).

    Returns the encoder folder, or None when the model pools in a way the ONNX
    path does not reproduce (it then keeps using sentence-transformers).
    """
    import torch

    model_dir, model_id = embedder.model_dir, embedder.model_id
    pooling = pooling_mode(model_dir)
    if pooling is None or not (Path(model_dir) / "tokenizer.json").is_file():
        return None
    target = encoder_dir(index_dir, model_id)
    staging = target.with_name(target.name + f".tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    transformer = embedder.transformer()
    # The eager attention exports as plain MatMul/Softmax nodes, which onnxruntime fuses and
    # the int8 pass reads; the default (scaled-dot-product) exports as an opaque pattern.
    attention = transformer.config._attn_implementation
    transformer.config._attn_implementation = "eager"

    class LastHiddenState(torch.nn.Module):
        """Named inputs in a fixed order, one output: what the exporter needs."""

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    example = torch.ones(1, 8, dtype=torch.long)
    try:
        # The tracer's warnings are about shapes this graph never sees differently; they would only alarm a user.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState(transformer),
                (example, torch.ones_like(example), torch.zeros_like(example)),
                str(staging / "model-fp32.onnx"),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")},
                opset_version=17,
                dynamo=False,
            )
        if quantize:
            _quantize(staging / "model-fp32.onnx", staging / "model.onnx")
            (staging / "model-fp32.onnx").unlink()  # 90 MB the index never reads again
        else:
            os.replace(staging / "model-fp32.onnx", staging / "model.onnx")
        shutil.copyfile(Path(model_dir) / "tokenizer.json", staging / "tokenizer.json")
        config = {
            "model_id": model_id,
            "dimension": embedder.dimension,
            "max_seq_length": embedder.max_tokens,
            "pooling": pooling,
            "export_version": EXPORT_VERSION,
            "precision": "int8 weights (per channel) in the transformer's matrix products; embeddings, layer norms and pooling float32"
            if quantize
            else "float32",
        }
        # encoder.json last: its presence marks a complete export.
        (staging / "encoder.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        transformer.config._attn_implementation = attention
    return target


def _quantize(fp32: Path, int8: Path) -> None:
    """int8 weights for the matrix products with a constant weight, one scale per output channel.

    The scale per output channel is what matters: with one scale per weight
    matrix (the defaults, an earlier try) the vectors were at mean cosine 0.948 to
    float32; per channel alone gives 0.994 (on 100 SQuAD chunks; keeping the
    embedding lookups or the activation-by-activation products of attention in
    float32 changed nothing measurable, docs/performance.md). Those stay float32
    anyway: a Gather gains no speed from int8, and quantizing query x key per batch
    only adds error. Layer norms and pooling are float32. 1.6-1.8x the throughput.
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process first is about vision models
    try:
        quantize_dynamic(
            str(fp32),
            str(int8),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=False,
            op_types_to_quantize=["MatMul"],
            extra_options={"MatMulConstBOnly": True},
        )
    finally:
        logging.getLogger().setLevel(quiet)
