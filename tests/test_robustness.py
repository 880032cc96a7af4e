"""Bad input of every kind gets a clear answer; nothing is lost; the corpus is never written."""

import errno
import hashlib
import io
import json
import os
import shutil
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from qa import cli
from qa.errors import QAError
from qa.config import ChunkerParams, Settings
from qa.index.generations import current_generation
from tests.conftest import make_assistant


def corpus_fingerprint(folder: Path) -> dict:
    """Every file's bytes, mode and mtime, without following links out of the folder."""
    state = {}
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            content = b""
            if path.is_file() and not path.is_symlink():
                with open(path, "rb") as handle:  # not Path.read_bytes, which a test may replace
                    content = hashlib.sha256(handle.read()).digest()
            state[str(path)] = (content, info.st_mode, info.st_mtime_ns, info.st_size)
    return state


@pytest.fixture
def make_corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


@pytest.fixture
def qa(tmp_path, make_corpus, monkeypatch, capsys):
    """Run the real CLI (fake model) on `make_corpus`; every call checks the corpus was not written."""
    settings = Settings(make_corpus, tmp_path / "index", tmp_path / "no-model", chunker=ChunkerParams(96, 24))
    monkeypatch.chdir(tmp_path)

    def run(*argv, stdin: bytes | None = None, corpus_changes_during_run: bool = False):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        before = corpus_fingerprint(make_corpus) if make_corpus.exists() else None
        try:
            code = cli.main(list(argv), assistant_factory=lambda merged: make_assistant(replace(settings, k=merged.k)))
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        if before is not None and not corpus_changes_during_run:
            assert corpus_fingerprint(make_corpus) == before, "qa wrote into the corpus"
        return code, out, err

    run.settings = settings
    return run


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


REPORT = "Border report\n\nThe smugglers crossed the northern border at night. Patrols found their camp.\n"

# -- corpus -------------------------------------------------------------------


def test_missing_corpus(qa, make_corpus):
    make_corpus.rmdir()
    code, _, err = qa("index")
    assert code == 1 and "does not exist: pass --corpus DIR" in err


def test_empty_corpus(qa):
    code, _, err = qa("ask", "anything")
    assert code == 1 and "has no .txt, .md, .pdf or .html files (it is empty)" in err


def test_only_unsupported_files(qa, make_corpus):
    write(make_corpus, "scan.doc", b"PK")  # old binary Word: not read (.docx is)
    write(make_corpus, "sheet.xlsx", b"PK")
    code, _, err = qa("index")
    assert code == 1 and "(it has .doc, .xlsx files)" in err


def test_a_readme_licence_and_rst_file_are_read_as_text_and_other_files_without_extension_are_not(qa, make_corpus):
    write(make_corpus, "pkg/README", "Frobnicator\n\nThe frobnicator rotates its logs every Sunday at midnight.\n")
    write(make_corpus, "pkg/LICENSE", "Permission is granted to copy and modify this software freely.\n")
    write(make_corpus, "pkg/guide.rst", "Guide\n=====\n\nThe cache directory defaults to /var/cache/frob on Linux.\n")
    write(make_corpus, "pkg/data", b"\x00\x01 a binary blob")
    write(make_corpus, "pkg/README.Debian", "frob for Debian\n\nOn Debian the frobnicator runs as the user _frob.\n")
    write(make_corpus, "pkg/NEWS.Debian.gz", b"\x1f\x8b\x08 compressed")
    code, out, err = qa("ask", "--json", "When does the frobnicator rotate its logs?")
    assert code == 0 and json.loads(out)["passages"][0]["path"].endswith("pkg/README")
    code, out, _ = qa("ask", "--json", "Where is the cache directory on Linux?")
    assert json.loads(out)["passages"][0]["path"].endswith("pkg/guide.rst")
    code, out, _ = qa("ask", "--json", "Which user does the frobnicator run as on Debian?")
    assert json.loads(out)["passages"][0]["path"].endswith("pkg/README.Debian")
    code, out, _ = qa("status")
    assert "4 documents" in out and "pkg/data" in out and "pkg/NEWS.Debian.gz" in out  # listed as files qa does not read, never indexed


def test_an_index_read_by_an_older_version_is_read_again_and_said_so_in_one_line(qa, make_corpus):
    write(make_corpus, "report.txt", REPORT)
    write(make_corpus, "notes.txt", "Notes\n\nThe patrol returned at dawn with two prisoners.\n")
    assert qa("index")[0] == 0
    from qa.index.generations import current_generation

    store = current_generation(qa.settings.index_dir) / "store.sqlite3"
    with sqlite3.connect(store) as db:  # as an index built before this version's reading
        db.execute("UPDATE manifest SET value = ? WHERE key = 'reading'", (json.dumps("00000000"),))
    code, out, _ = qa("status")
    assert code == 0 and "out of date: this version of qa reads files better: all 2 read again (run `qa index`)" in out
    assert "changed:" not in out  # one line, not the whole corpus listed
    code, out, err = qa("ask", "When did the patrol return?")
    assert code == 0 and "reads files better: all 2 read again: updated the index" in err and "dawn" in out
    assert "up to date" in qa("status")[1]


def test_only_broken_pdf_and_html_says_why_each_was_skipped(qa, make_corpus):
    write(make_corpus, "scan.pdf", b"%PDF-1.4")
    write(make_corpus, "page.html", b"<html><head><script>var x = 1;</script></head><body></body></html>")
    code, _, err = qa("index")
    assert code == 1 and "could be read" in err
    assert "page.html: no text in the page beyond navigation and scripts" in err and "scan.pdf: damaged or unreadable PDF" in err


def test_unreadable_files_are_listed_by_index_and_status_and_the_rest_indexes(qa, make_corpus):
    write(make_corpus, "good.txt", REPORT)
    write(make_corpus, "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    write(make_corpus, "empty.md", "")
    code, out, err = qa("index")
    assert code == 0 and "now 1 documents" in out
    assert "warning: skipped binary.txt: binary content (NUL bytes) in a text file" in err
    assert "warning: skipped empty.md: empty file" in err
    _, out, _ = qa("status")
    assert "skipped:  binary.txt: binary content (NUL bytes)" in out and "skipped:  empty.md: empty file" in out
    assert "state:    up to date" in out


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("Rapport\r\n\r\nLes passeurs ont traversé la frontière près du café.\r\n".encode("latin-1"), "latin-1"),
        ("Report\n\nThe smugglers’ “camp” – near the border – cost €5.\n".encode("cp1252"), "cp1252"),
        ("Report\n\nThe smugglers crossed the border near Grüße.\n".encode("utf-16"), "utf-16"),
    ],
)
def test_other_encodings_are_answered_with_a_checkable_citation(qa, make_corpus, raw, encoding):
    write(make_corpus, "doc.txt", raw)
    code, out, _ = qa("ask", "--json", "smugglers border")
    assert code == 0
    top = json.loads(out)["passages"][0]
    assert top["encoding"] == encoding
    with open(top["path"], encoding=top["encoding"]) as handle:
        assert handle.read()[top["char_start"] : top["char_end"]] == top["text"]


def test_a_50_mb_file_is_skipped_with_the_setting_that_allows_it(qa, make_corpus):
    write(make_corpus, "good.txt", REPORT)
    with open(make_corpus / "dump.txt", "wb") as handle:
        handle.write(b"log line\n" * (50_000_000 // 9))
    code, out, err = qa("index")
    assert code == 0 and "now 1 documents" in out
    assert "warning: skipped dump.txt: 50 MB, over the 32 MB limit (set QA_MAX_FILE_MB to index it)" in err


def test_ten_thousand_tiny_files(qa, make_corpus):
    for i in range(10_000):
        write(make_corpus, f"part-{i // 1000}/note-{i:05d}.txt", f"Note {i}\n\nItem {i} is stored in bay {i % 97}.\n")
    code, out, _ = qa("index")
    assert code == 0 and "now 10000 documents" in out
    code, out, _ = qa("ask", "--json", "-k", "1", "Note 4242 Item 4242")
    assert json.loads(out)["passages"][0]["path"].endswith("note-04242.txt")


def test_deeply_nested_folders_and_symlink_loops(qa, make_corpus):
    deep = make_corpus.joinpath(*[f"level{i}" for i in range(60)])
    write(deep, "deep.txt", REPORT)
    (make_corpus / "loop").symlink_to(make_corpus, target_is_directory=True)
    (deep / "back-to-top").symlink_to(make_corpus, target_is_directory=True)
    code, out, _ = qa("index")
    assert code == 0 and "now 1 documents" in out


def test_a_file_without_read_permission_is_skipped(qa, make_corpus, monkeypatch):
    write(make_corpus, "good.txt", REPORT)
    secret = write(make_corpus, "secret.txt", "Secret\n\nHidden.\n")
    real_read = Path.read_bytes

    def read_bytes(path):
        if path == secret:  # as root, chmod 000 does not stop reading: simulate the refusal
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code, out, err = qa("index")
    assert code == 0 and "warning: skipped secret.txt: cannot read: Permission denied" in err


def test_a_file_that_vanishes_while_indexing_is_skipped(qa, make_corpus, monkeypatch):
    write(make_corpus, "good.txt", REPORT)
    doomed = write(make_corpus, "doomed.txt", "Doomed\n\nGone soon.\n")
    import qa.index.indexer as indexer

    real = indexer.read_corpus_files

    def read_after_delete(corpus_dir, doc_ids, max_bytes=None, progress=None):
        doomed.unlink()  # listed a moment ago, gone before it is read
        return real(corpus_dir, doc_ids, max_bytes, progress)

    monkeypatch.setattr(indexer, "read_corpus_files", read_after_delete)
    code, out, err = qa("index", corpus_changes_during_run=True)  # the test itself deletes a file
    assert code == 0 and "warning: skipped doomed.txt: cannot read: No such file or directory" in err


def test_odd_file_names(qa, make_corpus):
    for name in ("with space.txt", "naïve ümlaut ñ.md", "new\nline.txt"):
        write(make_corpus, name, f"Title\n\nThe file {name!r} mentions the zebra crossing.\n")
    code, out, _ = qa("ask", "--json", "zebra crossing")
    assert code == 0
    paths = {p["path"] for p in json.loads(out)["passages"]}
    assert paths == {"corpus/with space.txt", "corpus/naïve ümlaut ñ.md", "corpus/new\nline.txt"}
    for path in paths:
        assert Path(path).is_file()
    code, out, _ = qa("ask", "zebra crossing")
    assert "corpus/new\\nline.txt:1-3" in out  # escaped on screen, one line per citation


# -- questions ----------------------------------------------------------------


@pytest.fixture
def built(qa, make_corpus):
    write(make_corpus, "border.txt", REPORT)
    write(make_corpus, "intl.md", "# Мир\n\nПограничники нашли лагерь. 边境 巡逻 发现 营地。 وجدت الدورية المخيم.\n")
    assert qa("index")[0] == 0
    return qa


@pytest.mark.parametrize(
    "question",
    [
        "a",
        "?",
        "!!! ... ???",
        "the of and is what",
        '"unbalanced quote',
        "AND OR NOT",
        "NEAR(smugglers border, 2)",
        "smug* ^border col:value (group) -x",
        "'; DROP TABLE chunks; --",
        "SELECT * FROM documents WHERE 1=1",
        "Пограничники нашли лагерь?",
        "边境巡逻发现了什么？",
        "ماذا وجدت الدورية؟",
        "x" * 100_000,
        "border " * 20_000,
        "tab\there\x07bell\x1b[31mred",
        "lone surrogate \udcff here",
    ],
)
def test_any_question_gets_an_answer_or_a_clear_no_answer(built, question):
    code, out, err = built("ask", "--json", question)
    assert code == 0, err
    answer = json.loads(out)
    assert isinstance(answer["no_answer"], bool) and answer["passages"]


@pytest.mark.parametrize("question", ["", "   ", "\t\n", "\x00\x01"])
def test_empty_questions_get_usage_help(built, question):
    code, out, err = built("ask", question)
    assert code == 1 and out == "" and 'the question is empty: ask something, e.g. qa ask "' in err


def test_stdin_with_control_characters_and_invalid_bytes(built):
    stdin = b"smugglers\x00border\n\xff\xfe\xfd broken bytes\nborder \xed\xa0\x80 surrogate\n\x1b\x07\n"
    code, out, err = built("ask", "-", "--json", stdin=stdin)
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 3  # the escape-only line is empty once cleaned: skipped, not an error
    assert lines[0]["question"] == "smugglers border"


# -- the index ----------------------------------------------------------------


def test_missing_index_with_no_update_names_the_command(built):
    shutil.rmtree(built.settings.index_dir)
    code, _, err = built("ask", "--no-update", "border")
    assert code == 1 and "no index in" in err and "run `qa index`" in err


@pytest.mark.parametrize("damage", ["truncate-vectors", "garbage-vectors", "garbage-sqlite", "truncate-sqlite"])
def test_a_damaged_index_is_reported_with_the_fix_and_qa_index_repairs_it(built, damage):
    generation = current_generation(built.settings.index_dir)
    target = generation / ("vectors.faiss" if "vectors" in damage else "store.sqlite3")
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 3] if damage.startswith("truncate") else b"garbage" * 100)
    code, _, err = built("ask", "--no-update", "border")
    assert code == 1 and "run `qa index" in err, err
    code, out, err = built("index")
    assert code == 0 and "built from scratch (the previous index is unusable" in out, err
    assert built("ask", "--no-update", "border")[0] == 0


def test_an_index_from_a_newer_qa_is_refused_not_overwritten(built):
    generation = current_generation(built.settings.index_dir)
    db = sqlite3.connect(generation / "store.sqlite3")
    db.execute("UPDATE manifest SET value = '99' WHERE key = 'format_version'")
    db.commit()
    db.close()
    for argv in (("ask", "border"), ("index",), ("status",)):
        code, _, err = built(*argv)
        assert code == 1 and "built by a newer qa (format 99" in err and "run `qa index --full` to replace it" in err
    assert current_generation(built.settings.index_dir) == generation
    code, out, _ = built("index", "--full")
    assert code == 0 and out.startswith("built from scratch (full rebuild requested)")


def test_an_index_folder_that_cannot_be_written(qa, make_corpus, tmp_path):
    # As root every folder is writable; a path through a regular file is not, for anyone.
    write(make_corpus, "good.txt", REPORT)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = replace(qa.settings, index_dir=blocker / "index")
    with pytest.raises(QAError, match=r"cannot write the index in .*a-file/index \(Not a directory\): make it writable or pass --index DIR"):
        make_assistant(settings).update()


def test_disk_full_while_writing_keeps_the_previous_index(built, make_corpus, monkeypatch):
    before = current_generation(built.settings.index_dir)
    write(make_corpus, "more.txt", "More\n\nAnother report about the eastern border.\n")

    def disk_full(self, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("qa.index.vectors.VectorIndex.save", disk_full)
    code, _, err = built("index")
    assert code == 1
    assert "could not write the new index" in err and "the disk is full" in err
    assert "the previous index is still in use" in err and "then run `qa index` again" in err
    assert current_generation(built.settings.index_dir) == before
    assert not list(built.settings.index_dir.glob(".building-*"))
    monkeypatch.undo()
