"""Chunks on the real tokenizer are the ones the chunker made before it counted word
pieces from one tokenization per document (tests/chunking_cases.py records them)."""

import json

import pytest

from qa.config import default_model_dir
from qa.ingest.chunker import chunk_document
from qa.ingest.tokens import WordPieceCounter
from tests.chunking_cases import BASELINE, cases, chunk_rows

RECORDED = json.loads(BASELINE.read_text(encoding="utf-8"))
COUNTER = WordPieceCounter(default_model_dir())


def test_every_recorded_case_is_still_generated():
    assert sorted(name for name, _, _ in cases()) == sorted(RECORDED)


@pytest.mark.parametrize("name, document, params", list(cases()), ids=lambda value: value if isinstance(value, str) else "")
def test_chunks_are_the_recorded_ones(name, document, params):
    recorded = RECORDED[name]
    now = chunk_rows(document, chunk_document(document, COUNTER, params))
    assert now["text_sha256"] == recorded["text_sha256"], "the generated document changed, not the chunker"
    assert now["chunks"] == recorded["chunks"]
