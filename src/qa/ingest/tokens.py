"""Counting word pieces with the embedding model's own tokenizer.

Chunk budgets must be measured in the units the model reads, or the model
silently truncates. The `tokenizers` library reads the model's tokenizer.json
directly, in milliseconds, without importing torch or transformers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from qa.errors import ModelError


class TokenCounter(Protocol):
    def count(self, text: str) -> int:
        """Word pieces in `text`, special tokens excluded."""

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character span of each word piece of `text`, special tokens excluded."""


class WordPieceCounter:
    """A model's Hugging Face fast tokenizer, with truncation and padding off."""

    def __init__(self, model_dir: Path):
        from tokenizers import Tokenizer

        path = Path(model_dir) / "tokenizer.json"
        if not path.is_file():
            raise ModelError(f"{model_dir} has no tokenizer.json: pass --model with a sentence-transformers model folder")
        self._tokenizer = Tokenizer.from_file(str(path))
        # The file ships with truncation at 128; counting must see every piece.
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def count_batch(self, texts: list[str]) -> list[int]:
        encodings = self._tokenizer.encode_batch(texts, add_special_tokens=False)
        return [len(e.ids) for e in encodings]

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return list(self._tokenizer.encode(text, add_special_tokens=False).offsets)
