import pytest

from qa.errors import CorpusError
from qa.loader import load_corpus


def test_reads_txt_and_md_recursively_with_titles_and_relative_ids(tmp_path):
    (tmp_path / "a.txt").write_text("\n\n  First Line Title  \nbody text\n", encoding="utf-8")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "b.md").write_text("intro line\n\n## The Heading ##\ntext\n", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF-1.4")
    scan = load_corpus(tmp_path)
    assert [(d.doc_id, d.title) for d in scan.documents] == [
        ("a.txt", "First Line Title"),
        ("sub/deeper/b.md", "The Heading"),
    ]
    assert scan.skipped == ()


def test_text_matches_what_open_returns_including_crlf(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"Title\r\nLine two\rLine three\r\n")
    [doc] = load_corpus(tmp_path).documents
    assert doc.text == open(path, encoding="utf-8").read()


def test_unreadable_files_are_skipped_with_reasons_and_the_rest_indexes(tmp_path):
    (tmp_path / "good.txt").write_text("Good\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    scan = load_corpus(tmp_path)
    assert [d.doc_id for d in scan.documents] == ["good.txt"]
    reasons = {s.doc_id: s.reason for s in scan.skipped}
    assert "not UTF-8" in reasons["latin1.txt"]
    assert reasons["empty.md"] == "empty file"
    assert "binary" in reasons["binary.txt"]


def test_missing_folder_names_the_folder_and_the_fix(tmp_path):
    with pytest.raises(CorpusError, match=r"does not exist: pass --corpus"):
        load_corpus(tmp_path / "nope")


def test_folder_without_documents_says_so(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"")
    with pytest.raises(CorpusError, match=r"no \.txt or \.md files"):
        load_corpus(tmp_path)
