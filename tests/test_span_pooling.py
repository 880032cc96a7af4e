"""One pass per chunk: sentence vectors pooled from the chunk's token states."""

from __future__ import annotations

import numpy as np

from tests.fakes import FakeEmbedder
from qa.index.indexer import _embedded_spans
from qa.ingest.chunker import JoinedChunk
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
