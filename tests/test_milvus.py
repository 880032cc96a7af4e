"""The Milvus engine end to end: Milvus Lite (the real C++ engine, started by these tests in a
temporary file) behind the same Assistant, CLI and answer path as the local index."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from qa.errors import IndexFormatError, IndexMismatchError, QAError
from qa.index.generations import FORMAT_VERSION
from tests.conftest import make_assistant
from tests.fakes import FakeEmbedder

pytestmark = pytest.mark.slow


@pytest.fixture
def milvus_settings(settings, tmp_path):
    from qa.index.milvus_store import close_clients

    yield replace(settings, store=f"milvus:{tmp_path / 'milvus.db'}")
    close_clients()  # stops this test's Milvus Lite server


def _local_files(folder):
    return sorted(p.name for p in folder.rglob("*") if p.suffix in (".sqlite3", ".faiss") or p.name == "CURRENT")


def test_editing_a_file_and_asking_again_finds_the_new_text(milvus_settings):
    assistant = make_assistant(milvus_settings)
    assistant.prepare()
    before = assistant.ask("Which volcano erupted near the harbour?")
    assert before.no_answer
    note = milvus_settings.corpus_dir / "notes" / "bread.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nThe Vesuvius volcano erupted near the harbour of Naples.\n", encoding="utf-8")
    prepared = assistant.prepare()
    assert prepared.report.changed == ("notes/bread.md",) and not prepared.report.full
    after = assistant.ask("Which volcano erupted near the harbour?")
    assert not after.no_answer and "Vesuvius" in after.passages[0].highlight
    top = after.passages[0]
    assert note.read_text(encoding="utf-8")[top.char_start : top.char_end] == top.text
    assert _local_files(milvus_settings.index_dir) == []  # the index is in Milvus, not in SQLite/FAISS files


def test_answers_equal_the_local_index_on_the_same_corpus(settings, milvus_settings):
    questions = ["When did IS-KP announce its formation?", "What is the name of IS-KP's English-language magazine?",
                 "Which countries does IS-KP target abroad?", "What is the boiling point of mercury?"]
    local = make_assistant(replace(settings, index_dir=settings.index_dir.parent / "local-index"))
    local.prepare()
    milvus = make_assistant(milvus_settings)
    milvus.prepare()
    for question in questions:
        a, b = local.ask(question), milvus.ask(question)
        assert a.no_answer == b.no_answer, question
        assert [(p.doc_id, p.char_start, p.char_end, p.highlight) for p in a.passages] == [
            (p.doc_id, p.char_start, p.char_end, p.highlight) for p in b.passages
        ], question


def test_an_unpublished_build_is_never_read_and_is_removed_by_the_next(milvus_settings):
    from qa.index.engines import engine_for
    from qa.index.milvus_store import MilvusWriter, client_for, generations_of, milvus_location

    assistant = make_assistant(milvus_settings)
    assistant.prepare()
    location = milvus_location(milvus_settings.store, milvus_settings.corpus_dir)
    published = engine_for(milvus_settings).open_reader()
    # A build that dies after deleting everything and before publishing (no discard: a kill).
    abandoned = MilvusWriter(location, published)
    abandoned.delete_documents([d.doc_id for d in published.documents()])
    reader = engine_for(milvus_settings).open_reader()
    assert reader.generation == published.generation and len(reader.documents()) == 3
    assert abandoned.generation in generations_of(client_for(location), location)
    (milvus_settings.corpus_dir / "notes" / "new.md").write_text("Ferries leave hourly.\n", encoding="utf-8")
    assistant.prepare()
    assert abandoned.generation not in generations_of(client_for(location), location)
    assert len(engine_for(milvus_settings).open_reader().documents()) == 4


def test_an_index_of_another_model_or_a_newer_format_is_refused_naming_the_store(milvus_settings):
    from qa.index.milvus_store import MilvusWriter, milvus_location, open_milvus_index

    make_assistant(milvus_settings).prepare()

    class OtherModel(FakeEmbedder):
        model_id = "other-model@2"

    other = make_assistant(milvus_settings, OtherModel())
    with pytest.raises(IndexMismatchError, match=f"{milvus_settings.store}.*other-model|fake-embedder.*other-model"):
        other.prepare(update=False)
    assert "rebuilt" in other.prepare().note  # with updates allowed it is rebuilt, saying why
    location = milvus_location(milvus_settings.store, milvus_settings.corpus_dir)
    writer = MilvusWriter(location, None)
    writer.add_document(*_one_document())
    writer.publish({"format_version": FORMAT_VERSION + 1, "model_id": "m", "dimension": 8})
    with pytest.raises(IndexFormatError, match=rf"{milvus_settings.store}.*newer qa.*qa index --full --store"):
        open_milvus_index(location)


def _one_document():
    from qa.records import Chunk, Document

    text = "Cranes lift containers."
    vector = np.ones((1, 8), dtype=np.float32) / np.sqrt(8)
    return Document("c.txt", "C", text, "h", len(text), 1), [Chunk("c.txt", 0, 0, len(text), 1, 1, text, 5)], vector, [[(0, len(text))]], vector


def test_an_unknown_store_is_refused_naming_the_valid_forms():
    from qa.config import load_settings

    with pytest.raises(QAError, match="milvus:PATH.db.*milvus:http://HOST:19530"):
        load_settings(corpus=".", model=".", store="postgres://x")


def test_an_unreachable_milvus_server_is_a_clear_error_and_exit_1(tmp_path, corpus):
    result = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "--corpus", str(corpus), "--index", str(tmp_path / "i"), "--store", "milvus:http://127.0.0.1:9", "crane?"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "error: cannot reach the Milvus server at http://127.0.0.1:9" in result.stderr and "--store local" in result.stderr
    assert "Traceback" not in result.stderr and "[ERROR]" not in result.stderr  # one message, not pymilvus' log too
