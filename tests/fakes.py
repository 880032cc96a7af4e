"""Deterministic stand-ins for the model, so most tests run in milliseconds without torch."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from qa.analyzer import ENGLISH, STOPWORDS

_TOKEN = re.compile(r"\w+|[^\w\s]")


class FakeEmbedder:
    """Bag of stemmed content words hashed into a small vector: texts sharing words are similar.

    Unrelated texts get cosine 0, so relevance thresholds behave as with a real
    model; outputs can be worked out by hand.
    """

    model_id = "fake-embedder@1"
    dimension = 4096  # wide, so unrelated words rarely share a bucket
    max_tokens = 256

    def __init__(self):
        self.calls = 0

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                if word in STOPWORDS:
                    continue
                bucket = int(hashlib.md5(ENGLISH.stem(word).encode()).hexdigest(), 16) % self.dimension
                vectors[row, bucket] += 1.0
            norm = np.linalg.norm(vectors[row])
            if norm:
                vectors[row] /= norm
        return vectors


class FakeCounter:
    """Counts words and punctuation marks as tokens (roughly what WordPiece does)."""

    def count(self, text: str) -> int:
        return len(_TOKEN.findall(text))

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in _TOKEN.finditer(text)]
