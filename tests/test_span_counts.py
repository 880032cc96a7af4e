"""Counting spans of a text from its one tokenization gives what tokenizing each span alone gives."""

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from qa.config import default_model_dir
from qa.ingest.sentences import split_sentences
from qa.ingest import tokens
from qa.ingest.tokens import WordPieceCounter
from qa.records import embedded_text
from tests.chunking_cases import _ODD, _WORDS, generated_text

COUNTER = WordPieceCounter(default_model_dir())
# Characters the tokenizer drops, joins, splits or strips: where counting from one tokenization could go wrong.
_ALPHABET = list(" \n\t\r\f\x0b\x1c\x1d\x00\u00a0\u200b\u2028\u3000\ufeff\u0301\u0300\u0327\ufffd.,!?'\"-#()") + list(_ODD) + list(_WORDS[:40])
texts = st.lists(st.sampled_from(_ALPHABET), max_size=60).map("".join)


def alone(text, spans):
    return [COUNTER.count(text[start:end]) for start, end in spans]


@hypothesis_settings(max_examples=300, deadline=None)
@given(texts, st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), max_size=12))
def test_any_span_counts_as_it_would_alone(text, cuts):
    spans = [(min(a, b, len(text)), min(max(a, b), len(text))) for a, b in cuts]
    spans += [(s.start, s.end) for s in split_sentences(text)]
    assert COUNTER.count_spans(text, spans) == alone(text, spans)


@pytest.mark.parametrize("part_chars", [1, 64, tokens._PART_CHARS])
def test_sentences_and_chunk_sized_spans_of_generated_documents(part_chars, monkeypatch):
    # A document is tokenized in parts cut at line breaks; tiny parts cut it at every one.
    monkeypatch.setattr(tokens, "_PART_CHARS", part_chars)
    for seed in range(40):
        text, _ = generated_text(seed, 6, (0.0, 0.05, 0.3)[seed % 3])
        sentences = [(s.start, s.end) for s in split_sentences(text)]
        runs = [(sentences[i][0], sentences[min(i + 4, len(sentences) - 1)][1]) for i in range(len(sentences))]
        spans = sentences + runs
        assert COUNTER.count_spans(text, spans) == alone(text, spans), seed


def test_a_dropped_character_that_joins_two_words_is_counted_alone():
    # "un\x1caffable" reads as the one word "unaffable" (una ##ffa ##ble): "affable" alone is other pieces.
    text = "un\x1caffable"
    assert COUNTER.count_spans(text, [(3, 11), (0, 2)]) == alone(text, [(3, 11), (0, 2)])


@hypothesis_settings(max_examples=200, deadline=None)
@given(texts.map(str.strip).filter(bool), texts.map(str.strip).filter(bool))
def test_a_heading_path_adds_its_own_pieces(path, text):
    # The chunker counts a chunk behind its heading path as the path's lead plus the chunk's own pieces.
    lead = COUNTER.count(embedded_text(path, "x")) - COUNTER.count("x")
    assert COUNTER.count(embedded_text(path, text)) == lead + COUNTER.count(text)


def test_only_a_tokenizer_that_cuts_words_one_at_a_time_is_counted_from_one_tokenization(tmp_path):
    import json

    config = json.loads((default_model_dir() / "tokenizer.json").read_text(encoding="utf-8"))
    config["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": False}
    (tmp_path / "tokenizer.json").write_text(json.dumps(config), encoding="utf-8")
    other = WordPieceCounter(tmp_path)
    assert COUNTER._words_stand_alone and not other._words_stand_alone
    text = "Hello, world. Don't split me!"
    spans = [(0, 13), (14, 29), (3, 9)]
    assert other.count_spans(text, spans) == [other.count(text[a:b]) for a, b in spans]
