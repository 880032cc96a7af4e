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

ENCODERS_DIR = "encoders"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_BATCH = 32


def encoder_dir(index_dir: Path, model_id: str) -> Path:
    return index_dir / ENCODERS_DIR / model_id.replace("/", "_")


def has_encoder(index_dir: Path, model_id: str) -> bool:
    return (encoder_dir(index_dir, model_id) / "encoder.json").is_file()


class OnnxEmbedder:
    """Embeds with an exported graph through onnxruntime: same vectors, no torch."""

    def __init__(self, directory: Path):
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            config = json.loads((directory / "encoder.json").read_text(encoding="utf-8"))
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3  # its warnings about unused initialisers are noise to a user
            self._session = onnxruntime.InferenceSession(
                str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        except Exception as exc:  # a damaged file: the caller falls back to sentence-transformers
            raise ModelError(f"the ONNX encoder in {directory} cannot be loaded ({exc}): run `qa index` to re-create it") from exc
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
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        for offset in range(0, len(order), _BATCH):
            batch = order[offset : offset + _BATCH]
            out[batch] = self._embed([texts[i] for i in batch])
        return out

    def _embed(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        arrays = {name: np.zeros((len(texts), width), dtype=np.int64) for name in _INPUTS}
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            arrays["input_ids"][row, :n] = encoding.ids
            arrays["attention_mask"][row, :n] = 1
            arrays["token_type_ids"][row, :n] = encoding.type_ids
        hidden = self._session.run(None, {k: v for k, v in arrays.items() if k in self._wanted})[0]
        if self._pooling == "cls":
            pooled = hidden[:, 0, :]
        else:
            mask = arrays["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


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


def export_encoder(embedder, index_dir: Path) -> Path | None:
    """Export a loaded `SentenceTransformerEmbedder`'s transformer to ONNX beside the index.

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
                str(staging / "model.onnx"),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")},
                opset_version=17,
                dynamo=False,
            )
        shutil.copyfile(Path(model_dir) / "tokenizer.json", staging / "tokenizer.json")
        config = {
            "model_id": model_id,
            "dimension": embedder.dimension,
            "max_seq_length": embedder.max_tokens,
            "pooling": pooling,
        }
        # encoder.json last: its presence marks a complete export.
        (staging / "encoder.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
