"""The contract every storage engine keeps: the same tests run against each implementation
of `IndexWriter` / `IndexReader` (today the local SQLite + FAISS generations)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.analyzer import ENGLISH
from qa.index.local import LocalWriter, open_index
from qa.records import Chunk, Document, SkippedFile

DIMENSION = 8


def _vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(DIMENSION).astype(np.float32)
    return v / np.linalg.norm(v)


def _document(doc_id: str, texts: list[str]) -> tuple[Document, list[Chunk]]:
    text = "\n".join(texts)
    document = Document(doc_id, doc_id.title(), text, f"hash-{doc_id}", len(text), 1, kind="text")
    chunks, start = [], 0
    for ordinal, chunk_text in enumerate(texts):
        chunks.append(Chunk(doc_id, ordinal, start, start + len(chunk_text), ordinal + 1, ordinal + 1, chunk_text, 10))
        start += len(chunk_text) + 1
    return document, chunks


class LocalEngine:
    """Opens writers and readers of the local engine in a temporary folder."""

    def __init__(self, folder):
        self.folder = folder

    def writer(self, previous=None):
        return LocalWriter(self.folder, previous)

    def reader(self):
        return open_index(self.folder)


class MilvusLiteEngine:
    """Opens writers and readers of the Milvus engine on Milvus Lite (the real C++ engine) in a temporary file."""

    def __init__(self, folder):
        from qa.index.milvus_store import milvus_location

        self.location = milvus_location(f"milvus:{folder / 'milvus.db'}", folder / "corpus")

    def writer(self, previous=None):
        from qa.index.milvus_store import MilvusWriter

        return MilvusWriter(self.location, previous)

    def reader(self):
        from qa.index.milvus_store import open_milvus_index

        return open_milvus_index(self.location)


@pytest.fixture(params=["local", pytest.param("milvus-lite", marks=pytest.mark.slow)])
def engine(request, tmp_path):
    if request.param == "local":
        yield LocalEngine(tmp_path / "index")
        return
    from qa.index.milvus_store import close_clients

    yield MilvusLiteEngine(tmp_path)
    close_clients()  # stops this test's Milvus Lite server


def _add(writer, doc_id, texts, seed):
    document, chunks = _document(doc_id, texts)
    spans = [[(0, len(c.text))] for c in chunks]
    chunk_vectors = np.vstack([_vector(seed + i) for i in range(len(chunks))])
    writer.add_document(document, chunks, chunk_vectors, spans, chunk_vectors.copy())
    return chunk_vectors


def _publish(writer, corpus_dir, skipped=()):
    writer.replace_skipped(skipped, corpus_dir)
    return writer.publish({"format_version": 3, "model_id": "m", "dimension": DIMENSION, "analyzer": ENGLISH.describe()})


def _built(engine, tmp_path):
    writer = engine.writer()
    harbour = _add(writer, "harbour.txt", ["The harbour cranes were repaired in March.", "Ships wait offshore."], seed=1)
    _add(writer, "bread.txt", ["Sourdough bread needs a starter."], seed=10)
    manifest = _publish(writer, tmp_path)
    return manifest, harbour


def test_what_is_written_is_read_back(engine, tmp_path):
    manifest, harbour = _built(engine, tmp_path)
    reader = engine.reader()
    assert manifest["documents"] == 2 and manifest["chunks"] == 3 and manifest["sentences"] == 3
    assert reader.manifest["chunks"] == 3 and reader.analyzer.name == ENGLISH.name
    assert [d.doc_id for d in reader.documents()] == ["bread.txt", "harbour.txt"]
    top_id, cosine = reader.dense_search(harbour[0], 1)[0]
    assert cosine == pytest.approx(1.0, abs=1e-5)
    row = reader.chunks([top_id])[top_id]
    assert row.doc_id == "harbour.txt" and row.text == "The harbour cranes were repaired in March."
    assert reader.sentence_search(harbour[0], 1) == [top_id]
    sentences = reader.sentence_similarities(harbour[0], [top_id])[top_id]
    assert sentences[0][1:] == (0, len(row.text)) and sentences[0][0] == pytest.approx(1.0, abs=1e-5)
    assert reader.chunk_similarities(harbour[0], [top_id])[top_id] == pytest.approx(1.0, abs=1e-5)
    assert reader.stored_text("harbour.txt").kind == "text" and reader.stored_text("nothing.txt") is None


def test_lexical_search_finds_stems_and_weights_rare_ones_higher(engine, tmp_path):
    _built(engine, tmp_path)
    reader = engine.reader()
    found = reader.lexical_search(ENGLISH.question_stems("When was the crane repaired?"), 5)
    assert [reader.chunks(found)[c].doc_id for c in found] == ["harbour.txt"]
    weights = reader.term_weights({ENGLISH.stem("crane"), ENGLISH.stem("zeppelin")})
    assert weights[ENGLISH.stem("zeppelin")] > weights[ENGLISH.stem("crane")] > 0
    # Hundreds at once: every form one letter off a name a question uses (search/names.py).
    from qa.search.names import missing_names

    many = reader.term_weights({f"zeppelin{n}" for n in range(700)} | {ENGLISH.stem("crane")})
    assert len(many) == 701 and many[ENGLISH.stem("crane")] < many["zeppelin7"]
    assert missing_names(reader, ENGLISH, "Did the Zeppelins repair the Cranes?", frozenset({"zeppelin"})) == ("Zeppelins",)
    assert missing_names(reader, ENGLISH, "Were the Harbuor cranes repaired?", frozenset({"harbuor"})) == ()  # a misspelt word it holds


def test_lexical_search_reads_a_chunks_heading_path_before_reanalysis_and_after(engine, tmp_path):
    # The section's name is the word a question asks by; the chunk's own text does not repeat it.
    from dataclasses import replace

    writer = engine.writer()
    document, chunks = _document("options.md", ["Serialize dict keys of other types than str.", "Pretty-print with two spaces."])
    chunks = [replace(chunks[0], heading_path="Options > OPT_NON_STR_KEYS"), chunks[1]]
    vectors = np.vstack([_vector(30), _vector(31)])
    writer.add_document(document, chunks, vectors, [[(0, len(c.text))] for c in chunks], vectors.copy())
    _publish(writer, tmp_path)
    for reanalysed in (False, True):
        if reanalysed:
            writer = engine.writer(engine.reader())
            writer.reanalyze()
            _publish(writer, tmp_path)
        reader = engine.reader()
        found = reader.lexical_search(ENGLISH.question_stems("OPT_NON_STR_KEYS"), 5)
        assert [reader.chunks(found)[c].text for c in found] == ["Serialize dict keys of other types than str."]


def test_an_identifiers_parts_are_terms_it_holds_and_a_deleted_chunks_heading_words_leave_with_it(engine, tmp_path):
    # Lexical search finds "lsb" inside OPUS_SET_LSB_DEPTH (FTS5 splits at underscores); the
    # document frequency must know it is there, or a question naming LSB reads as naming nothing.
    from dataclasses import replace

    _built(engine, tmp_path)
    writer = engine.writer(engine.reader())
    document, chunks = _document("opus.html", ["Configures the depth of the signal being encoded."])
    chunks = [replace(chunks[0], heading_path="Encoder controls > OPUS_SET_LSB_DEPTH")]
    vectors = np.vstack([_vector(40)])
    writer.add_document(document, chunks, vectors, [[(0, len(chunks[0].text))]], vectors.copy())
    _publish(writer, tmp_path)
    reader = engine.reader()
    terms = {"lsb", "opus_set_lsb_depth", ENGLISH.stem("controls"), "zeppelin"}
    weights = reader.term_weights(terms)
    assert weights["lsb"] == weights["opus_set_lsb_depth"] == weights[ENGLISH.stem("controls")] < weights["zeppelin"]
    assert [reader.chunks(found)[c].doc_id for found in [reader.lexical_search(["lsb"], 5)] for c in found] == ["opus.html"]
    writer = engine.writer(engine.reader())
    writer.delete_documents(["opus.html"])
    _publish(writer, tmp_path)
    weights = engine.reader().term_weights(terms)
    assert weights["lsb"] == weights["opus_set_lsb_depth"] == weights[ENGLISH.stem("controls")] == weights["zeppelin"]


def test_an_update_deletes_and_adds_and_reuses_vectors_by_text(engine, tmp_path):
    _, harbour = _built(engine, tmp_path)
    writer = engine.writer(engine.reader())
    reusable = writer.reusable_vectors(["harbour.txt"])
    assert np.allclose(reusable["Ships wait offshore."], harbour[1], atol=1e-5)
    assert np.allclose(reusable[("Ships wait offshore.", "Ships wait offshore.")], harbour[1], atol=1e-5)
    writer.delete_documents(["harbour.txt", "bread.txt"])
    _add(writer, "crane.txt", ["Cranes lift containers."], seed=20)
    manifest = _publish(writer, tmp_path)
    reader = engine.reader()
    assert manifest["documents"] == 1 and [d.doc_id for d in reader.documents()] == ["crane.txt"]
    assert reader.lexical_search(ENGLISH.question_stems("sourdough"), 5) == []
    assert [reader.chunks([c])[c].doc_id for c, _ in reader.dense_search(_vector(20), 5)] == ["crane.txt"]


def test_a_sentence_two_chunks_share_is_reused_with_each_chunks_own_vector(engine, tmp_path):
    # A sentence's vector is pooled from its chunk's pass: in the overlap of two chunks it has
    # two. Keyed by its text alone, an update gave one chunk the other's, and ranked otherwise
    # than a fresh build (SciFact's sentence search differed on 299 of 300 queries).
    from qa.records import embedded_text

    said = "Ships wait offshore."
    texts = [f"Cranes were repaired. {said}", f"{said} Tugs guide them in."]
    document, chunks = _document("harbour.txt", texts)
    spans = [[(text.index(said), text.index(said) + len(said))] for text in texts]
    sentence_vectors = np.vstack([_vector(30), _vector(31)])
    writer = engine.writer()
    writer.add_document(document, chunks, np.vstack([_vector(1), _vector(2)]), spans, sentence_vectors)
    _publish(writer, tmp_path)
    writer = engine.writer(engine.reader())
    reusable = writer.reusable_vectors(["harbour.txt"])
    writer.discard()
    for chunk, vector in zip(chunks, sentence_vectors):
        assert np.allclose(reusable[(embedded_text(chunk.heading_path, chunk.text), said)], vector, atol=1e-5)


def test_a_discarded_build_leaves_the_published_index_as_it_was(engine, tmp_path):
    _built(engine, tmp_path)
    writer = engine.writer(engine.reader())
    writer.delete_documents(["harbour.txt"])
    writer.discard()
    assert [d.doc_id for d in engine.reader().documents()] == ["bread.txt", "harbour.txt"]


def test_reanalysing_rebuilds_the_words_and_keeps_the_vectors(engine, tmp_path):
    _, harbour = _built(engine, tmp_path)
    before = engine.reader().lexical_search(ENGLISH.question_stems("repaired cranes"), 5)
    writer = engine.writer(engine.reader())
    writer.reanalyze()
    _publish(writer, tmp_path, (SkippedFile("broken.pdf", "damaged"),))
    reader = engine.reader()
    assert reader.lexical_search(ENGLISH.question_stems("repaired cranes"), 5) == before
    assert reader.dense_search(harbour[0], 1)[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [s.doc_id for s in reader.skipped()] == ["broken.pdf"]


def _scoped_engine(engine, tmp_path):
    """Four documents in folders, of two types, dated by what they state or by mtime."""
    from dataclasses import replace

    writer = engine.writer()
    for doc_id, texts, seed, stated in (
        ("reports/2024/harbour.txt", ["The harbour cranes were repaired.", "Harbour ships wait offshore."], 1, "2024-03-01"),
        ("reports/2025/harbour.md", ["The harbour reopened to ships."], 5, "2025-02-10"),
        ("reports/2025b/ferry.txt", ["Harbour ferries run hourly."], 7, None),  # a sibling folder sharing the prefix
        ("notes/bread.txt", ["Sourdough bread needs a harbour of flour."], 10, None),
    ):
        document, chunks = _document(doc_id, texts)
        document = replace(document, date=stated, date_source="pdf CreationDate" if stated else None, mtime_ns=1_600_000_000 * 10**9)
        spans = [[(0, len(c.text))] for c in chunks]
        vectors = np.vstack([_vector(seed + i) for i in range(len(chunks))])
        writer.add_document(document, chunks, vectors, spans, vectors.copy())
    _publish(writer, tmp_path)
    return engine.reader()


def _doc_ids(reader, chunk_ids):
    return {row.doc_id for row in reader.chunks(list(chunk_ids)).values()}


def test_every_search_keeps_to_a_selection_of_documents(engine, tmp_path):
    from datetime import date

    from qa.search.scope import Scope

    reader = _scoped_engine(engine, tmp_path)
    query = _vector(10)  # nearest the notes, which no scope below holds
    for scope, expected in (
        (Scope(paths=("reports/2025",)), {"reports/2025/harbour.md"}),
        (Scope(paths=("reports/2024/harbour.txt", "notes")), {"reports/2024/harbour.txt", "notes/bread.txt"}),
        (Scope(types=("txt",)), {"reports/2024/harbour.txt", "reports/2025b/ferry.txt", "notes/bread.txt"}),
        (Scope(since=date(2025, 1, 1)), {"reports/2025/harbour.md"}),
        (Scope(until=date(2024, 12, 31)), {"reports/2024/harbour.txt", "reports/2025b/ferry.txt", "notes/bread.txt"}),
        (Scope(paths=("reports",), types=("txt",), until=date(2024, 12, 31)), {"reports/2024/harbour.txt", "reports/2025b/ferry.txt"}),
    ):
        within = reader.select(scope)
        assert within.documents == len(expected), scope
        dense = [chunk_id for chunk_id, _ in reader.dense_search(query, 10, within)]
        assert dense and _doc_ids(reader, dense) == expected, scope
        assert _doc_ids(reader, reader.sentence_search(query, 10, within)) == expected, scope
        lexical = reader.lexical_search([ENGLISH.stem("harbour")], 10, within)
        assert _doc_ids(reader, lexical) == expected, scope
    # Without a selection, everything (the nearest first).
    assert _doc_ids(reader, [reader.dense_search(query, 1)[0][0]]) == {"notes/bread.txt"}
    nothing = reader.select(Scope(types=("pdf",)))
    assert nothing.documents == 0
    assert reader.dense_search(query, 5, nothing) == [] and reader.lexical_search([ENGLISH.stem("harbour")], 5, nothing) == []


def test_each_document_has_the_date_a_scope_compares(engine, tmp_path):
    from datetime import datetime

    reader = _scoped_engine(engine, tmp_path)
    dates = reader.document_dates()
    assert dates["reports/2024/harbour.txt"] == ("2024-03-01", "pdf CreationDate")
    assert dates["notes/bread.txt"] == (datetime.fromtimestamp(1_600_000_000).date().isoformat(), "file mtime")
