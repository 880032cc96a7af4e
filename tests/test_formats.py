"""Word, OpenDocument, slides, EPUB, RTF, mail with an attachment, and scanned PDFs (OCR):
real files written at test time, indexed, asked about, and cited with offsets that check."""

from __future__ import annotations

import json
import shutil

import pytest

from qa.config import ChunkerParams, Settings
from qa.ingest import ocr
from qa.ingest.loader import read_corpus_files
from qa.render import answer_to_dict, citation, render_markdown, render_text
from tests import format_documents as files
from tests.conftest import make_assistant

TESSERACT = shutil.which("tesseract") is not None and ocr.tesseract_problem() is None
needs_tesseract = pytest.mark.skipif(
    not TESSERACT, reason="needs Tesseract (scripts/bootstrap.sh installs it as root: apt-get install tesseract-ocr tesseract-ocr-eng)"
)


@pytest.fixture
def office(tmp_path):
    """A corpus of one file of each new type, a mail with a PDF attachment, and files qa does not read."""
    folder = tmp_path / "corpus"
    (folder / "mail").mkdir(parents=True)
    files.write_docx(folder / "report.docx")
    files.write_pptx(folder / "deck.pptx")
    files.write_odt(folder / "harbour.odt")
    files.write_epub(folder / "book.epub")
    files.write_rtf(folder / "concert.rtf")
    files.write_eml(folder / "mail" / "visit.eml", files.write_attachment_pdf(tmp_path / "audit.pdf"))
    (folder / "budget.xlsx").write_bytes(b"PK\x03\x04 spreadsheet")
    (folder / "mail" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    return folder


@pytest.fixture
def built(tmp_path, office):
    settings = Settings(office, tmp_path / "index", tmp_path / "no-model", chunker=ChunkerParams(max_tokens=96, overlap_tokens=24))
    assistant = make_assistant(settings)
    messages = []
    report = assistant.update(progress=messages.append)
    return assistant, report, messages


def top(assistant, question: str):
    answer = assistant.ask(question)
    return answer, answer.passages[0]


def assert_offsets_check(assistant, passage):
    """The passage is exactly the text `qa show` prints (the page's, with a page) at its offsets and lines."""
    shown = assistant.source_text(passage.doc_id, passage.page)
    assert shown[passage.char_start : passage.char_end] == passage.text
    lines = shown.split("\n")[passage.start_line - 1 : passage.end_line]
    assert passage.text in "\n".join(lines)


def test_docx_heading_styles_make_the_heading_path_and_core_properties_the_title_and_date(built):
    assistant, report, _ = built
    answer, passage = top(assistant, "Who approved the new reservoir in the hill district?")
    assert (passage.doc_id, passage.kind, passage.page) == ("report.docx", "docx", None)
    assert passage.heading_path == "Water > Reservoirs"
    assert passage.title == "District Water Report 2024"
    assert files.DOCX_FACT in passage.text and "reservoir" in passage.highlight
    lines = str(passage.start_line) if passage.start_line == passage.end_line else f"{passage.start_line}-{passage.end_line}"
    assert citation(passage).endswith(f"report.docx (text:{lines})")  # lines of the text `qa show` prints
    assert_offsets_check(assistant, passage)
    stored = assistant.source_text("report.docx")
    assert "Reservoir · Volume\nUpper lake · 1200 cubic metres\nLower lake · 800 cubic metres" in stored  # a row per line
    assert assistant.status().dates["report.docx"] == ("2024-03-05", "docx core created")
    data = answer_to_dict(answer)["passages"][0]
    assert (data["kind"], data["page"], data["heading_path"], data["ocr"]) == ("docx", None, "Water > Reservoirs", False)


def test_pptx_one_page_per_slide_cited_as_slide_n_with_its_title_and_marked_notes(built):
    assistant, _, _ = built
    answer, passage = top(assistant, "Where did grain prices rise after the drought?")
    assert (passage.doc_id, passage.kind, passage.page, passage.end_page) == ("deck.pptx", "pptx", 2, 2)
    assert passage.heading_path == "Markets" and passage.title == "Harvest Briefing"
    assert citation(passage).endswith("deck.pptx slide 2")
    assert_offsets_check(assistant, passage)
    data = answer_to_dict(answer)["passages"][0]
    assert (data["kind"], data["page"], data["end_page"]) == ("pptx", 2, 2)
    _, note = top(assistant, "Which ministry of agriculture survey do the figures come from?")
    assert (note.page, note.heading_path) == (2, "Markets > Speaker notes")  # notes say they are notes
    assert files.PPTX_NOTE in note.text
    assert_offsets_check(assistant, note)
    slide3 = assistant.source_text("deck.pptx", 3)
    assert slide3 == "Slide 3\n\nCrop · Tonnes\nBarley harvest · 5400"
    assert assistant.source_text("deck.pptx", 1).endswith("regional markets.\n\nPrepared by the regional food security cluster.")  # untitled: a heading of its own, the table as rows
    assert "\f" not in slide3


def test_eml_subject_headers_and_body_then_its_pdf_attachment_cited_inside_the_mail(built):
    assistant, _, _ = built
    answer, passage = top(assistant, "When will the delegation arrive at the airport?")
    assert (passage.doc_id, passage.kind, passage.title) == ("mail/visit.eml", "eml", "Delegation visit")
    assert_offsets_check(assistant, passage)
    mail = assistant.source_text("mail/visit.eml")
    assert mail.startswith("Delegation visit\n\nFrom: Amina Yusuf <amina@example.org>\nTo: Field Office <office@example.org>\n")
    assert "Date: Tue, 07 May 2024 09:15:00 +0000" in mail and "Attachments: audit.pdf, photos.zip" in mail
    assert assistant.status().dates["mail/visit.eml"] == ("2024-05-07", "eml Date")

    answer, passage = top(assistant, "Where did the vaccination clinic store its vaccines?")
    assert (passage.doc_id, passage.kind, passage.page) == ("mail/visit.eml › audit.pdf", "pdf", 2)
    assert passage.title == "Clinic Audit"
    assert citation(passage).endswith("corpus/mail/visit.eml › audit.pdf p. 2")
    assert_offsets_check(assistant, passage)
    assert "mail/visit.eml › audit.pdf p. 2" in render_text(answer)
    assert "`" + citation(passage) + "`" in render_markdown(answer)


def test_msg_outlook_mail_and_its_attachment(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    files.write_msg(folder / "visit.msg", files.write_attachment_pdf(tmp_path / "audit.pdf"))
    settings = Settings(folder, tmp_path / "index", tmp_path / "no-model", chunker=ChunkerParams(max_tokens=96, overlap_tokens=24))
    assistant = make_assistant(settings)
    assistant.update()
    _, passage = top(assistant, "When will the delegation arrive at the airport?")
    assert (passage.doc_id, passage.kind, passage.title) == ("visit.msg", "msg", "Delegation visit")
    assert_offsets_check(assistant, passage)
    mail = assistant.source_text("visit.msg")
    assert "From: Amina Yusuf" in mail and "To: Field Office <office@example.org>" in mail and "Attachments: audit.pdf" in mail
    assert assistant.status().dates["visit.msg"] == ("2024-05-07", "msg Date")
    _, passage = top(assistant, "Where did the vaccination clinic store its vaccines?")
    assert (passage.doc_id, passage.page) == ("visit.msg › audit.pdf", 2)
    assert citation(passage).endswith("visit.msg › audit.pdf p. 2")
    assert_offsets_check(assistant, passage)


def test_an_html_only_mail_is_read_as_its_main_text(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    files.write_eml(folder / "html.eml", html=True)
    documents, skipped = read_corpus_files(folder, ["html.eml"])
    assert skipped == [] and len(documents) == 1
    text = documents[0].text
    assert files.EML_FACT in text and "<p>" not in text and "From: Amina Yusuf <amina@example.org>" in text


def test_an_attachment_goes_with_its_mail_when_the_mail_is_unchanged_changed_or_removed(built, office):
    assistant, report, _ = built
    assert "mail/visit.eml › audit.pdf" in {row.doc_id for row in assistant.load().documents()}
    again = assistant.update()
    assert not again.wrote and assistant.status().up_to_date  # an attachment has no file, yet is not "removed"
    files.write_eml(office / "mail" / "visit.eml")  # the attachment taken out
    changed = assistant.update()
    assert "mail/visit.eml › audit.pdf" in changed.removed and "mail/visit.eml" in changed.changed
    assert "mail/visit.eml › audit.pdf" not in {row.doc_id for row in assistant.load().documents()}


def test_epub_chapters_in_spine_order_with_heading_paths_and_the_book_title(built):
    assistant, _, _ = built
    _, passage = top(assistant, "How many days did the caravan take to cross the salt desert?")
    assert (passage.doc_id, passage.kind, passage.title) == ("book.epub", "epub", "Caravan Journals")
    assert passage.heading_path == "The Desert > Crossing"
    assert_offsets_check(assistant, passage)
    text = assistant.source_text("book.epub")
    assert text.index("Departure") < text.index("The Desert") < text.index("Crossing")
    assert assistant.status().dates["book.epub"] == ("2019-09-01", "epub dc:date")


def test_odt_outline_levels_tables_and_meta(built):
    assistant, _, _ = built
    _, passage = top(assistant, "How many cargo ships did the harbour authority inspect?")
    assert (passage.doc_id, passage.kind, passage.title) == ("harbour.odt", "odt", "Harbour Review")
    assert passage.heading_path == "Ports > Inspections"
    assert_offsets_check(assistant, passage)
    assert "Ship · Flag\nNorthern Star · Panama" in assistant.source_text("harbour.odt")
    assert assistant.status().dates["harbour.odt"] == ("2022-06-15", "odt meta creation-date")


def test_rtf_text_title_and_date(built):
    assistant, _, _ = built
    _, passage = top(assistant, "Where did the orchestra rehearse the symphony?")
    assert (passage.doc_id, passage.kind, passage.title) == ("concert.rtf", "rtf", "Concert Season Notes")
    assert_offsets_check(assistant, passage)
    assert "\\par" not in passage.text and "{" not in assistant.source_text("concert.rtf")
    assert assistant.status().dates["concert.rtf"] == ("2021-02-14", "rtf creatim")


def test_every_chunk_of_every_new_format_indexes_the_text_qa_show_prints(built):
    assistant, _, _ = built
    index = assistant.load()
    for row in index.documents():
        stored = index.store.stored_text(row.doc_id)
        assert stored.kind != "text" and stored.text
    ids = list(range(index.store.chunk_count() + 5))
    for chunk in index.store.chunks(ids).values():
        shown = assistant.source_text(chunk.doc_id, chunk.page)
        assert shown[chunk.char_start : chunk.char_end] == chunk.text
        assert "\f" not in chunk.text


def test_files_of_types_qa_does_not_read_are_counted_and_listed_by_index_and_status(built, qa_cli):
    assistant, report, _ = built
    assert report.unsupported == ("budget.xlsx", "mail/photo.jpg")
    assert assistant.status().unsupported == ("budget.xlsx", "mail/photo.jpg")
    settings = assistant.settings
    code, _, err = qa_cli("index", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir))
    assert code == 0
    assert "qa: not read: 2 files of types qa does not read: .jpg (1), .xlsx (1)\n  budget.xlsx\n  mail/photo.jpg\n" in err
    code, out, _ = qa_cli("status", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir))
    assert code == 0 and "not read: 2 files of types qa does not read" in out and "  not read: mail/photo.jpg" in out
    code, out, _ = qa_cli("status", "--json", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir))
    assert json.loads(out)["unsupported"] == ["budget.xlsx", "mail/photo.jpg"]


def test_qa_show_prints_a_slide_and_an_attachment_page(built, qa_cli):
    assistant, _, _ = built
    settings = assistant.settings
    where = ("--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir))
    code, out, _ = qa_cli("show", "deck.pptx", "--page", "2", *where)
    assert code == 0 and out == assistant.source_text("deck.pptx", 2) and out.startswith("Markets\n\n")
    code, out, _ = qa_cli("show", "mail/visit.eml › audit.pdf", "--page", "2", *where)
    assert code == 0 and files.ATTACHMENT_FACT.split()[0] in out and out == assistant.source_text("mail/visit.eml › audit.pdf", 2)
    code, _, err = qa_cli("show", "report.docx", "--page", "2", *where)
    assert code == 1 and "has no pages (only PDF files and slide decks do)" in err


@pytest.mark.parametrize("name", ["bad.docx", "bad.pptx", "bad.odt", "bad.epub", "bad.rtf", "bad.eml", "bad.msg"])
def test_damaged_files_of_each_type_are_skipped_with_a_reason(tmp_path, office, name):
    source = {".docx": "report.docx", ".pptx": "deck.pptx", ".odt": "harbour.odt", ".epub": "book.epub"}
    suffix = "." + name.split(".")[1]
    raw = (office / source[suffix]).read_bytes()[:300] if suffix in source else b"\x00\x01garbage \xff" * 10
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / name).write_bytes(raw)
    documents, skipped = read_corpus_files(tmp_path / "bad", [name])
    assert documents == [] and len(skipped) == 1
    assert skipped[0].doc_id == name and skipped[0].reason and "Traceback" not in skipped[0].reason


@needs_tesseract
def test_an_image_only_pdf_is_ocrd_page_by_page_while_indexing_and_cited_as_ocr(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    files.write_scanned_pdf(folder / "scan.pdf")
    settings = Settings(folder, tmp_path / "index", tmp_path / "no-model", chunker=ChunkerParams(max_tokens=96, overlap_tokens=24))
    assistant = make_assistant(settings)
    messages = []
    report = assistant.update(progress=messages.append)
    assert "OCR scan.pdf: page 1 of 2" in messages and "OCR scan.pdf: page 2 of 2" in messages
    assert report.skipped == () and report.notes == ()
    answer, passage = top(assistant, "What did the lighthouse keeper record on the night of the fourth of May?")
    assert (passage.doc_id, passage.kind, passage.page, passage.ocr) == ("scan.pdf", "pdf", 2, True)
    assert "violent storm" in passage.text
    assert citation(passage).endswith("scan.pdf p. 2 (OCR)")
    assert_offsets_check(assistant, passage)
    data = answer_to_dict(answer)["passages"][0]
    assert (data["page"], data["ocr"]) == (2, True)
    assert "scan.pdf p. 2 (OCR)" in render_markdown(answer)
    # Answering reads the stored text: no OCR at question time.
    messages.clear()
    assistant.ask("lighthouse storm")
    assert messages == []


def test_without_tesseract_a_scanned_pdf_is_skipped_saying_what_to_install(tmp_path, monkeypatch):
    folder = tmp_path / "corpus"
    folder.mkdir()
    files.write_scanned_pdf(folder / "scan.pdf", pages=1, fact_page=1)
    (folder / "note.txt").write_text("The garden needs water every morning in the dry season.\n", encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no tesseract on PATH, as on a machine without it
    ocr.tesseract_problem.cache_clear()
    try:
        documents, skipped = read_corpus_files(folder, ["note.txt", "scan.pdf"], progress=lambda message: None)
    finally:
        ocr.tesseract_problem.cache_clear()
    assert [d.doc_id for d in documents] == ["note.txt"]  # the rest is indexed
    assert skipped[0].doc_id == "scan.pdf"
    assert "apt-get install tesseract-ocr tesseract-ocr-eng" in skipped[0].reason


@pytest.fixture
def qa_cli(built, capsys):
    """Runs the real `qa` command line in this process on the built index (the fake model stands in)."""
    from dataclasses import replace

    from qa import cli

    settings = built[0].settings

    def run(*args):
        code = cli.main(list(args), assistant_factory=lambda merged: make_assistant(replace(settings, k=merged.k)))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.anyio
async def test_the_chat_cards_and_source_view_show_a_slide_and_an_attachment_page(built, tmp_path, monkeypatch):
    from qa.tui.app import QAApp
    from qa.tui.source import SourceScreen
    from qa.tui.widgets import Exchange, PassageCard, QuestionInput
    from tests.tui_helpers import plain, wait_for

    assistant = built[0]
    monkeypatch.chdir(tmp_path)
    app = QAApp(lambda: make_assistant(assistant.settings), history_path=tmp_path / "h.jsonl", export_dir=tmp_path, environ={})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        for question, cited, page in (
            ("Where did grain prices rise after the drought?", "corpus/deck.pptx slide 2", 2),
            ("Where did the vaccination clinic store its vaccines?", "corpus/mail/visit.eml › audit.pdf p. 2", 2),
        ):
            before = len(app.query(Exchange))
            app.query_one(QuestionInput).focus()
            app.query_one(QuestionInput).value = question
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(app.query(Exchange)) > before and app.query(Exchange).last().answered)
            card = app.query(Exchange).last().query(PassageCard).first()
            assert citation(card.passage) == cited
            card.focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen))
            screen = app.screen
            where = plain(screen.query_one("#source-where"))
            assert where.startswith(cited) and f"--page {page}" in where
            assert plain(screen.query_one("#passage")) == card.passage.text
            page_text = assistant.source_text(card.passage.doc_id, page)
            assert page_text.startswith(plain(screen.query_one("#before")) if screen.query("#before") else "")
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, SourceScreen))
