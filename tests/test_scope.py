"""Scoping a question: by folder or file, by type, by date, and each combination, through
the Assistant and `qa ask`; the dates documents state (PDF, HTML) or get from their mtime."""

from __future__ import annotations

import json
import os
import sqlite3
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest

from qa import cli
from qa.errors import EmptyScopeError, ScopeError
from qa.index.generations import STORE_FILE, current_generation
from qa.ingest.stated_dates import calendar_day
from qa.search.scope import EVERYTHING, Scope, parse_scope
from tests.conftest import make_assistant

HARVEST = "Berichte/Übersicht 2025"  # a folder name with a non-ASCII letter and a space


def _noon(day: str) -> float:
    return datetime.fromisoformat(day + "T12:00:00").timestamp()


def _write_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2019, 3, 4, 10, 0, 0))
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "The lighthouse keepers logged every passing ship. The lighthouse lamp burned paraffin oil.")
    path.write_bytes(bytes(pdf.output()))


@pytest.fixture
def scoped_corpus(corpus) -> Path:
    """The test corpus (two reports, notes/bread.md) plus a harvest report in a Unicode folder,
    a web page stating its date in <meta>, and a PDF stating its CreationDate."""
    (corpus / HARVEST).mkdir(parents=True)
    (corpus / HARVEST / "ernte.txt").write_text(
        "Harvest report.\n\nThe wheat harvest in the valley reached four tonnes per hectare this autumn.\n", encoding="utf-8"
    )
    (corpus / "web").mkdir()
    (corpus / "web" / "lamps.html").write_text(
        '<html><head><meta property="article:published_time" content="2021-06-15T08:00:00Z">'
        "<title>Lamps</title></head><body><article><h1>Lighthouse lamps</h1>"
        "<p>The lighthouse lamp was converted from paraffin oil to electric light in the spring.</p>"
        "<p>Keepers trimmed the wick every evening before the lighthouse lamp was lit.</p></article></body></html>",
        encoding="utf-8",
    )
    (corpus / "reports").mkdir()
    _write_pdf(corpus / "reports" / "keepers.pdf")
    for path, day in (
        (corpus / "islamic-state-in-afghanistan-threat-in-retreat.txt", "2020-01-10"),
        (corpus / "shadow-caliphate-islamic-state-khorasan.txt", "2023-07-01"),
        (corpus / "notes" / "bread.md", "2024-05-01"),
        (corpus / HARVEST / "ernte.txt", "2025-09-30"),
        (corpus / "web" / "lamps.html", "2025-01-01"),  # the page's <meta> date wins over this
        (corpus / "reports" / "keepers.pdf", "2025-01-01"),
    ):
        os.utime(path, (_noon(day), _noon(day)))
    return corpus


@pytest.fixture
def scoped(settings, scoped_corpus):
    built = make_assistant(settings)
    built.build()
    return built


def _docs(answer) -> set[str]:
    return {p.doc_id for p in answer.passages}


def _ask(assistant, question, **scope):
    return assistant.ask(question, k=10, scope=assistant.scope(**scope))


def test_each_filter_keeps_to_its_documents(scoped):
    question = "lighthouse lamp paraffin oil keepers"
    assert _docs(scoped.ask(question, k=10)) >= {"web/lamps.html", "reports/keepers.pdf"}
    assert _docs(_ask(scoped, question, paths=["reports"])) == {"reports/keepers.pdf"}
    assert _docs(_ask(scoped, question, paths=["web/lamps.html"])) == {"web/lamps.html"}
    assert _docs(_ask(scoped, question, types=["html"])) == {"web/lamps.html"}
    assert _docs(_ask(scoped, question, types=["PDF"])) == {"reports/keepers.pdf"}
    # The PDF states 2019-03-04 and the page 2021-06-15, whatever their files' mtimes say.
    old = _docs(_ask(scoped, question, until="2020-12-31"))
    assert "reports/keepers.pdf" in old and "web/lamps.html" not in old
    assert _docs(_ask(scoped, question, since="2021-01-01", until="2021-12-31")) == {"web/lamps.html"}
    # By mtime: bread.md is dated 2024-05-01.
    bread = "How long does sourdough dough prove?"
    assert _docs(_ask(scoped, bread, since="2024-05-01", until="2024-05-01")) == {"notes/bread.md"}
    recent = _docs(_ask(scoped, bread, since="2024"))
    assert "notes/bread.md" in recent and recent <= {"notes/bread.md", f"{HARVEST}/ernte.txt"}


def test_filters_combine_kinds_by_and_and_values_by_or(scoped):
    question = "lighthouse lamp paraffin oil keepers"
    assert _docs(_ask(scoped, question, paths=["reports", "web"])) == {"reports/keepers.pdf", "web/lamps.html"}
    assert _docs(_ask(scoped, question, types=["pdf", "htm"])) == {"reports/keepers.pdf", "web/lamps.html"}
    assert _docs(_ask(scoped, question, paths=["reports", "web"], types=["html"])) == {"web/lamps.html"}
    assert _docs(_ask(scoped, question, paths=["reports", "web"], since="2020-01-01")) == {"web/lamps.html"}
    with pytest.raises(EmptyScopeError):
        _ask(scoped, question, paths=["web"], types=["pdf"])


def test_a_unicode_folder_is_a_scope_in_either_normal_form(scoped):
    question = "How many tonnes per hectare did the wheat harvest in the valley reach?"
    for typed in (HARVEST, unicodedata.normalize("NFD", HARVEST), HARVEST + "/", str(scoped.settings.corpus_dir / HARVEST)):
        answer = _ask(scoped, question, paths=[typed])
        assert _docs(answer) == {f"{HARVEST}/ernte.txt"} and not answer.no_answer
        assert answer.scope.names == (HARVEST,)
    assert _docs(_ask(scoped, question, paths=["Berichte"])) == {f"{HARVEST}/ernte.txt"}


def test_a_scope_matching_no_document_is_an_error_naming_it_and_the_corpus_size(scoped):
    with pytest.raises(EmptyScopeError) as raised:
        _ask(scoped, "harvest", paths=["notes"], since="2030-01-01")
    message = str(raised.value)
    assert "in notes; since 2030-01-01" in message and "the corpus has 6 documents" in message
    with pytest.raises(EmptyScopeError, match="the corpus has 6 documents"):
        _ask(scoped, "harvest", paths=["no-such-folder"])


def test_a_scope_with_documents_but_no_passage_is_no_answer(scoped):
    unscoped = scoped.ask("How long does sourdough dough prove overnight?")
    assert not unscoped.no_answer and "notes/bread.md" in _docs(unscoped)
    answer = _ask(scoped, "How long does sourdough dough prove overnight?", paths=[HARVEST])
    assert answer.no_answer
    assert _docs(answer) <= {f"{HARVEST}/ernte.txt"}  # only the scope's (weak) passages are shown


def test_bad_scopes_say_what_is_wrong_and_how_to_write_it(settings, scoped_corpus, tmp_path):
    corpus = scoped_corpus
    for kwargs, words in (
        ({"paths": [str(tmp_path)]}, "not inside the corpus"),
        ({"paths": ["../elsewhere"]}, "not inside the corpus"),
        ({"paths": [""]}, "--in needs a folder or file"),
        ({"types": ["p*f"]}, "is not a file type"),
        ({"since": "2024-13-01"}, "write it YYYY-MM-DD"),
        ({"until": "yesterday"}, "write it YYYY-MM-DD"),
        ({"since": "2025-01-01", "until": "2024-01-01"}, "is after --until"),
    ):
        with pytest.raises(ScopeError, match=words.replace("*", r"\*")):
            parse_scope(corpus, **kwargs)
    whole = parse_scope(corpus, paths=["."])
    assert whole.paths == ("",) and whole.describe() == "in ."


def test_scope_parsing_reads_partial_dates_and_type_aliases(corpus):
    scope = parse_scope(corpus, types=[".HTML", "md"], since="2024", until="2024-02")
    assert scope.types == ("html", "htm", "md", "markdown")
    assert scope.since == date(2024, 1, 1) and scope.until == date(2024, 2, 29)
    assert scope.to_dict() == {"in": [], "type": ["html", "md"], "since": "2024-01-01", "until": "2024-02-29"}
    assert EVERYTHING.is_everything and EVERYTHING.describe() == "everything"


def test_stated_dates_are_read_from_pdf_and_html_and_mtime_otherwise(scoped):
    dates = scoped.status().dates
    assert dates["reports/keepers.pdf"] == ("2019-03-04", "pdf CreationDate")
    assert dates["web/lamps.html"] == ("2021-06-15", "html meta article:published_time")
    assert dates["notes/bread.md"] == ("2024-05-01", "file mtime")
    assert calendar_day("D:20240305101500+01'00'") == "2024-03-05"
    assert calendar_day("2024/3/5") == "2024-03-05" and calendar_day("0000-00-00") is None


def _run(argv, settings, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_assistant", lambda args, corpus=None: make_assistant(settings))
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_qa_ask_takes_the_scope_options_and_json_echoes_them(scoped, settings, capsys, monkeypatch):
    code, out, err = _run(
        ["ask", "--json", "--in", "web", "--in", "reports", "--type", "html", "--since", "2021-01-01", "lighthouse lamp"],
        settings, capsys, monkeypatch,
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["filters"] == {"in": ["web", "reports"], "type": ["html"], "since": "2021-01-01", "until": None}
    assert data["passages"] and all(p["path"].endswith("/web/lamps.html") for p in data["passages"])
    code, out, _ = _run(["ask", "--json", "lighthouse lamp"], settings, capsys, monkeypatch)
    assert json.loads(out)["filters"] == {"in": [], "type": [], "since": None, "until": None}


def test_qa_ask_stdin_keeps_the_scope_for_every_question(scoped, settings, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("lighthouse lamp\nsourdough bread\n"))
    code, out, err = _run(["ask", "-", "--json", "--type", "pdf"], settings, capsys, monkeypatch)
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2 and all(line["filters"]["type"] == ["pdf"] for line in lines)
    assert all(p["path"].endswith("keepers.pdf") for line in lines for p in line["passages"])


def test_qa_ask_with_a_scope_matching_nothing_exits_1_naming_it(scoped, settings, capsys, monkeypatch):
    code, out, err = _run(["ask", "--type", "docx", "lighthouse"], settings, capsys, monkeypatch)
    assert code == 1 and out == ""
    assert err.startswith("error: no document matches the scope (type docx); the corpus has 6 documents")
    code, _, err = _run(["ask", "--since", "2024-02-30", "lighthouse"], settings, capsys, monkeypatch)
    assert code == 1 and "--since '2024-02-30' is not a date" in err


def test_qa_status_lists_each_documents_date_and_its_source(scoped, settings, capsys, monkeypatch):
    code, out, _ = _run(["status"], settings, capsys, monkeypatch)
    assert code == 0
    assert "2019-03-04  reports/keepers.pdf (pdf CreationDate)" in out
    assert "2024-05-01  notes/bread.md (file mtime)" in out
    code, out, _ = _run(["status", "--json"], settings, capsys, monkeypatch)
    listed = {d["path"]: (d["date"], d["date_source"]) for d in json.loads(out)["documents_dates"]}
    assert listed["web/lamps.html"] == ("2021-06-15", "html meta article:published_time")


def test_an_index_from_before_dates_is_read_and_gains_them_on_update(scoped, settings):
    store = current_generation(settings.index_dir) / STORE_FILE
    with sqlite3.connect(store) as db:  # as an index built before the columns existed
        db.execute("ALTER TABLE documents DROP COLUMN date_source")
        db.execute("ALTER TABLE documents DROP COLUMN date")
    older = make_assistant(settings)
    assert older.status().dates["reports/keepers.pdf"] == ("2025-01-01", "file mtime")
    assert _docs(_ask(older, "lighthouse lamp", until="2025-01-01")) >= {"reports/keepers.pdf"}
    (settings.corpus_dir / "notes" / "new.md").write_text("A new note on lighthouse lamps.\n", encoding="utf-8")
    older.update()
    columns = {row[1] for row in sqlite3.connect(current_generation(settings.index_dir) / STORE_FILE).execute("PRAGMA table_info(documents)")}
    assert {"date", "date_source"} <= columns
