"""A chunk's vector and its sentences' vectors from one pass of the model.

Encoding each answer-candidate sentence again after its chunk cost a build
about twice the model time of the chunks alone (six short sequences a chunk,
each with its own fixed cost). The chunk's forward pass already holds a state
for every word piece; a sentence's vector is the mean of the states of the word
pieces inside its span, normalised, as the chunk's own vector is the mean of
all of them. The sentence is then read in its context (the heading path, the
sentences around it), which on the benchmarks loses nothing measurable against
encoding it alone (docs/performance.md, "One pass per chunk").

    SENTENCE_VECTORS  the method's name, recorded in the manifest: an index whose
                      sentence vectors were made another way is rebuilt
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

SENTENCE_VECTORS = "pooled-from-chunk-pass"

Span = tuple[int, int]


@dataclass(frozen=True)
class TokenStates:
    """One text's last hidden states, a row per word piece (special tokens included),
    and each piece's character span in the text ((0, 0) for special tokens)."""

    hidden: np.ndarray  # (tokens, dimension) float32
    offsets: np.ndarray  # (tokens, 2) int


@dataclass(frozen=True)
class PooledVectors:
    texts: np.ndarray  # (len(texts), dimension): each text's mean-pooled unit vector
    spans: list[np.ndarray]  # per text, (len(its spans), dimension) unit vectors


def pool_spans(states: TokenStates, spans: Sequence[Span]) -> tuple[np.ndarray, np.ndarray]:
    """(the text's unit vector, one unit vector per span) from one text's token states.

    A span's vector pools the word pieces lying wholly inside it. A span that
    covers every word piece of the text is the text: it gets the text's vector,
    so a one-sentence chunk's sentence and chunk agree (and a text reused from an
    earlier build maps to one vector whichever it was). A span holding no word
    piece (only characters the tokenizer drops) gets a zero row: it matches nothing.
    """
    hidden = states.hidden.astype(np.float32, copy=False)
    whole = _unit(hidden.sum(axis=0) / len(hidden))  # a sum and a division are what `mean` does, in half the time
    out = np.zeros((len(spans), hidden.shape[1]), dtype=np.float32)
    if not len(spans):
        return whole, out
    starts, ends = states.offsets[:, 0], states.offsets[:, 1]
    real = np.flatnonzero(ends > starts)  # special tokens have empty offsets
    starts, ends = starts[real], ends[real]
    bounds = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    if (starts[1:] < starts[:-1]).any() or (ends[1:] < ends[:-1]).any():
        return whole, _pool_by_masks(hidden, whole, real, starts, ends, bounds)
    # The word pieces run left to right, so those wholly inside a span are one run of them:
    # from the first starting at or after its start to the last ending at or before its end.
    # (A mask per span over every piece was a fifth of a build's time outside the model.)
    first = np.searchsorted(starts, bounds[:, 0], side="left")
    after = np.searchsorted(ends, bounds[:, 1], side="right")
    # Real pieces are one run of rows between [CLS] and [SEP]: slice the rows, no copy.
    inner = hidden[real[0] : real[-1] + 1] if len(real) and real[-1] - real[0] + 1 == len(real) else hidden[real]
    for row, a, b in zip(range(len(bounds)), first.tolist(), after.tolist()):
        if b > a:
            out[row] = inner[a:b].sum(axis=0) / (b - a)
    # Each row to unit length at once (zero rows stay zero: they match nothing).
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    n = after - first
    out[(n == len(real)) & (n > 0)] = whole  # the whole text: the text's own vector, exactly
    return whole, out


def _pool_by_masks(hidden, whole, real, starts, ends, bounds) -> np.ndarray:
    """`pool_spans`' span vectors for pieces that do not run left to right (no tokenizer here does that)."""
    out = np.zeros((len(bounds), hidden.shape[1]), dtype=np.float32)
    for row, (start, end) in enumerate(bounds):
        inside = real[(starts >= start) & (ends <= end)]
        if len(inside):
            out[row] = whole if len(inside) == len(real) else _unit(hidden[inside].mean(axis=0))
    return out


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / max(float(np.sqrt(vector @ vector)), 1e-12)).astype(np.float32)


def embed_with_spans(
    embedder,
    texts: list[str],
    spans: list[list[Span]],
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> PooledVectors:
    """Each text's vector and its spans' vectors, the text encoded once.

    Uses the embedder's `token_states` when it has one. An embedder without it
    (a test stand-in wrapping another) embeds each span's text alone instead.
    Texts go to the embedder in groups of similar length (sentence-transformers pads a group
    to its longest text; the ONNX encoder runs each text alone), `batch_size` a group.
    """
    dimension = embedder.dimension
    text_vectors = np.zeros((len(texts), dimension), dtype=np.float32)
    span_vectors: list[np.ndarray] = [np.zeros((len(s), dimension), dtype=np.float32) for s in spans]
    token_states = getattr(embedder, "token_states", None)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    if progress:
        progress(0, len(texts))
    for offset in range(0, len(order), batch_size):
        batch = order[offset : offset + batch_size]
        if token_states is not None:
            for i, states in zip(batch, token_states([texts[i] for i in batch])):
                text_vectors[i], span_vectors[i] = pool_spans(states, spans[i])
        else:
            text_vectors[batch] = embedder.embed_batch([texts[i] for i in batch])
            alone = [texts[i][start:end] for i in batch for start, end in spans[i]]
            vectors = embedder.embed_batch(alone) if alone else np.zeros((0, dimension), dtype=np.float32)
            cursor = 0
            for i in batch:
                span_vectors[i] = vectors[cursor : cursor + len(spans[i])]
                cursor += len(spans[i])
        if progress:
            progress(min(offset + batch_size, len(order)), len(order))
    return PooledVectors(text_vectors, span_vectors)
