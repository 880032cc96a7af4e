"""Index health: incremental updates, stale detection, mismatch, crash safety, one build at a time."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from qa.errors import IndexBusyError
from qa.index.generations import current_generation, index_lock
from qa.index.local import open_index
from tests.conftest import make_assistant
from tests.fakes import FakeEmbedder

BREAD = "notes/bread.md"
AFGHANISTAN = "islamic-state-in-afghanistan-threat-in-retreat.txt"


def chunk_ids_by_document(settings):
    index = open_index(settings.index_dir)
    rows = index.store._db.execute("SELECT d.doc_id, c.id FROM chunks c JOIN documents d ON d.id = c.document_id").fetchall()
    grouped = {}
    for doc_id, chunk_id in rows:
        grouped.setdefault(doc_id, []).append(chunk_id)
    return grouped


def assert_consistent(settings):
    """SQLite rows, FTS5 rows and both FAISS indexes hold the same ids."""
    index = open_index(settings.index_dir)
    db = index.store._db
    chunk_ids = {r[0] for r in db.execute("SELECT id FROM chunks")}
    assert {r[0] for r in db.execute("SELECT rowid FROM chunks_fts")} == chunk_ids
    assert len(index.vectors) == len(chunk_ids) == index.manifest["chunks"]
    assert index.vectors.reconstruct(sorted(chunk_ids)).shape[0] == len(chunk_ids)
    sentence_ids = [r[0] for r in db.execute("SELECT id FROM sentences")]
    assert len(index.sentence_vectors) == len(sentence_ids) == index.manifest["sentences"]
    index.sentence_vectors.reconstruct(sentence_ids)  # every sentence id has a vector


@pytest.fixture
def counting(settings):
    embedder = FakeEmbedder()
    assistant = make_assistant(settings, embedder)
    assistant.update()
    return assistant


def test_an_unchanged_corpus_is_not_rebuilt(counting):
    report = counting.update()
    assert not report.wrote and report.embedded == 0


def test_editing_a_file_embeds_only_its_new_text_and_keeps_other_ids(counting, settings):
    before = chunk_ids_by_document(settings)
    path = settings.corpus_dir / BREAD
    path.write_text(path.read_text() + "\nRye flour makes a denser loaf with a sour taste.\n", encoding="utf-8")
    report = counting.update()
    assert report.changed == (BREAD,) and report.added == () and report.removed == ()
    assert report.unchanged == 2 and not report.full
    assert 0 < report.embedded <= 4  # the new sentence and the chunk(s) it changed; the rest reused
    after = chunk_ids_by_document(settings)
    assert after[AFGHANISTAN] == before[AFGHANISTAN]
    assert_consistent(settings)
    assert "Rye flour" in counting.ask("What does rye flour do to a loaf?").passages[0].text


def test_adding_a_file_indexes_it(counting, settings):
    (settings.corpus_dir / "zebra.txt").write_text("Zebras\n\nThe zebra migration starts in July.\n", encoding="utf-8")
    report = counting.update()
    assert report.added == ("zebra.txt",) and report.unchanged == 3
    assert_consistent(settings)
    assert counting.ask("When does the zebra migration start?").passages[0].doc_id == "zebra.txt"


def test_deleting_a_file_removes_it_from_sqlite_fts_and_faiss(counting, settings):
    os.remove(settings.corpus_dir / BREAD)
    report = counting.update()
    assert report.removed == (BREAD,) and report.embedded == 0
    assert_consistent(settings)
    index = open_index(settings.index_dir)
    assert index.lexical_search(index.analyzer.question_stems("sourdough starter"), 10) == []
    assert all(p.doc_id != BREAD for p in counting.ask("sourdough bread starter").passages)


def test_renaming_a_file_reuses_every_vector(counting, settings):
    os.rename(settings.corpus_dir / BREAD, settings.corpus_dir / "notes" / "baking.md")
    report = counting.update()
    assert report.added == ("notes/baking.md",) and report.removed == (BREAD,)
    assert report.embedded == 0  # same texts, same vectors: nothing to embed
    assert_consistent(settings)
    assert counting.ask("sourdough starter").passages[0].doc_id == "notes/baking.md"


def test_a_file_that_becomes_unreadable_is_skipped_and_its_old_chunks_removed(counting, settings):
    (settings.corpus_dir / BREAD).write_bytes(b"\x00\x01\x02 now a binary file \x00")
    report = counting.update()
    assert report.changed == (BREAD,)
    assert [(s.doc_id, s.reason) for s in report.skipped] == [(BREAD, "binary content (NUL bytes) in a text file")]
    assert_consistent(settings)
    assert all(p.doc_id != BREAD for p in counting.ask("sourdough bread starter").passages)
    assert counting.status().up_to_date  # an unreadable file does not keep the index stale
    (settings.corpus_dir / BREAD).write_text("# Baking\n\nSourdough is back.\n", encoding="utf-8")
    assert counting.update().added == (BREAD,)  # fixed: retried and indexed


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_a_file_without_read_permission_is_skipped(counting, settings):
    path = settings.corpus_dir / BREAD
    path.chmod(0)
    try:
        report = counting.update()
        assert [s.doc_id for s in report.skipped] == [BREAD]
    finally:
        path.chmod(0o644)


def test_touching_a_file_embeds_nothing_and_records_the_new_mtime(counting, settings):
    os.utime(settings.corpus_dir / BREAD, ns=(10**18, 10**18))
    report = counting.update()
    assert report.embedded == 0 and report.changed == ()
    [row] = [r for r in open_index(settings.index_dir).store.documents() if r.doc_id == BREAD]
    assert row.mtime_ns == 10**18


def test_a_model_change_rebuilds_from_scratch(counting, settings):
    class OtherModel(FakeEmbedder):
        model_id = "other-model@2"

    other = make_assistant(settings, OtherModel())
    assert other.status().mismatch.endswith("was built with model fake-embedder@1, not other-model@2")
    report = other.update()
    assert report.full and "built with model fake-embedder@1" in report.reason
    assert open_index(settings.index_dir).manifest["model_id"] == "other-model@2"
    assert_consistent(settings)


def test_full_rebuild_on_request(counting):
    report = counting.update(full=True)
    assert report.full and report.reason == "full rebuild requested" and report.wrote


def test_prepare_updates_a_stale_index_or_warns_without_update(counting, settings):
    (settings.corpus_dir / "zebra.txt").write_text("Zebras\n\nThe zebra migration starts in July.\n", encoding="utf-8")
    kept = counting.prepare(update=False)
    assert kept.stale and "1 added" in kept.note and kept.report is None
    updated = counting.prepare(update=True)
    assert not updated.stale and updated.report.added == ("zebra.txt",)
    assert counting.prepare().note is None


def test_a_version_that_reads_files_otherwise_reads_every_file_again_and_embeds_only_what_reads_differently(
    counting, settings, monkeypatch
):
    # The index was built by this code; a later version's reading code hashes otherwise.
    import qa.index.freshness
    import qa.index.indexer

    for module in (qa.index.freshness, qa.index.indexer):
        monkeypatch.setattr(module, "reading_version", lambda: "newer001")
    status = counting.status()
    assert not status.up_to_date and "reads files better: all 3 read again" in status.changes.summary()
    assert "reads files better" in counting.prepare(update=False).note
    prepared = counting.prepare()
    assert prepared.note.startswith("this version of qa reads files better: all 3 read again: updated the index in")
    report = prepared.report
    assert report.wrote and sorted(report.changed) == sorted(d.doc_id for d in counting.load().documents())
    assert report.embedded == 0  # every text reads the same here: every vector kept
    assert open_index(settings.index_dir).manifest["reading"] == "newer001"
    assert counting.status().up_to_date and not counting.update().wrote
    assert_consistent(settings)


def test_a_second_build_is_refused_while_one_runs(counting, settings):
    with index_lock(settings.index_dir):
        with pytest.raises(IndexBusyError, match=r"another `qa index` \(pid \d+\) is updating"):
            counting.update(full=True)


def slow_build(settings, release: Path) -> subprocess.Popen:
    """A real `qa` build in another process, stalled inside embedding until `release` exists."""
    script = Path(__file__).with_name("build_slowly.py")
    return subprocess.Popen(
        [sys.executable, str(script), str(settings.corpus_dir), str(settings.index_dir), str(release)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_during_embedding_leaves_the_old_index_usable_and_the_next_run_completes(counting, settings, tmp_path):
    (settings.corpus_dir / "zebra.txt").write_text("Zebras\n\nThe zebra migration starts in July.\n", encoding="utf-8")
    before = current_generation(settings.index_dir)
    build = slow_build(settings, tmp_path / "never-released")
    try:
        assert build.stdout.readline().strip() == "EMBEDDING", build.stderr.read()
        # While that build holds the lock, a question is answered from the current index.
        during = make_assistant(settings)
        prepared = during.prepare(update=True)
        assert prepared.stale and "another `qa index` is updating" in prepared.note
        assert during.ask("Taliban").passages
        with pytest.raises(IndexBusyError):
            make_assistant(settings).update()
        os.kill(build.pid, signal.SIGKILL)
    finally:
        build.wait(timeout=30)
    assert build.returncode == -signal.SIGKILL
    assert current_generation(settings.index_dir) == before
    assert [p for p in settings.index_dir.iterdir() if p.name.startswith(".building-")]  # the dead build's leftovers
    survivor = make_assistant(settings)
    assert survivor.ask("Taliban").passages  # the old index still answers
    report = survivor.update()
    assert report.added == ("zebra.txt",)
    assert not [p for p in settings.index_dir.iterdir() if p.name.startswith(".building-")]
    assert_consistent(settings)
    assert survivor.ask("When does the zebra migration start?").passages[0].doc_id == "zebra.txt"


def test_two_concurrent_builds_do_not_interleave(counting, settings, tmp_path):
    (settings.corpus_dir / "zebra.txt").write_text("Zebras\n\nThe zebra migration starts in July.\n", encoding="utf-8")
    release = tmp_path / "release"
    first = slow_build(settings, release)
    try:
        assert first.stdout.readline().strip() == "EMBEDDING"
        second = slow_build(settings, release)
        _, second_err = second.communicate(timeout=60)
        assert second.returncode == 1
        assert "IndexBusyError: another `qa index` (pid" in second_err
        release.touch()
        out, _ = first.communicate(timeout=60)
        assert out.strip().endswith("DONE") and first.returncode == 0
    finally:
        if first.poll() is None:
            first.kill()
    assert_consistent(settings)
    assert "zebra.txt" in {row.doc_id for row in open_index(settings.index_dir).store.documents()}
