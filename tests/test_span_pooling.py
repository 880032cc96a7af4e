"""One pass per chunk: sentence vectors pooled from the chunk's token states."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings as hypothesis_settings, strategies as st

from tests.fakes import FakeEmbedder
from qa.index.indexer import _embedded_spans
from qa.ingest.chunker import JoinedChunk, search_text
from qa.models.span_pooling import TokenStates, embed_with_spans, pool_spans
from qa.records import Chunk


def _states() -> TokenStates:
    # [CLS] "ab" "cd" "ef" [SEP] over the text "ab cd. ef" (pieces at 0-2, 3-5, 7-9)
    hidden = np.array([[1, 0, 0], [0, 2, 0], [0, 0, 2], [2, 2, 0], [1, 0, 0]], dtype=np.float32)
    offsets = np.array([[0, 0], [0, 2], [3, 5], [7, 9], [0, 0]])
    return TokenStates(hidden, offsets)


def test_a_span_pools_the_pieces_inside_it_and_the_text_pools_them_all():
    whole, spans = pool_spans(_states(), [(0, 6), (7, 9), (6, 7)])
    expected_whole = np.array([4, 4, 2]) / np.linalg.norm([4, 4, 2])
    assert np.allclose(whole, expected_whole)
    assert np.allclose(spans[0], np.array([0, 1, 1]) / np.sqrt(2))  # "ab", "cd": special tokens left out
    assert np.allclose(spans[1], np.array([1, 1, 0]) / np.sqrt(2))
    assert not spans[2].any()  # no piece inside: a zero row that matches nothing


def test_a_span_covering_every_piece_is_the_text_itself():
    whole, spans = pool_spans(_states(), [(0, 9)])
    assert np.allclose(spans[0], whole)


def _pooled_by_masks(states, spans):
    """The span vectors as pool_spans first computed them: a mask of the pieces inside each span."""
    hidden = states.hidden
    whole = hidden.mean(axis=0) / np.linalg.norm(hidden.mean(axis=0))
    starts, ends = states.offsets[:, 0], states.offsets[:, 1]
    real = ends > starts
    out = np.zeros((len(spans), hidden.shape[1]), dtype=np.float32)
    for row, (start, end) in enumerate(spans):
        inside = real & (starts >= start) & (ends <= end)
        if inside.sum():
            mean = hidden[inside].mean(axis=0)
            out[row] = whole if inside.sum() == real.sum() else mean / np.linalg.norm(mean)
    return out


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_spans_pool_the_same_pieces_as_a_mask_per_span_does(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40))
    widths, gaps = rng.integers(1, 6, n), rng.integers(0, 3, n)  # pieces left to right, some touching
    starts = np.cumsum(gaps + np.concatenate([[0], widths[:-1]])) if n else np.zeros(0, dtype=int)
    pieces = np.stack([starts, starts + widths], axis=1) if n else np.zeros((0, 2), dtype=int)
    offsets = np.concatenate([[[0, 0]], pieces, [[0, 0]]]).astype(np.int64)  # [CLS] ... [SEP]
    hidden = rng.normal(size=(len(offsets), 8)).astype(np.float32)
    length = int(offsets[:, 1].max())
    spans = [tuple(sorted(rng.integers(0, length + 2, 2).tolist())) for _ in range(int(rng.integers(0, 12)))]
    spans += [(0, length)] if n else []
    states = TokenStates(hidden, offsets)
    _, pooled = pool_spans(states, spans)
    expected = _pooled_by_masks(states, spans)
    assert pooled.shape == expected.shape
    assert np.allclose(pooled, expected, atol=1e-5)
    assert ((pooled == 0).all(axis=1) == (expected == 0).all(axis=1)).all()  # the same spans match nothing


def test_an_embedder_without_token_states_embeds_each_span_alone():
    fake = FakeEmbedder()
    texts = ["Paris is the capital. Rome is old.", "Cats sleep."]
    spans = [[(0, 21), (22, 34)], [(0, 11)]]
    pooled = embed_with_spans(fake, texts, spans)
    assert np.allclose(pooled.texts, fake.embed_batch(texts))
    assert np.allclose(pooled.spans[0], fake.embed_batch(["Paris is the capital.", "Rome is old."]))
    assert np.allclose(pooled.spans[1], fake.embed_batch(["Cats sleep."]))


def _chunk(cls=Chunk, **extra):
    return cls(doc_id="d", ordinal=0, char_start=0, char_end=0, start_line=1, end_line=1, text=extra.pop("text"),
               page=None, heading_path=extra.pop("heading_path", ""), n_tokens=1, **extra)


def test_sentence_spans_follow_the_heading_path_into_what_the_model_reads():
    chunk = _chunk(text="One. Two words.", heading_path="Intro")
    (start, end), = _embedded_spans(chunk, [(5, 15)])
    assert chunk.embedded_text[start:end] == "Two words."


def test_sentence_spans_skip_the_hyphens_joined_at_line_ends():
    text = "A devel-\nopment here. Then a sec-\nond one."
    chunk = _chunk(JoinedChunk, text=text, heading_path="H", search_text="A development here. Then a second one.")
    spans = _embedded_spans(chunk, [(0, 21), (22, len(text))])
    assert [chunk.embedded_text[s:e] for s, e in spans] == ["A development here.", "Then a second one."]


def test_sentence_spans_skip_the_line_breaks_joined_inside_identifiers():
    # A Texinfo PDF breaks "gcry_check_version" after an underscore: one character goes, not two.
    text = "Call gcry_check_\nversion first. Then a sec-\nond one. Last."
    chunk = _chunk(JoinedChunk, text=text, heading_path="H", search_text=search_text(text))
    spans = _embedded_spans(chunk, [(0, 31), (32, 52), (53, len(text))])
    assert [chunk.embedded_text[s:e] for s, e in spans] == ["Call gcry_check_version first.", "Then a second one.", "Last."]
