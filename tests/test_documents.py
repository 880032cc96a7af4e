"""PDF, HTML and Markdown structure: pages and heading paths in citations, offsets that check."""

import json
import sqlite3
from pathlib import Path

import pytest

from qa.ingest.chunker import SPECIAL_TOKENS, chunk_document
from qa.config import ChunkerParams, Settings
from qa.ingest.headings import heading_path_at, markdown_headings, plain_text_headings
from qa.index.generations import STORE_FILE, current_generation
from qa.ingest.loader import load_corpus
from qa.ingest.markdown_text import rendered_chunks
from qa.records import Heading
from qa.render import answer_to_dict, citation, display_path, render_markdown, render_text
from tests.conftest import DEFAULT_CORPUS, make_assistant
from tests.documents import BOILERPLATE_MARKERS, write_article_html, write_manpage_pdf, write_report_pdf, write_typeset_pdf
from tests.fakes import FakeCounter, FakeEmbedder
from tests.test_robustness import make_corpus, qa, write  # noqa: F401  (fixtures)


@pytest.fixture
def mixed(tmp_path):
    """A corpus of a multi-page PDF, a saved web page and a Markdown note."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_report_pdf(folder / "report.pdf")
    (folder / "web").mkdir()
    write_article_html(folder / "web" / "article.html")
    (folder / "notes.md").write_text(
        "# Field notes\n\nThese notes were written during the survey of the eastern districts in spring.\n\n"
        "## Logistics\n\nFuel deliveries arrived every Tuesday from the depot near the river crossing.\n\n"
        "### Vehicles\n\nThe team relied on two pickup trucks and a motorbike for the hill villages.\n\n"
        "```\n# not a heading inside a code block\n```\n\n"
        "## Health\n\nThe clinic vaccinated three hundred children against measles in April.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def built(tmp_path, mixed):
    settings = Settings(mixed, tmp_path / "index", tmp_path / "no-model", chunker=ChunkerParams(max_tokens=96, overlap_tokens=24))
    assistant = make_assistant(settings)
    report = assistant.build()
    return assistant, report


def test_a_pdf_answer_on_page_3_is_cited_with_its_page_and_checkable_offsets(built):
    assistant, _ = built
    answer = assistant.ask("Where was the ceasefire agreement signed?")
    top = answer.passages[0]
    assert top.doc_id == "report.pdf" and top.page == 3 and top.end_page == 3
    assert "signed in Doha" in top.text and "Doha" in top.highlight
    assert top.title == "Regional Field Report"  # the PDF's own title
    assert citation(top).endswith("report.pdf p. 3")
    page_text = assistant.source_text("report.pdf", 3)
    assert page_text[top.char_start : top.char_end] == top.text
    assert top.text in "\n".join(page_text.split("\n")[top.start_line - 1 : top.end_line])  # lines of the page
    data = answer_to_dict(answer)["passages"][0]
    assert (data["page"], data["end_page"], data["kind"], data["heading_path"]) == (3, 3, "pdf", "")


def test_every_pdf_chunk_stays_on_one_page_and_indexes_that_page(built):
    assistant, _ = built
    index = assistant.load()
    db = sqlite3.connect(current_generation(assistant.settings.index_dir) / STORE_FILE)
    rows = db.execute(
        "SELECT c.page, c.char_start, c.char_end, c.text FROM chunks c JOIN documents d ON d.id = c.document_id"
        " WHERE d.doc_id = 'report.pdf'"
    ).fetchall()
    assert {page for page, *_ in rows} == {1, 3, 4, 5}  # page 2 has no text
    for page, start, end, text in rows:
        assert assistant.source_text("report.pdf", page)[start:end] == text
        assert "\f" not in text
    assert index.store.stored_text("report.pdf").text.count("\f") == 4


def test_image_only_pages_are_reported_not_silently_empty(built):
    assistant, report = built
    assert [(n.doc_id, n.reason) for n in report.notes] == [("report.pdf", "page 2 has no text (scanned images?)")]
    assert [(n.doc_id, n.reason) for n in assistant.status().notes] == [("report.pdf", "page 2 has no text (scanned images?)")]
    assert assistant.source_text("report.pdf", 2) == ""


def test_a_two_column_page_reads_column_by_column(built):
    assistant, _ = built
    page = assistant.source_text("report.pdf", 5)
    assert page.index("Left column opens here") < page.index("Right column opens here")
    left_end = page.rindex("harbour inspections")
    assert left_end < page.index("customs tariffs")  # not interleaved line by line
    assert not any("harbour" in line and "customs" in line for line in page.splitlines())


def test_a_web_page_is_indexed_without_its_boilerplate_and_titled_by_its_title(built):
    assistant, _ = built
    index = assistant.load()
    [row] = [d for d in index.store.documents() if d.doc_id == "web/article.html"]
    assert row.title in ("Border Security Assessment", "Border Security Assessment | Example News")
    extracted = assistant.source_text("web/article.html")
    db = sqlite3.connect(current_generation(assistant.settings.index_dir) / STORE_FILE)
    chunk_text = " ".join(text for (text,) in db.execute("SELECT text FROM chunks"))
    for marker in BOILERPLATE_MARKERS:
        assert marker not in extracted.lower() and marker not in chunk_text.lower()
    for gone in ("Home", "Accept all cookies", "Popular posts", "comments", "Copyright"):
        assert gone not in extracted
    assert index.lexical_search(index.analyzer.question_stems("zebracomment zebrapopular zebranav zebracookie"), 10) == []
    assert "improvised devices in crowded bazaars" in extracted


def test_a_web_page_passage_cites_its_heading_path(built):
    assistant, _ = built
    answer = assistant.ask("Where were improvised devices placed in 2023?")
    top = answer.passages[0]
    assert top.doc_id == "web/article.html" and top.kind == "html" and top.page is None
    assert top.heading_path == "Tactics > Urban Terrorism"
    assert assistant.source_text(top.doc_id)[top.char_start : top.char_end] == top.text
    assert citation(top) == f"{display_path(top.file)} (text:{top.start_line}-{top.end_line})" or citation(top) == f"{display_path(top.file)} (text:{top.start_line})"
    text = render_text(answer, width=300)
    assert f"[1] {top.title} › Tactics › Urban Terrorism — {citation(top)}" in text
    assert f"[1] {top.title} › Tactics › Urban Terrorism — `{citation(top)}`" in render_markdown(answer)
    assert answer_to_dict(answer)["passages"][0]["heading_path"] == "Tactics > Urban Terrorism"


def test_markdown_heading_paths_follow_levels_and_skip_code_blocks(built):
    assistant, _ = built
    answer = assistant.ask("How many pickup trucks did the team use?")
    top = answer.passages[0]
    assert top.doc_id == "notes.md" and top.heading_path == "Logistics > Vehicles"
    with open(top.file, encoding="utf-8") as handle:  # .md offsets index the file itself
        assert handle.read()[top.char_start : top.char_end] == top.text
    health = assistant.ask("How many children were vaccinated against measles?").passages[0]
    assert health.heading_path == "Health"


def test_heading_path_at_closes_headings_of_the_same_or_deeper_level():
    headings = (Heading(0, 1, "Report"), Heading(10, 2, "Tactics"), Heading(20, 3, "Urban"), Heading(30, 2, "Outlook"))
    assert heading_path_at(headings, 5, skip_title="Report") == ""
    assert heading_path_at(headings, 5) == "Report"
    assert heading_path_at(headings, 25, skip_title="Report") == "Tactics > Urban"
    assert heading_path_at(headings, 20, skip_title="Report") == "Tactics > Urban"  # a chunk starting at its heading
    assert heading_path_at(headings, 35, skip_title="Report") == "Outlook"
    assert [h.title for h in markdown_headings("# A *b*\n```\n# no\n```\n  ## C ##\n#not\n")] == ["A b", "C"]


def test_the_default_corpus_headings_are_found_and_its_noise_lines_are_not():
    scan = load_corpus(DEFAULT_CORPUS)
    titles = {d.doc_id: [h.title for h in d.headings] for d in scan.documents}
    found = titles["shadow-caliphate-islamic-state-khorasan.txt"]
    for section in (
        "Origins and History",
        "Ideology",
        "Successes and Failures",
        "Tactics, Techniques, and Procedures (TTPs)",
        "The Future of the Threat",
    ):
        assert section in found
    everything = [title for found in titles.values() for title in found]
    for noise in ("Image", "Pages", "9 August 2025", "No comments:", "Post a Comment"):
        assert noise not in everything


def test_restructuredtext_section_titles_are_headings_with_levels_in_order_of_first_style():
    from qa.ingest.headings import rst_headings

    text = (
        "=========\n Project\n=========\n\nIt frobnicates.\n\nInstallation\n============\n\nRun pip.\n\n"
        "Usage\n-----\n\nCall it.\n\n=====  =====\nA      B\n=====  =====\n\nAdvanced\n========\n\nMore.\n"
    )
    found = [(h.level, h.title, text[h.start : h.start + len(h.title)]) for h in rst_headings(text)]
    assert found == [(1, "Project", "Project"), (2, "Installation", "Installation"), (3, "Usage", "Usage"), (2, "Advanced", "Advanced")]


def test_the_model_reads_an_rst_passage_without_its_adornment_lines_and_the_passage_is_the_file(tmp_path):
    from qa.ingest.chunker import chunk_document
    from qa.ingest.loader import read_document
    from qa.ingest.tokens import WordPieceCounter
    from qa.config import default_model_dir

    text = "Retrying Requests\n=================\n\nurllib3 can automatically retry idempotent requests.\n\n=====  =====\nA      B\n=====  =====\n"
    (tmp_path / "guide.rst").write_text(text, encoding="utf-8")
    document = read_document(tmp_path, tmp_path / "guide.rst")
    counter = WordPieceCounter(default_model_dir())
    [chunk] = rendered_chunks(document, chunk_document(document, counter, ChunkerParams()), counter)
    assert chunk.text == text.rstrip("\n") and document.title == "Retrying Requests"
    assert "===" not in chunk.search_text and "urllib3 can automatically retry" in chunk.search_text and "A      B" in chunk.search_text


def test_plain_text_underlined_headings_are_headings_and_the_model_reads_them_without_the_underline(tmp_path):
    from qa.ingest.chunker import chunk_document

    text = (
        "Mozilla Public License Version 2.0\n==================================\n\n1. Definitions\n--------------\n\n"
        "1.1. \"Contributor\" means each individual or legal entity.\n\n"
        "************************************************************************\n"
        "*                                                                      *\n"
        "*  6. Disclaimer of Warranty                                           *\n"
        "*  -------------------------                                           *\n"
        "*                                                                      *\n"
        "*  Covered Software is provided under this License on an as is basis.  *\n"
        "************************************************************************\n\n"
        "The last line of a paragraph\n-----\n\nA rule under a paragraph is no heading.\n"
    )
    (tmp_path / "LICENSE.txt").write_text(text, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    assert [(h.level, h.title) for h in document.headings] == [
        (1, "Mozilla Public License Version 2.0"), (2, "1. Definitions"), (2, "6. Disclaimer of Warranty")
    ]
    assert all(text[h.start :].startswith(h.title) for h in document.headings)
    chunks = rendered_chunks(document, chunk_document(document, FakeCounter(), ChunkerParams()), FakeCounter())
    assert all(document.text[c.char_start : c.char_end] == c.text for c in chunks)  # the file as written
    read = " ".join(chunk.embedded_text for chunk in chunks)
    assert "---" not in read and "===" not in read and "Contributor" in read


def test_plain_text_headings_need_prose_on_both_sides():
    text = "Title line\n\nShort caption\n\nThis paragraph is prose of enough words to count as a real section body, " + (
        "with more words following on. " * 5
    ) + "\n\nNext Part\n\n" + "A section body follows here with many words in it and a full stop at the end. " * 3
    assert [h.title for h in plain_text_headings(text)] == ["Next Part"]


def test_the_heading_path_is_embedded_and_the_budget_still_holds(tmp_path):
    counter = FakeCounter()
    params = ChunkerParams(max_tokens=40, overlap_tokens=8)
    long_heading = "## " + " ".join(f"word{n}" for n in range(30)) + "\n\n"
    text = "# Doc\n\n## Section One\n\n### Sub\n\n" + "Short sentence number one is here. " * 12 + "\n\n" + long_heading + "x " * 80
    (tmp_path / "doc.md").write_text(text, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    chunks = rendered_chunks(document, chunk_document(document, counter, params), counter)  # as the index embeds them
    assert any(c.heading_path == "Section One > Sub" for c in chunks)
    for chunk in chunks:
        assert chunk.n_tokens == counter.count(chunk.embedded_text) + SPECIAL_TOKENS <= params.max_tokens
        assert document.text[chunk.char_start : chunk.char_end] == chunk.text
        if chunk.heading_path:
            assert chunk.embedded_text.startswith(chunk.heading_path + ". ")


def test_qa_show_prints_exactly_what_json_offsets_index(qa, make_corpus):
    write_report_pdf(make_corpus / "report.pdf")
    write_article_html(make_corpus / "article.html")
    code, out, err = qa("ask", "--json", "Where was the ceasefire agreement signed?")
    assert code == 0, err
    assert "warning: report.pdf: page 2 has no text (scanned images?)" in err
    top = json.loads(out)["passages"][0]
    assert top["page"] == 3 and "Doha" in top["text"]
    code, shown, _ = qa("show", top["path"], "--page", str(top["page"]))
    assert code == 0 and shown[top["char_start"] : top["char_end"]] == top["text"]
    code, shown, _ = qa("show", "corpus/article.html")
    assert code == 0 and shown.startswith("Border Security Assessment\n")
    code, _, err = qa("show", "corpus/report.pdf", "--page", "9")
    assert code == 1 and "has 5 pages: pass --page 1 to 5" in err
    code, _, err = qa("show", "corpus/article.html", "--page", "1")
    assert code == 1 and "has no pages" in err
    code, _, err = qa("show", "/etc/passwd")
    assert code == 1 and "is not in the corpus" in err
    code, out, _ = qa("status")
    assert "note:     report.pdf: page 2 has no text (scanned images?)" in out


def test_qa_show_takes_a_whole_citation_pasted_back_and_prints_what_it_cites(qa, make_corpus):
    write_report_pdf(make_corpus / "report.pdf")
    write_article_html(make_corpus / "article.html")
    (make_corpus / "notes.txt").write_text("one\ntwo\nthree\nfour\n", encoding="utf-8")
    assert qa("show", "corpus/report.pdf p. 3")[1] == qa("show", "corpus/report.pdf", "--page", "3")[1]
    pages = qa("show", "corpus/report.pdf pp. 3-4")[1]
    assert pages == qa("show", "corpus/report.pdf", "--page", "3")[1] + qa("show", "corpus/report.pdf", "--page", "4")[1]
    assert qa("show", "corpus/notes.txt:2-3")[1] == "two\nthree"
    assert qa("show", "corpus/notes.txt:4")[1] == "four"
    # A line of `qa ask`'s output, pasted whole: the header, or the citation's own line.
    assert qa("show", "[1] Notes — a list › One — corpus/notes.txt:2-3  (weak match)")[1] == "two\nthree"
    assert qa("show", "    — corpus/report.pdf p. 3")[1] == qa("show", "corpus/report.pdf", "--page", "3")[1]
    html = qa("show", "corpus/article.html")[1]
    assert qa("show", "corpus/article.html (text:1-2)")[1] == "\n".join(html.split("\n")[:2])
    code, out, err = qa("show", "corpus/notes.txt:3-9")
    assert code == 1 and out == "" and "corpus/notes.txt has 4 lines, not 3-9" in err
    (make_corpus / "odd:2").write_text("a file whose name looks like a citation\n", encoding="utf-8")
    assert qa("show", "corpus/odd:2")[1] == "a file whose name looks like a citation\n"


def test_text_output_shows_page_citations(qa, make_corpus):
    write_report_pdf(make_corpus / "report.pdf")
    code, out, _ = qa("ask", "Where was the ceasefire agreement signed?")
    assert code == 0 and out.startswith("[1] Regional Field Report — corpus/report.pdf p. 3\n")


def test_broken_pdf_and_html_are_skipped_with_reasons_and_the_rest_indexes(qa, make_corpus):
    write_report_pdf(make_corpus / "good.pdf")
    write(make_corpus, "truncated.pdf", (make_corpus / "good.pdf").read_bytes()[:300])
    write(make_corpus, "garbage.pdf", b"this is not a pdf at all")
    write(make_corpus, "empty.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>")
    write(make_corpus, "binary.htm", bytes(range(256)) * 4)
    code, out, err = qa("index")
    assert code == 0, err
    for name in ("truncated.pdf", "garbage.pdf", "empty.html", "binary.htm"):
        assert f"warning: skipped {name}: " in err
    assert "now 1 documents" in out


def test_a_pdf_with_no_text_at_all_is_skipped_as_scanned(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50, style="F")
    (tmp_path / "scan.pdf").write_bytes(bytes(pdf.output()))
    (tmp_path / "a.txt").write_text("Some text.\n", encoding="utf-8")
    scan = load_corpus(tmp_path)
    assert [(s.doc_id, s.reason) for s in scan.skipped] == [
        ("scan.pdf", "no text on any of its 1 pages (scanned images? run OCR first)")
    ]


def test_a_long_title_gives_way_to_the_heading_path_and_the_citation_to_a_line_of_its_own():
    import os

    from qa.records import Answer, ChunkRow, Passage

    chunk = ChunkRow(1, "a.txt", "A very long title " * 6, 0, 5, 13, 15, "Hello", heading_path="Origins and History")
    passage = Passage(
        rank=1, chunk=chunk, file=os.path.abspath("corpus/" + "x" * 50 + ".txt"), score=1.0, similarity=0.5,
        highlight_start=0, highlight_end=5, weak=False,
    )
    head, cited = render_text(Answer("q", (passage,), False), width=100).splitlines()[:2]
    assert head.startswith("[1] A very long title A very long") and head.endswith(" A… › Origins and History")
    assert len(head) <= 100 and cited == f"    — corpus/{'x' * 50}.txt:13-15"


def test_a_title_is_cut_at_a_word_and_shares_the_citations_line_when_it_stays_readable():
    import os

    from qa.records import Answer, ChunkRow, Passage

    chunk = ChunkRow(1, "a.txt", "The Islamic State in Afghanistan: A Jihadist Threat in Retreat?", 0, 5, 13, 13, "Hello")
    passage = Passage(rank=1, chunk=chunk, file=os.path.abspath("corpus/" + "y" * 40 + ".txt"), score=1.0,
                      similarity=0.5, highlight_start=0, highlight_end=5, weak=False)
    head = render_text(Answer("q", (passage,), False), width=100).splitlines()[0]
    assert head == f"[1] The Islamic State in Afghanistan: A… — corpus/{'y' * 40}.txt:13"


def test_a_pdf_passage_reflows_its_wrapped_lines_but_keeps_its_list_items_and_hyphens():
    import os

    from qa.records import Answer, ChunkRow, Passage
    from qa.tui.passage_text import passage_body

    # A PDF page's lines, 100 characters wide, shown 96 wide: each would be wrapped again into a ragged pair.
    text = (
        "Magic elements contain a list of match elements, any of which may match, and an optional priority\n"
        "attribute for all of the contained rules. Low numbers should be used for more generic types and de-\n"
        "fault ones. The default priority value is 50, and the maximum is 100.\n"
        "• glob elements\n"
        "• magic elements"
    )
    start = text.index("The default")
    chunk = ChunkRow(1, "spec.pdf", "Spec", 0, len(text), 1, 5, text, page=4)
    passage = Passage(rank=1, chunk=chunk, file=os.path.abspath("spec.pdf"), score=1.0, similarity=0.5,
                      highlight_start=start, highlight_end=text.index("100.") + 4, weak=False)
    body = render_text(Answer("q", (passage,), False), width=100).splitlines()[1:]
    assert body[0] == "    Magic elements contain a list of match elements, any of which may match, and an optional"
    assert body[1] == "    priority attribute for all of the contained rules. Low numbers should be used for more"
    # A word hyphenated at the line's end stays as the page broke it.
    assert body[2:4] == ["    generic types and de-", "    fault ones. ⟦The default priority value is 50, and the maximum is 100.⟧"]
    assert body[4:6] == ["    • glob elements", "    • magic elements"]
    shown = passage_body(passage, "default priority").plain
    assert "optional priority attribute" in shown and "\n• glob elements\n• magic elements" in shown


def test_a_top_heading_the_title_opens_with_is_said_once():
    import os

    from qa.records import ChunkRow, Passage
    from qa.render import heading_trail

    def trail(title, path):
        chunk = ChunkRow(1, "a.html", title, 0, 5, 1, 1, "Hello", heading_path=path)
        return heading_trail(Passage(rank=1, chunk=chunk, file=os.path.abspath("a.html"), score=1.0, similarity=0.5,
                                     highlight_start=0, highlight_end=5, weak=False))

    assert trail("Documentation tests - The rustdoc book", "Documentation tests > Attributes") == "Documentation tests - The rustdoc book › Attributes"
    assert trail("Documentation tests", "Documentation testing > Attributes") == "Documentation tests › Documentation testing › Attributes"


def test_renaming_a_heading_re_embeds_the_chunks_under_it_even_when_their_text_is_unchanged(tmp_path):
    import numpy as np

    from qa.index.local import open_index
    from qa.records import embedded_text
    from tests.fakes import FakeEmbedder

    folder = tmp_path / "corpus"
    folder.mkdir()
    body = " ".join(f"Observation {n} concerns the harbour cranes and their upkeep." for n in range(20))
    note = folder / "note.md"
    note.write_text(f"# Note\n\n## Harbour\n\n{body}\n", encoding="utf-8")
    settings = Settings(folder, tmp_path / "index", tmp_path / "no-model", chunker=ChunkerParams(max_tokens=60, overlap_tokens=0))
    embedder = FakeEmbedder()
    assistant = make_assistant(settings, embedder)
    assistant.build()
    note.write_text(f"# Note\n\n## Port Machinery\n\n{body}\n", encoding="utf-8")
    assert assistant.update().changed == ("note.md",)
    index = open_index(settings.index_dir)
    db = sqlite3.connect(current_generation(settings.index_dir) / STORE_FILE)
    rows = db.execute("SELECT id, heading_path, text FROM chunks ORDER BY ordinal").fetchall()
    assert len(rows) > 2 and {path for _, path, _ in rows} == {"Port Machinery"}
    stored = index.vectors.reconstruct([chunk_id for chunk_id, _, _ in rows])
    expected = embedder.embed_batch([embedded_text(path, text) for _, path, text in rows])
    assert np.allclose(stored, expected, atol=1e-6)  # no vector kept from under the old heading


def test_pdf_pages_of_any_text_chunk_within_their_page():
    from hypothesis import given, settings as hypothesis_settings, strategies as st

    from qa.ingest.extract import PAGE_BREAK
    from qa.ingest.page_layout import page_layouts
    from qa.records import Document

    counter = FakeCounter()
    page_text = st.lists(st.sampled_from(list("ab cd.?!\n\xa0XY,") + ["U.S.", "\n\n", "word ", "# H\n"]), max_size=80).map("".join)

    @hypothesis_settings(max_examples=100, deadline=None)
    @given(pages=st.lists(page_text.map(lambda t: t.replace(PAGE_BREAK, "")), min_size=1, max_size=4), max_tokens=st.integers(4, 30))
    def check(pages, max_tokens):
        starts, offset = [], 0
        for page in pages:
            starts.append(offset)
            offset += len(page) + 1
        text = PAGE_BREAK.join(pages)
        document = Document("r.pdf", "t", text, "h", 1, 0, kind="pdf", page_starts=tuple(starts))
        chunks = chunk_document(document, counter, ChunkerParams(max_tokens=max_tokens, overlap_tokens=2))
        for chunk in chunks:
            page = pages[chunk.page - 1]
            assert page[chunk.char_start : chunk.char_end] == chunk.text
            assert chunk.start_line == page.count("\n", 0, chunk.char_start) + 1
            assert chunk.n_tokens <= max_tokens
        # Every character is in some chunk, but running headers, footers and contents lines (left out on purpose).
        layouts = page_layouts(pages)
        for n, page in enumerate(pages, start=1):
            covered = [False] * len(page)
            for start, end in layouts[n - 1].left_out:
                covered[start:end] = [True] * (end - start)
            for chunk in (c for c in chunks if c.page == n):
                covered[chunk.char_start : chunk.char_end] = [True] * (chunk.char_end - chunk.char_start)
            assert all(covered[i] for i, ch in enumerate(page) if not ch.isspace())

    check()


def test_markdown_of_any_shape_chunks_within_the_budget_with_its_heading_paths():
    from hypothesis import given, settings as hypothesis_settings, strategies as st

    from qa.ingest.contents_lines import heading_list_spans
    from qa.records import Document

    counter = FakeCounter()
    pieces = ["# Top\n", "## Mid part\n", "### Deep deeper deepest heading words\n", "Some text here. ", "More words follow",
              "\n\n", "\n", "```\n", "x ", "U.S. ", "#", "#### ", "!"]

    @hypothesis_settings(max_examples=150, deadline=None)
    @given(text=st.lists(st.sampled_from(pieces), max_size=60).map("".join), max_tokens=st.integers(3, 40))
    def check(text, max_tokens):
        document = Document("d.md", "Top", text, "h", 1, 0, headings=markdown_headings(text))
        chunks = chunk_document(document, counter, ChunkerParams(max_tokens=max_tokens, overlap_tokens=3))
        for chunk in rendered_chunks(document, chunks, counter):  # what the model reads fits the budget
            assert chunk.n_tokens == counter.count(chunk.embedded_text) + SPECIAL_TOKENS <= max_tokens
        covered = [False] * len(text)
        for chunk in chunks:
            assert text[chunk.char_start : chunk.char_end] == chunk.text
            assert not chunk.heading_path or chunk.heading_path.split(" > ")[-1] in text
            covered[chunk.char_start : chunk.char_end] = [True] * (chunk.char_end - chunk.char_start)
        for start, end in heading_list_spans(text, document.headings):  # a contents list is in no chunk
            covered[start:end] = [True] * (end - start)
        assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())

    check()


def test_mangled_pdf_and_html_bytes_are_skipped_quietly_never_fatal(tmp_path, capfd):
    import random

    from qa.ingest.extract import NotExtractable, extract_html, extract_pdf

    pdf = write_report_pdf(tmp_path / "r.pdf").read_bytes()
    html = write_article_html(tmp_path / "a.html").read_bytes()
    rng = random.Random(7)
    for _ in range(60):
        for original, extract in ((pdf, extract_pdf), (html, extract_html)):
            mangled = bytearray(original)
            for _ in range(rng.randint(1, 12)):
                at = rng.randrange(len(mangled))
                if rng.random() < 0.5:
                    mangled[at] = rng.randrange(256)
                else:
                    del mangled[at : at + rng.randint(1, 100)]
            try:
                extract(bytes(mangled))
            except NotExtractable:
                pass  # skipped with a reason: the only failure allowed
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # the core never prints, not even through a library's logger


@pytest.mark.anyio
async def test_the_tui_card_cites_the_pdf_page_and_the_source_view_shows_that_page(settings, tmp_path, monkeypatch):
    from qa.tui.app import QAApp
    from qa.tui.source import SourceScreen
    from qa.tui.widgets import Exchange, PassageCard, QuestionInput
    from tests.tui_helpers import plain, wait_for

    write_report_pdf(settings.corpus_dir / "report.pdf")
    monkeypatch.chdir(tmp_path)
    app = QAApp(lambda: make_assistant(settings), history_path=tmp_path / "h.jsonl", export_dir=tmp_path, environ={})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        app.query_one(QuestionInput).value = "Where was the ceasefire agreement signed in Doha?"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.query(Exchange) and app.query(Exchange).last().answered)
        card = app.query(Exchange).last().query(PassageCard).first()
        assert card.passage.page == 3
        assert plain(card).startswith("corpus/report.pdf p. 3\n")
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen))
        page_text = app.assistant.source_text("report.pdf", 3)
        assert plain(app.screen.query_one("#passage")) == card.passage.text
        passage = card.passage
        assert page_text[passage.char_start : passage.char_end] == passage.text
        # Only that page around the passage: no other page's text, no form feed.
        around = [plain(w) for w in app.screen.query("#before, #after")]
        assert "".join(around) and "\f" not in "".join(around) and "Section 4" not in "".join(around)
        if passage.char_end < len(page_text):
            assert plain(app.screen.query_one("#after")) == page_text[passage.char_end :].lstrip()
        assert "qa show corpus/report.pdf --page 3" in plain(app.screen.query_one("#source-where"))


def test_pdf_bookmarks_give_heading_paths_that_carry_over_pages(tmp_path):
    write_report_pdf(tmp_path / "report.pdf", bookmarks=True)
    [document] = load_corpus(tmp_path).documents
    assert [(h.level, h.title) for h in document.headings] == [(1, "Section 1"), (1, "Section 3"), (2, "Doha talks"), (1, "Section 4")]
    # "Section 3" is found where the page says it; "Doha talks" is not on the page: its top.
    assert document.text[document.headings[1].start :].startswith("Section 3")
    assert document.headings[2].start == document.page_starts[2]
    chunks = chunk_document(document, FakeCounter(), ChunkerParams(max_tokens=96, overlap_tokens=24))
    paths = {(c.page, c.heading_path) for c in chunks}
    assert (3, "Section 3 > Doha talks") in paths and (1, "Section 1") in paths and (4, "Section 4") in paths
    assert {path for page, path in paths if page == 5} == {"Section 4"}  # no bookmark on page 5: still in section 4
    for chunk in chunks:
        assert document.page_text(chunk.page)[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.n_tokens == FakeCounter().count(chunk.embedded_text) + SPECIAL_TOKENS <= 96


def test_a_pdf_without_bookmarks_takes_its_headings_from_their_type_size(tmp_path):
    """Plain LaTeX, Texinfo through dvipdfm or Distiller leave no outline: the lines set
    clearly larger than the text are its headings, levels by size, a wrapped title one
    heading, "Chapter 2" and the title under it one; a figure's label drawn large inside it
    and a displayed formula are not. A title on two lines, right over its first section's
    heading, is no passage of its own: it stays with the text after it."""
    write_typeset_pdf(tmp_path / "spooler.pdf")
    [document] = load_corpus(tmp_path).documents
    assert [(h.level, h.title) for h in document.headings] == [
        (1, "Chapter 2 Queues"),
        (2, "2.1 How the spooler orders the jobs of one queue"),
        (2, "2.2 Limits"),
        (3, "2.2.1 Disk space"),
    ]
    assert document.text[document.headings[2].start :].startswith("2.2 Limits")
    chunks = chunk_document(document, FakeCounter(), ChunkerParams(max_tokens=96, overlap_tokens=24))
    path_of = {c.heading_path for c in chunks if "At most 64 jobs" in c.text} | {c.heading_path for c in chunks if "/var/spool" in c.text}
    assert path_of == {"Chapter 2 Queues > 2.2 Limits", "Chapter 2 Queues > 2.2 Limits > 2.2.1 Disk space"}
    assert any(c.heading_path == "Chapter 2 Queues > 2.1 How the spooler orders the jobs of one queue" for c in chunks if "priority 9" in c.text)
    assert chunks[0].text.startswith("Chapter 2\nQueues\n2.1 How the spooler") and "Priority decides" in chunks[0].text


def test_type_sizes_mark_no_headings_where_large_type_is_text_not_titles():
    """A paragraph set large is not a heading, nor a line of single letters (a figure's
    labels); where much of the text is set large (slides), size marks nothing."""
    from qa.ingest.pdf_type_sizes import SizedLine, sized_headings

    body = "The spooler keeps each job in its queue until a printer is free."
    lines = [body] * 12
    page = "\n".join(["Queues", body, "Large text one", "Large text two", "Large text three", "Large text four", "c d e"] + lines)
    starts = [0]
    for line in page.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    sizes = [16, 10, 14, 14, 14, 14, 16] + [10] * 12
    sized = [SizedLine(start, start + len(line), size, 72.0) for start, line, size in zip(starts, page.split("\n"), sizes)]
    other = "\n".join(["Limits"] + lines)
    other_lines = [SizedLine(0, 6, 16, 72.0)] + [SizedLine(7 + i * (len(body) + 1), 7 + i * (len(body) + 1) + len(body), 10, 72.0) for i in range(12)]
    found = sized_headings([page, other], [sized, other_lines])
    assert [(h.page, h.title) for h in found] == [(0, "Queues"), (1, "Limits")]
    # Slides: over a quarter of the text set large, in sizes each holding less than a quarter.
    slides = [SizedLine(s.start, s.end, (14 if i % 2 else 15) if 7 <= i < 14 else s.size, s.left) for i, s in enumerate(sized)]
    assert sized_headings([page, other], [slides, other_lines]) == ()


def test_a_title_pages_lines_besides_its_title_are_no_headings():
    """ML-Yacc's manual sets "Version 2.4" and its authors large and centred under the title on
    page 1: as headings, "Version 2.4" stood over every passage ("Version 2.4 > 10 Hints")."""
    from qa.ingest.pdf_type_sizes import SizedLine, sized_headings

    prose = "ML-Yacc is a parser generator for Standard ML, modelled on the Yacc of C."
    cover = [("ML-Yacc User's Manual", 20, 200.0), ("Version 2.4", 17, 250.0), ("David R. Tarditi", 14, 240.0)]
    body = [("1 Introduction", 17, 72.0)] + [(prose, 10, 72.0)] * 10 + [("1.1 General", 14, 72.0)] + [(prose, 10, 72.0)] * 10
    pages, lines = [], []
    for rows in (cover, body):
        page_lines, start = [], 0
        for text, size, left in rows:
            page_lines.append(SizedLine(start, start + len(text), size, left))
            start += len(text) + 1
        pages.append("\n".join(text for text, _, _ in rows))
        lines.append(page_lines)
    found = sized_headings(pages, lines)
    assert [(h.page, h.title) for h in found] == [(0, "ML-Yacc User's Manual"), (1, "1 Introduction"), (1, "1.1 General")]


def test_type_sizes_read_the_prose_size_where_code_listings_hold_most_characters():
    """KLU's guide sets 56% of its characters in 9-point listings and its prose at 10.9: the
    text's size is the prose's, and the 14-point section titles are its headings."""
    from qa.ingest.pdf_type_sizes import SizedLine, sized_headings

    prose, code = "The solver factors the matrix once and reuses it.", "x = klu_solve (Symbolic, Numeric, n, 1, b, &Common) ;"
    rows = [("1 Overview", 14)] + [(prose, 10.9)] * 8 + [(code, 9)] * 12 + [("2 Installation", 14)] + [(prose, 10.9)] * 8 + [(code, 9)] * 12
    page = "\n".join(text for text, _ in rows)
    lines, start = [], 0
    for text, size in rows:
        lines.append(SizedLine(start, start + len(text), size, 72.0))
        start += len(text) + 1
    assert [h.title for h in sized_headings([page], [lines])] == ["1 Overview", "2 Installation"]


def test_words_a_pdf_draws_apart_without_space_characters_are_read_apart(tmp_path):
    """Ghostscript prints groff man pages with word gaps as character spacing inside two-letter
    strings, and PDFium reads them as "itisinvokedasa loginshell"; the stored text has the
    spaces the page shows, none inside letter-spaced words, and none where a space character
    shows no gap ("giv en"). Both ways of reading a page (with positions for a bookmark) agree."""
    from qa.ingest.pdf_text import extract_pdf

    lines = ["it is invoked as a login shell", "they are executed in turn"]
    shown = "\n".join(lines + ["SPACED", "given by argument zero"])
    for bookmark in (False, True):
        pdf = write_manpage_pdf(tmp_path / "bash.pdf", lines, "SPACED", ("giv", "en by argument zero"), bookmark=bookmark)
        assert extract_pdf(pdf.read_bytes()).pages == (shown,)
    [document] = load_corpus(tmp_path).documents
    chunks = chunk_document(document, FakeCounter(), ChunkerParams(max_tokens=96, overlap_tokens=24))
    assert any("invoked as a login shell" in chunk.text for chunk in chunks)
    for chunk in chunks:
        assert document.page_text(chunk.page)[chunk.char_start : chunk.char_end] == chunk.text


def test_a_minus_sign_in_pdf_text_is_the_hyphen_minus_a_reader_types():
    from qa.ingest.pdf_text import page_text_of

    # groff draws every option dash of a man page as U+2212 MINUS SIGN; one character for one.
    assert page_text_of("\u2212\u2212login\r\nEquivalent to \u2212l.") == "--login\nEquivalent to -l."


def test_a_tex_fonts_ligatures_without_a_unicode_map_are_read_as_their_letters():
    import pypdfium2

    from qa.ingest.pdf_text import _page_text, page_text_of
    from tests.documents import raw_pdf

    # T1-encoded TeX fonts draw fi as code 0x1C, ff as 0x1B, an en dash as 0x15; PDFium hands the
    # codes over when the font has no ToUnicode map. Between line breaks they are a figure's glyphs.
    data = raw_pdf(rb"BT /F1 12 Tf 72 700 Td (Writing raster\034les is e\033ective, \025no-gui) Tj ET")
    page = pypdfium2.PdfDocument(data)[0]
    for with_lines in (False, True):
        text, _ = _page_text(page, with_lines)
        assert text == "Writing rasterfiles is effective, \u2013no-gui"
    assert page_text_of("a \x1cle\r\n\x1f\r\nend") == "a file\n\x1f\nend"


def test_a_latex_bullet_without_a_unicode_map_is_read_as_a_bullet():
    import pypdfium2

    from qa.ingest.pdf_text import _page_text, page_text_of
    from tests.documents import raw_pdf

    # LaTeX's itemize bullet comes out of PDFium as U+0088, a control character, in 18 of the real
    # sets' manuals ("\x88 Writing SUN rasterfiles"): the citation showed it. One character for one.
    page = pypdfium2.PdfDocument(raw_pdf(rb"BT /F1 12 Tf 72 700 Td (\210 Writing rasterfiles) Tj ET"))[0]
    assert [_page_text(page, with_lines)[0] for with_lines in (False, True)] == ["\u2022 Writing rasterfiles"] * 2
    assert page_text_of("\x88 tol: partial pivoting") == "\u2022 tol: partial pivoting"


def test_a_page_holding_only_its_running_header_and_footer_gives_no_passage():
    from qa.ingest.page_furniture import furniture_spans

    header = "Debian Developer's Reference, Release 12.18"
    says = ["Uploads go to the queue.", "Bugs are tracked in debbugs.", "Mail goes to the list.", "Keys are signed.", "Ports build."]
    text = [f"{header}\n{said}\n{n} Chapter 4. Resources" for n, said in enumerate(says, start=1)]
    blank_before_a_chapter = f"{header}\n6 Chapter 4. Resources"
    pages = text + [blank_before_a_chapter]
    spans = furniture_spans(pages)
    assert [blank_before_a_chapter[a:b] for a, b in spans[5]] == [header, "6 Chapter 4. Resources"]
    assert [pages[0][a:b] for a, b in spans[0]] == [header, "1 Chapter 4. Resources"]
    # Pages of nothing but a line that repeats only on such pages: that line is their text.
    steps = [f"Step {n}" for n in range(1, 5)]
    assert furniture_spans(steps) == ((), (), (), ())


def test_a_two_sided_books_left_and_right_headers_are_each_furniture_on_their_own_side():
    from qa.ingest.page_furniture import furniture_spans

    # HMMER's guide: "46 sean r. eddy" heads the left pages, "hmmer user's guide 47" the right ones,
    # and a chapter opens on a page with neither: each line is on just under half of all pages.
    pages = []
    for n in range(1, 41):
        header = f"{n} sean r. eddy" if n % 2 == 0 else f"hmmer user's guide {n}"
        said = f"The family {'abcdefghijklmnopqrstuvwxyz'[n % 26]}{'xyz'[n // 26]} is searched."  # a word of its own a page
        pages.append(said if n % 10 == 0 else f"{header}\n{said}")
    spans = furniture_spans(pages)
    assert [pages[37][a:b] for a, b in spans[37]] == ["38 sean r. eddy"]
    assert [pages[36][a:b] for a, b in spans[36]] == ["hmmer user's guide 37"]
    assert spans[39] == ()  # the chapter's opening page: its one line is its text


def test_a_front_matter_page_numbered_in_roman_is_framed_by_the_same_running_header():
    from qa.ingest.page_furniture import furniture_spans

    # Texinfo's manuals: "ii Writing DDD Themes" on the blank page after the contents is the
    # header "4 Writing DDD Themes" of the chapters' even pages, numbered in Roman.
    says = ["Themes change the display.", "A theme is a file of VSL code.", "Themes live in a directory.", "Load one from the menu."]
    pages = ["ii Writing DDD Themes", "iii\nTable of Contents\n1 Creating Displays . . . 3"]
    pages += [f"{2 * n + 2} Writing DDD Themes\n{said}" for n, said in enumerate(says)]
    spans = furniture_spans(pages)
    assert [pages[0][a:b] for a, b in spans[0]] == ["ii Writing DDD Themes"]
    assert [pages[2][a:b] for a, b in spans[2]] == ["2 Writing DDD Themes"]
    # A word that only looks like a numeral is a word: "mid" and "did" are not page numbers.
    from qa.ingest.page_furniture import _key
    assert _key("did it work") == "did it work" and _key("vi Writing DDD Themes") == _key("12 Writing DDD Themes")


def _reference_page() -> bytes:
    """A manual page shaped like the Apache httpd manual's: breadcrumb, language bars, an
    in-page table of contents, a "See also" box, permalinks, a directive table, a term list."""
    prose = "The module sets the expiry header of every response from the rules of its directives. " * 3
    languages = ' |\n'.join(f'<a href="../{code}/mod.html" hreflang="{code}">&nbsp;{code}&nbsp;</a>' for code in ("en", "fr", "ja"))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>mod_sample - Sample Server</title></head>
<body>
<a href="#content">Skip to content</a>
<div id="path"><a href="/">Sample</a> &gt; <a href="/server/">Sample Server</a> &gt; <a href="/docs/">Documentation</a></div>
<div id="content"><div id="preamble"><h1>Module mod_sample</h1>
<div class="toplang"><p><span>Available Languages: </span>{languages}</p></div>
<table class="module"><tr><th><a href="dict.html#Description">Description:</a></th><td>Setting of expiry headers</td></tr>
<tr><th><a href="dict.html#Status">Status:</a></th><td><a href="status.html">Extension</a></td></tr></table>
<h3>Summary</h3><p>{prose} See <a href="a.html">the caching guide</a> and <a href="b.html">the header module</a>.</p></div>
<div id="quickview"><h3>Directives</h3><ul id="toc"><li><a href="#sampleactive">SampleActive</a></li>
<li><a href="#sampledefault">SampleDefault</a></li></ul>
<h3>See also</h3><ul class="seealso"><li><a href="changes.html">Changelog</a></li><li><a href="bugs.html">Known issues</a></li></ul></div>
<div class="section"><h2 id="sampleactive">SampleActive Directive <a class="permalink" href="#sampleactive">&para;</a></h2>
<p>{prose}</p>
<p>The directive takes one of these values:</p>
<ul><li><p>On turns the headers on for the realm in question.</p></li><li><p>Off turns them off.</p></li></ul>
<dl><dt>access</dt><dd><p>The time of the client's access is the base time.</p></dd>
<dt>modification</dt><dd><p>The file's last modification time is the base time.</p></dd></dl></div>
<div class="bottomlang"><p><span>Available Languages: </span>{languages}</p></div></div>
</body></html>""".encode()


@pytest.mark.parametrize("reader", ["extract_html", "body without navigation"])
def test_navigation_is_told_by_its_shape_and_left_out_while_tables_terms_and_linked_prose_stay(reader):
    import lxml.html

    from qa.ingest.extract import extract_html
    from qa.ingest.html_text import element_text

    raw = _reference_page()
    # What `qa` indexes, and the body fallback it takes when trafilatura loses part of a page.
    page = extract_html(raw) if reader == "extract_html" else element_text(lxml.html.document_fromstring(raw).find("body"), True)
    for navigation in ("Skip to", "Sample Server >", "Documentation", "Available Languages", " ja", "Known issues", "Changelog", "See also", "SampleDefault"):
        assert navigation not in page.text, navigation
    assert "¶" not in page.text
    assert [(h.level, h.title) for h in page.headings] == [(1, "Module mod_sample"), (3, "Summary"), (2, "SampleActive Directive")]
    assert "Description: · Setting of expiry headers\nStatus: · Extension" in page.text  # a table of linked labels is a table
    assert "See the caching guide and the header module." in page.text  # links inside prose are prose
    # A list item's paragraph stays on its bullet's line, a description right under its term.
    assert "• On turns the headers on for the realm in question." in page.text
    assert "access\nThe time of the client's access is the base time." in page.text
    assert "•\n" not in page.text + "\n"


@pytest.mark.parametrize("reader", ["extract_html", "body without navigation"])
def test_a_table_whose_cells_wrap_their_words_in_paragraphs_keeps_each_row_on_one_line(reader):
    # DocBook and AsciiDoc manuals (tig's, git's) write every cell as <td><p>...</p></td>.
    import lxml.html

    from qa.ingest.extract import extract_html
    from qa.ingest.html_text import element_text

    prose = "Tig is a text-mode interface for git, and these keys act in every view it shows you. " * 3
    html = f"""<html><head><title>tig(1)</title></head><body><div class="content"><h2>Misc</h2><p>{prose}</p>
<table><thead><tr><th><p class="table">Key</p></th><th><p class="table">Action</p></th></tr></thead><tbody>
<tr><td><p class="table">z</p></td><td><p class="table">Stop all background loading.</p><p>Useful in a long history.</p></td></tr>
<tr><td><p class="table">v</p></td><td><p class="table">Show version.</p></td></tr></tbody></table>
<table><tr><td><h3>Layout</h3><p>A page laid out in a table keeps its paragraphs.</p><p>Like this one.</p></td></tr></table>
</div></body></html>""".encode()
    page = extract_html(html) if reader == "extract_html" else element_text(lxml.html.document_fromstring(html).find("body"), True)
    assert "Key · Action\nz · Stop all background loading. Useful in a long history.\nv · Show version." in page.text
    assert "keeps its paragraphs.\n\nLike this one." in page.text


def test_a_reference_page_keeps_every_entry_trafilatura_drops():
    # Jinja's Sphinx page on its sandbox (tests/real_documents_sixth): trafilatura, favouring
    # precision, kept nine tenths of its words but dropped is_safe_callable's whole entry.
    from qa.ingest.extract import extract_html

    raw = (Path(__file__).parent / "real_documents_sixth" / "jinja2-sandbox.html").read_bytes()
    page = extract_html(raw)
    assert "Check if an object is safely callable." in page.text
    assert "This also recognizes the Django convention of setting func.alters_data = True." in page.text
    assert "Quick search" not in page.text and "Navigation" not in page.text  # the sidebar stays out


@pytest.mark.parametrize("reader", ["extract_html", "body without navigation"])
def test_a_sidebar_of_the_documents_own_text_stays_while_a_sites_sidebar_goes(reader):
    # The Debian Administrator's Handbook (DocBook through Publican, tests/real_documents_fortyfirst)
    # puts whole paragraphs of advice in <sidebar>s ("TIP apt --reinstall"): all nine were lost.
    import lxml.html

    from qa.ingest.extract import extract_html
    from qa.ingest.html_text import element_text

    prose = "With APT, packages can be added or removed from the system with apt install and apt remove. " * 3
    html = f"""<html><head><title>Installing and Removing</title></head><body>
<div class="sidebar"><ul><li><a href="a.html">Home</a></li><li><a href="b.html">Download</a></li></ul>
<p>Search the site</p></div>
<div class="section"><h2>6.2.2. Installing and Removing</h2><p>{prose}</p>
<div class="sidebar"><div class="titlepage"><p class="title"><strong>TIP apt --reinstall</strong></p></div>
<div class="para">The packaging system finds that the package is already installed and politely refuses to reinstall it.</div>
<div class="para">These commands will not restore the configuration files.</div></div>
<aside class="sidebar"><p class="sidebar-title">Docutils sidebar</p><p>A sidebar directive of reStructuredText says this.</p></aside>
<p>{prose}</p></div></body></html>""".encode()
    page = extract_html(html) if reader == "extract_html" else element_text(lxml.html.document_fromstring(html).find("body"), True)
    assert "politely refuses to reinstall it." in page.text
    assert "These commands will not restore the configuration files." in page.text
    assert "A sidebar directive of reStructuredText says this." in page.text
    assert "Download" not in page.text and "Search the site" not in page.text


def test_a_heading_of_markup_left_over_is_no_heading_and_no_title():
    from qa.ingest.extract import extract_html

    prose = "Black reads the configuration from the pyproject.toml file of the project it formats. " * 4
    html = f"""<html><head><title>) &#8212; Black 23.1.0 documentation</title></head><body><div class="body" role="main">
<section id="x"><p>{prose}</p><section id="id21"><h1>)<a class="headerlink" href="#id21" title="Permalink">¶</a></h1>
<p>{prose}</p><h2>Lookup hierarchy<a class="headerlink" href="#lookup">¶</a></h2><p>{prose}</p></section></section></div></body></html>"""
    page = extract_html(html.encode())
    assert page.title == "Black 23.1.0 documentation"
    assert [h.title for h in page.headings] == ["Lookup hierarchy"]
    assert ")" not in page.text and "¶" not in page.text


def test_a_page_without_heading_tags_has_its_bold_or_underlined_lines_for_headings():
    # Seaview's hand-written help (tests/real_documents_thirtysixth): "<center><u><b>File Menu</b></u></center>"
    # over each part, no <h1>-<h6>; every passage had no heading path.
    from qa.ingest.extract import extract_html

    prose = "Seaview reads alignments in the formats the program knows and writes them back the same way. " * 3
    html = f"""<html><head><title>Seaview on-line help</title></head><body>
<center><u><b>File Menu</b></u></center><p>{prose}</p><p><b>Apply</b>: applies the changes now.</p>
<hr><center><b><u>Edit Menu</u></b></center><p>{prose}</p><p><b>Note that the program exits.</b></p>
<p><b>Tree</b> windows are <b>drawn</b> here.</p></body></html>"""
    page = extract_html(html.encode())
    # Not a label with its text ("Apply: ..."), a bold sentence, or a paragraph with some bold words.
    assert [h.title for h in page.headings] == ["File Menu", "Edit Menu"]
    assert page.text[page.headings[1].start :].startswith("Edit Menu\n")
    # A page with heading tags keeps to them: its bold lines are labels under its headings.
    tagged = extract_html(html.replace("<center><u><b>File Menu</b></u></center>", "<h1>File Menu</h1>").encode())
    assert [h.title for h in tagged.headings] == ["File Menu"]


def test_a_tex_converted_page_is_titled_without_tex_markup_and_its_contents_heading_holds_no_section(tmp_path):
    # TtH's own manual (tests/real_documents_thirtysixth): <title> \\TtH: a ``\\TeX to HTML'' translator.</title>,
    # then <h1>Contents</h1> over the list and <h2> chapters: every passage's path began "Contents > ".
    from qa.ingest.chunker import chunk_document

    prose = "The HTML files that TtH produces are encoded using the charset ISO-8859-1 as most web files are. " * 3
    html = f"""<html><head><title> \\TtH: a ``\\TeX to HTML'' translator.</title></head><body>
<h1>Contents</h1><a href="#s1">1 Browser problems</a><br><a href="#s2">2 Server problems</a>
<h2>1 Browser problems</h2><p>{prose}</p><h2>2 Server problems</h2><h3>2.1 Web servers</h3><p>{prose}</p></body></html>"""
    (tmp_path / "tth.html").write_text(html, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    assert document.title == 'TtH: a "TeX to HTML" translator.'
    paths = {chunk.heading_path for chunk in chunk_document(document, FakeCounter(), ChunkerParams())}
    assert "2 Server problems > 2.1 Web servers" in paths and not any(path.startswith("Contents >") for path in paths)


def test_an_mdbook_page_keeps_its_linked_headings_and_drops_its_hidden_help_popup():
    # mdBook (the Rust books, many projects' manuals) links every heading to itself with
    # class "header", and opens each page with a keyboard-help popup that scripts show.
    from qa.ingest.extract import extract_html

    prose = "Rustdoc runs the examples of your documentation as tests, so they stay up to date and working. " * 3
    html = f"""<html><head><title>Documentation tests - The rustdoc book</title></head><body>
<div id="mdbook-help-container"><div id="mdbook-help-popup"><h2 class="mdbook-help-title">Keyboard shortcuts</h2>
<p>Press <kbd>S</kbd> or <kbd>/</kbd> to search in the book</p></div></div>
<div class="menu-bar"><h1 class="menu-title">The rustdoc book</h1></div>
<p style="display: none">Loading the search index</p><p hidden>Collapsed</p>
<div id="mdbook-content" class="content"><main>
<h1 id="documentation-tests"><a class="header" href="#documentation-tests">Documentation tests</a></h1><p>{prose}</p>
<h2 id="attributes"><a class="header" href="#attributes">Attributes</a></h2><p>Code blocks can be annotated with ignore, so rustdoc does not run them.</p>
</main></div></body></html>"""
    page = extract_html(html.encode())
    assert page.title == "Documentation tests - The rustdoc book"
    assert [h.title for h in page.headings][-2:] == ["Documentation tests", "Attributes"]
    assert "Attributes\n\nCode blocks can be annotated" in page.text
    assert not any(hidden in page.text for hidden in ("Keyboard shortcuts", "Press S", "Loading the search", "Collapsed"))


def test_hidden_text_is_left_out_whichever_reading_of_the_page_is_kept():
    # An article page, whose main text trafilatura finds, with a hidden paragraph in it; and a
    # body a script hides while it starts, which is still the page.
    from qa.ingest.extract import extract_html

    prose = "The daemon reads its settings from the file in /etc when it starts, and again on SIGHUP. " * 4
    html = f"""<html><head><title>Daemon guide</title></head><body aria-hidden="true"><article><h1>Daemon guide</h1>
<p>{prose}</p><p hidden>Draft note for the editors only</p><p style="display:none">Loading comments</p><p>{prose}</p>
</article></body></html>"""
    page = extract_html(html.encode())
    assert "The daemon reads its settings" in page.text
    assert "Draft note" not in page.text and "Loading comments" not in page.text


def test_a_permalink_mark_kept_as_text_leaves_the_heading_but_a_titles_own_hash_stays():
    # trafilatura keeps a link's text: Node.js's "#" after each heading came out as "Path#".
    from lxml import etree

    from qa.ingest.html_text import element_text

    xml = """<doc><main><head rend="h2">Path#</head><p>The node:path module works with file paths.</p>
<head rend="h3">Using C#</head><p>Paths in C# programs look alike.</p></main></doc>"""
    read = element_text(etree.fromstring(xml), heading_titles=frozenset({"Path", "Using C#"}))
    assert [h.title for h in read.headings] == ["Path", "Using C#"]
    assert read.text.startswith("Path\n\nThe node:path module") and "Using C#\n" in read.text


README_WITH_CHANGELOG = """[![Build](https://ci.example.org/badge.svg)](https://ci.example.org)

# sampletool

sampletool reads settings from a `.conf` file and exports them as environment variables.

- [Usage](#usage)
- [Changelog](#changelog)

## Usage<a name="usage"></a>

By default, `load_settings()` will:

- Read each key-value pair and add it to `os.environ`.
- **Not override** existing variables (`override=False`). Pass `override=True` to override them.

See the [configuration guide](https://example.org/guide) for more.

### Disable `load_settings`

Set `SAMPLETOOL_DISABLED=1` to switch loading off in production without changing code.

# Changelog

## [1.0.0] - 2023-02-24

### Fixed

- The loader no longer overrides variables that are already set ([#12]).

[1.0.0]: https://example.org/compare/v0.9.0...v1.0.0
[#12]: https://example.org/issues/12
"""
_MARKDOWN_SYNTAX = ("**", "`", "](", "<a", "http", "[", "\n#", "##")


def test_markdown_headings_are_their_rendered_words_and_a_changelog_says_so_in_its_path(tmp_path):
    from qa.ingest.titles import markdown_title

    (tmp_path / "README.md").write_text(README_WITH_CHANGELOG, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    assert [(h.level, h.title) for h in document.headings] == [
        (1, "sampletool"), (2, "Usage"), (3, "Disable load_settings"), (1, "Changelog"), (2, "1.0.0 - 2023-02-24"), (3, "Fixed")
    ]
    assert markdown_title("[![b](https://ci.example.org/b.svg)](https://ci.example.org)\n\n# The `load_dotenv` *guide*\n") == "The load_dotenv guide"
    chunks = rendered_chunks(document, chunk_document(document, FakeCounter(), ChunkerParams(max_tokens=96, overlap_tokens=24)), FakeCounter())
    paths = {chunk.heading_path for chunk in chunks}
    assert "Changelog > 1.0.0 - 2023-02-24 > Fixed" in paths and "Usage" in paths
    for chunk in chunks:
        assert document.text[chunk.char_start : chunk.char_end] == chunk.text  # the file's own text, syntax and all
        assert not any(syntax in chunk.embedded_text for syntax in _MARKDOWN_SYNTAX), chunk.embedded_text
        assert chunk.n_tokens == FakeCounter().count(chunk.embedded_text) + SPECIAL_TOKENS <= 96
    read = " ".join(chunk.embedded_text for chunk in chunks)
    assert "- Not override existing variables (override=False)." in read and "See the configuration guide for more." in read
    # What a reader never sees is no passage: the link definitions, the badge row, the contents list.
    assert not any(chunk.text.startswith(("[1.0.0]:", "[![Build]", "- [Usage]")) for chunk in chunks)


class _RecordingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.read: list[str] = []

    def embed_batch(self, texts):
        self.read += texts
        return super().embed_batch(texts)


def test_the_model_reads_a_markdown_passage_without_its_syntax_and_the_passage_is_the_file(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "README.md").write_text(README_WITH_CHANGELOG, encoding="utf-8")
    embedder = _RecordingEmbedder()
    assistant = make_assistant(Settings(folder, tmp_path / "index", tmp_path / "no-model"), embedder)
    assistant.build()
    # Each sentence is read at its place in the rendered text (the fake embeds each alone).
    assert "- Not override existing variables (override=False)." in embedder.read
    assert not any("**" in text or "https://" in text for text in embedder.read)
    top = assistant.ask("Does sampletool override existing variables?").passages[0]
    assert "**Not override** existing variables" in top.text
    with open(top.file, encoding="utf-8") as handle:
        assert handle.read()[top.char_start : top.char_end] == top.text
    db = sqlite3.connect(current_generation(assistant.settings.index_dir) / STORE_FILE)
    assert not [text for (text,) in db.execute("SELECT text FROM chunks") if text.startswith("[1.0.0]:")]


def test_plain_text_numbered_sections_are_headings_and_its_contents_list_is_in_no_chunk(tmp_path):
    from qa.ingest.chunker import chunk_document

    answer = "It is not a requirement of the license, but we strongly recommend you have one. " * 3
    text = (
        "OFL FAQ - Frequently Asked Questions\n\nCONTENTS OF THIS FAQ\n1  USING FONTS\n2  ABOUT THE FONTLOG\n"
        "APPENDIX A - FONTLOG EXAMPLE\n\n"
        f"1  USING FONTS\n\n1.1  Can I use the fonts for a book?\nYes. {answer}\n\n"
        "1.1.1  Is any kind of acknowledgement required?\nNo. Font authors may appreciate being mentioned.\n\n"
        f"2  ABOUT THE FONTLOG\n\n2.1  Is the FONTLOG required? It is asked often.\n{answer}\n\n"
        "Steps to follow:\n\n1. Write it.\n\n2. Ship it.\n\n"
        f"APPENDIX A - FONTLOG EXAMPLE\n\nHere is an example of the recommended format. {answer}\n"
    )
    (tmp_path / "OFL-FAQ.txt").write_text(text, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    assert [(h.level, h.title) for h in document.headings] == [
        (1, "1 USING FONTS"), (2, "1.1 Can I use the fonts for a book?"), (3, "1.1.1 Is any kind of acknowledgement required?"),
        (1, "2 ABOUT THE FONTLOG"), (2, "2.1 Is the FONTLOG required? It is asked often."), (1, "APPENDIX A - FONTLOG EXAMPLE"),
    ]
    chunks = chunk_document(document, FakeCounter(), ChunkerParams())
    assert "CONTENTS" not in " ".join(chunk.text for chunk in chunks)
    [required] = [chunk for chunk in chunks if "2.1  Is the FONTLOG" in chunk.text]
    assert required.heading_path == "2 ABOUT THE FONTLOG > 2.1 Is the FONTLOG required? It is asked often."


def test_a_markdown_faqs_list_of_links_to_its_questions_is_in_no_chunk(tmp_path):
    from qa.ingest.chunker import chunk_document

    # sysstat's FAQ.md: its questions are no headings ("1.1.<a name="1_1"></a> When I compile ..."),
    # and its contents list repeats each one word for word behind a link to it: it ranked first.
    answer = "A: The msgfmt command belongs to the GNU gettext package, so configure with NLS disabled. " * 2
    text = (
        "## Welcome to the FAQ!\n\n### Table of contents\n\n**[1. General questions](#general)**\n\n"
        "[1.1.](#1_1) When I compile sysstat, it fails with: `make: msgfmt: Command not found`  \n"
        "[1.2.](#1_2) When I try to compile sysstat, it cannot find some include files.  \n"
        "[1.3.](#1_3) What are the units actually used by sysstat commands?  \n\n---\n\n"
        '### 1. General questions<a name="general"></a>\n\n'
        f'1.1.<a name="1_1"></a> When I compile sysstat, it fails with: `make: msgfmt: Command not found`\n{answer}\n\n'
        f'1.2.<a name="1_2"></a> When I try to compile sysstat, it cannot find some include files.\n{answer}\n\n'
        "See [the units](#1_3) for what the numbers mean, and the manual pages for the rest.\n"
    )
    (tmp_path / "FAQ.md").write_text(text, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    chunks = chunk_document(document, FakeCounter(), ChunkerParams())
    shown = " ".join(chunk.text for chunk in chunks)
    assert "[1.1.](#1_1)" not in shown and "Table of contents" not in shown
    assert shown.count("When I compile sysstat") == 1  # the question where it is answered
    assert "See [the units](#1_3)" in shown  # a sentence linking to its own page is text


def test_numbered_questions_ruled_off_from_each_other_are_headings_and_their_list_is_in_no_chunk(tmp_path):
    from qa.ingest.chunker import chunk_document

    # Exuberant Ctags' FAQ: a rule, not a blank line, stands above each question, and its
    # contents list ("* 13.  Why does appending tags ...") ranked first for the question.
    rule = "  " + "-" * 70 + "\n"
    answer = "The answer says what to do about it at some length, as answers in this FAQ do, over a few lines. " * 2
    questions = ["Why do you call it Exuberant Ctags?", "Why does appending tags to a tag file take so long?", "What is Vim?"]
    text = "Frequently Asked Questions\n==========================\n\n"
    text += "".join(f"    * {n}.  {q}\n" for n, q in enumerate(questions, 1)) + "\n"
    text += "".join(f"{rule}{n}.  {q}\n\n{answer}\n\n" for n, q in enumerate(questions, 1))
    (tmp_path / "ctags-faq.txt").write_text(text, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    assert [h.title for h in document.headings if h.title[0].isdigit()] == [f"{n}. {q}" for n, q in enumerate(questions, 1)]
    chunks = chunk_document(document, FakeCounter(), ChunkerParams())
    assert "* 2." not in " ".join(chunk.text for chunk in chunks)
    [slow] = [chunk for chunk in chunks if "2.  Why does appending" in chunk.text]
    assert slow.heading_path.endswith("2. Why does appending tags to a tag file take so long?")


def test_an_faq_that_sets_its_questions_out_left_of_their_answers_has_them_as_headings():
    from qa.ingest.headings import plain_text_headings

    # tcsh's FAQ, a web page saved as text: questions indented by two, answers by three.
    answer = "   The answer says what to do about it at some length, over two lines of the\n   text, as answers do.\n"
    text = ("FAQ\n\n   For the people who do not read the manual!\n\n"
            f"  Why is the meta key broken in tcsh-5.20 and up?\n\n{answer}\n"
            f"  Where can I get csh sources?\n\n{answer}\n"
            f"  I am trying to compile tcsh and I am getting compile errors that look\n  like:\n\n{answer}\n"
            f"  How can I use the arrow keys with hpterm?\n\n{answer}\n   Is this a question inside an answer?\n\n{answer}")
    assert [h.title for h in plain_text_headings(text)] == [
        "Q: Why is the meta key broken in tcsh-5.20 and up?", "Q: Where can I get csh sources?",
        "Q: I am trying to compile tcsh and I am getting compile errors that look like:",
        "Q: How can I use the arrow keys with hpterm?",
    ]
    # Two questions set out are no such FAQ: a question of a paragraph may stand out by chance.
    assert plain_text_headings(text.split("  I am trying")[0]) == ()


def test_an_faq_that_underlines_its_parts_and_numbers_its_questions_has_both_as_headings():
    # rkhunter's FAQ: parts underlined, questions numbered "1.1)", some wrapped over a hanging
    # indent, some asking about the text under them ("What does the following warning mean:").
    answer = "A.   The answer says what to do about it at some length, over two lines of\n     the text, as answers do.\n\n"
    text = (
        "ROOTKIT HUNTER FAQ\n==================\n\n1. GENERAL QUESTIONS\n--------------------\n\n"
        f"1.1) What is Rootkit Hunter?\n\n{answer}"
        f"1.2) Rootkit Hunter tells me there is something wrong with my\n     system. What do I do?\n\n{answer}"
        f"1.3) What does the following warning mean:\n\n       Warning: this system is not supported!\n\n{answer}"
        "2. USAGE QUESTIONS\n------------------\n\n"
        f"2.1) Can rkhunter handle filenames with spaces in them?\n\n{answer}"
    )
    assert [(h.level, h.title) for h in plain_text_headings(text)] == [
        (1, "ROOTKIT HUNTER FAQ"), (2, "1. GENERAL QUESTIONS"), (3, "1.1) What is Rootkit Hunter?"),
        (3, "1.2) Rootkit Hunter tells me there is something wrong with my system. What do I do?"),
        (3, "1.3) What does the following warning mean:"),
        (2, "2. USAGE QUESTIONS"), (3, "2.1) Can rkhunter handle filenames with spaces in them?"),
    ]


def test_a_markdown_details_summary_heads_the_answer_under_it():
    text = (
        "# Frequently Asked Questions\n\n<details>\n<summary>\nHow do I use Scalene with Django?\n</summary>\n\n"
        "Pass in the `--noreload` option.\n</details>\n\n<details><summary><b>Does it work on Windows?</b></summary>\n\nYes.\n"
        "</details>\n\n```html\n<summary>Not a heading: code</summary>\n```\n"
    )
    assert [(h.level, h.title) for h in markdown_headings(text)] == [
        (1, "Frequently Asked Questions"), (2, "How do I use Scalene with Django?"), (2, "Does it work on Windows?"),
    ]
    assert text[markdown_headings(text)[1].start :].startswith("<summary>")
    # A "<summary>" written about in a sentence, never closed, leaves the headings after it be.
    about = "# HTML\n\nWrap the title in `<summary>` to show it folded.\n\n## Lists\n\nText.\n\n## Tables\n\nText.\n"
    assert [h.title for h in markdown_headings(about)] == ["HTML", "Lists", "Tables"]
    unclosed = "# FAQ\n\n<summary>Broken\n\nno close here\n\nstill none\n\n## Later\n\nText.\n"
    assert [h.title for h in markdown_headings(unclosed)] == ["FAQ", "Later"]


def test_numbered_headings_need_an_outline_and_a_licence_titles_its_sections_by_their_run_in_words():
    from qa.ingest.headings import numbered_headings

    body = "This section is long enough to be a section of a licence and not an item of a list. " * 3
    licence = "".join(f"\n   {n}. {title}. Subject to the terms of this License, you may.\n{body}\n" for n, title in
                      enumerate(["Definitions", "Grant of Copyright License", "Redistribution"], 1))
    assert [h.title for h in numbered_headings("Apache License\n" + licence)] == [
        "1. Definitions", "2. Grant of Copyright License", "3. Redistribution"
    ]
    # An initialism's full stops do not end a run-in title: without "11" the outline stopped at 10 (Intel's EULA).
    rights = licence + f"\n4.\tU.S. GOVERNMENT RESTRICTED RIGHTS. The technical data is commercial.\n{body}\n"
    assert numbered_headings("Apache License\n" + rights)[-1].title == "4. U.S. GOVERNMENT RESTRICTED RIGHTS"
    steps = "Install:\n\n1. Download the tarball\n\n2. Unpack it\n\n3. Run make\n\nThat is all.\n"
    assert numbered_headings(steps) == ()  # a numbered list, its items short
    unordered = "Intro\n\n3. Later\n" + body + "\n\n1. First\n" + body + "\n\n7. Other\n" + body
    assert numbered_headings(unordered) == ()  # no outline: 1 alone
    wrapped = "".join(f"\n{n}. Make sure that the tool {n} and its helper\n   are installed. {body}\n" for n in (1, 2, 3))
    assert numbered_headings("Steps\n" + wrapped) == ()  # each item's sentence wraps: no title stands on its line


def test_texts_joined_in_one_file_each_number_their_sections_afresh():
    # Gurobi's EULA, then its third-party notices (tests/real_documents_fortyfirst): only the
    # longest outline, NVIDIA's, was taken, so Gurobi's "7.5. Governing Law" headed nothing.
    from qa.ingest.headings import numbered_headings

    body = "This section is long enough to be a section of a licence and not an item of a list. " * 3

    def outline(numbers: list[str], indent: str = "") -> str:
        return "".join(f"\n{indent}{number} Clause {number.rstrip('.')} here\n\n{body}\n" for number in numbers)

    contents = "Contents\n\n1. Clause 1 here\n1.1. Clause 1.1 here\n2. Clause 2 here\n2.1. Clause 2.1 here\n"
    own = outline(["1.", "2.", "2.1.", "2.2.", "3."])
    notices = "\nTHIRD-PARTY NOTICES\n" + outline(["1.", "1.1.", "1.2.", "1.3.", "2.", "2.1.", "2.2.", "2.3."])
    titles = [h.title for h in numbered_headings("END-USER LICENSE AGREEMENT\n\n" + own + notices)]
    assert titles[:5] == ["1. Clause 1 here", "2. Clause 2 here", "2.1. Clause 2.1 here", "2.2. Clause 2.2 here", "3. Clause 3 here"]
    assert len(titles) == 13
    # Not another outline: a table of contents repeating the sections' titles, a list indented inside a section.
    main = outline(["1.", "1.1.", "1.2.", "2.", "2.1.", "2.2."])
    assert len(numbered_headings("Manual\n\n" + contents + main)) == 6
    listed = "\n3. Clause 3 here\n\n    The factor depends on these:\n" + outline(["1.", "2.", "3."], "    ")
    assert len(numbered_headings("Manual\n\n" + main + listed)) == 7


def test_a_licences_articles_head_its_numbered_clauses_and_a_clause_whose_sentence_wraps_is_no_heading():
    # CeCILL numbers "Article 3 - ACCEPTANCE" and, under "Article 4", "4.1 EFFECTIVE DATE": only
    # the subsections were numbers, and without their articles they made no outline at all.
    from qa.ingest.headings import numbered_headings

    clause = "The Licensee shall be deemed as having accepted the terms and conditions of this Agreement.\n"
    licence = (
        "CeCILL FREE SOFTWARE LICENSE AGREEMENT\n\n    Article 1 - DEFINITIONS\n\n" + clause * 3
        + "\n    Article 2 - ACCEPTANCE\n\n" + clause * 3
        + "\n    Article 3 - EFFECTIVE DATE AND TERM\n\n      3.1 EFFECTIVE DATE\n\n" + clause
        + "\n      3.2 TERM\n\n" + clause
        + "\n    Article 4 - RELATED SERVICES\n\n4.1 Under no circumstances shall the Agreement oblige the Licensor to\n"
        + "provide technical assistance or maintenance services for the Software.\n"
    )
    assert [(h.level, h.title) for h in numbered_headings(licence)] == [
        (1, "Article 1 - DEFINITIONS"), (1, "Article 2 - ACCEPTANCE"), (1, "Article 3 - EFFECTIVE DATE AND TERM"),
        (2, "3.1 EFFECTIVE DATE"), (2, "3.2 TERM"), (1, "Article 4 - RELATED SERVICES"),
    ]  # "4.1 Under no circumstances..." runs on into its next line: a sentence, not a title


def test_a_markdown_list_of_links_to_its_own_headings_is_in_no_chunk(tmp_path):
    from qa.ingest.chunker import chunk_document

    prose = "A paragraph that says something about this part, at some length. " * 3
    text = ("# tool\n\nIntro words.\n\n- [Getting Started](#getting-started)\n- [Other Use Cases](#other-use-cases)\n"
            "  - [File format](#file-format)\n\n## Getting Started\n\n" + prose + "\n\n## Other Use Cases\n\n" + prose
            + "\n\n### File format\n\n" + prose + "\n")
    (tmp_path / "README.md").write_text(text, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    chunks = chunk_document(document, FakeCounter(), ChunkerParams())
    assert "#getting-started" not in " ".join(chunk.text for chunk in chunks) and "Intro words." in chunks[0].text


def test_a_manual_numbering_sections_afresh_in_each_chapter_has_them_under_their_chapter():
    from qa.ingest.headings import numbered_headings

    prose = "Mutt is a small but very powerful text-based mail client for the power user. " * 3
    text = (
        "The Mutt E-Mail Client\n\nTable of Contents\n\n1. Introduction\n    1. Mutt Home Page\n2. Getting Started\n\n"
        f"Chapter 1. Introduction\n\nTable of Contents\n\n1. Mutt Home Page\n2. Mailing Lists\n\n{prose}\n\n"
        f"1. Mutt Home Page\n\n{prose}\n\n2. Mailing Lists\n\n{prose}\n\n"
        f"Chapter 2. Getting Started\n\n1. Core Concepts\n\n{prose}\n\n2. Screens and Menus\n\n{prose}\n\n2.1. Index\n\n{prose}\n"
    )
    found = [(h.level, h.title, text.count("\n", 0, h.start)) for h in numbered_headings(text)]
    assert [(level, title) for level, title, _ in found] == [
        (1, "Chapter 1. Introduction"), (2, "1. Mutt Home Page"), (2, "2. Mailing Lists"),
        (1, "Chapter 2. Getting Started"), (2, "1. Core Concepts"), (2, "2. Screens and Menus"), (3, "2.1. Index"),
    ]
    assert found[1][2] > text.count("\n", 0, text.index(prose))  # the section, not its line in the chapter's contents
    gpl = "".join(f"\n  {n}. {title}.\n\n{prose}\n" for n, title in enumerate(["Definitions", "Source Code", "Basic Permissions"]))
    assert [h.title for h in numbered_headings("TERMS AND CONDITIONS\n" + gpl)][0] == "0. Definitions"


def test_an_faqs_q_paragraphs_head_their_answers_under_the_section_they_sit_in():
    text = (
        "USING PGP FROM WITHIN MUTT\n\n\nFrequently Asked Questions\n--------------------------\n\n"
        "Q: \"People are sending PGP messages which mutt doesn't\n    recognize.  What can I do?\"\n\n"
        "The new way is to use mutt's check-traditional-pgp function.\n\n"
        "Q: \"My PGP signatures are being invalidated.\"\n\nUse a newer version of the server.\n"
    )
    assert [(h.level, h.title) for h in plain_text_headings(text)] == [
        (1, "Frequently Asked Questions"),
        (2, "Q: People are sending PGP messages which mutt doesn't recognize. What can I do?"),
        (2, "Q: My PGP signatures are being invalidated."),
    ]
    steps = "Steps\n\nQ. Run it.\n\nQ. Stop it.\n\nQ. Run it again.\n"  # "Q." numbering a list, nothing asked
    assert plain_text_headings(steps) == ()


def test_a_manual_page_as_man_prints_it_has_its_sections_and_its_name_line_for_a_title(tmp_path):
    page = (
        "GREP(1)                     User Commands                    GREP(1)\n\nNAME\n"
        "       grep - print lines that match patterns\n\nSYNOPSIS\n       grep [OPTION...] PATTERNS [FILE...]\n\n"
        "DESCRIPTION\n       grep searches for PATTERNS in each FILE.\n       PATTERNS is one or more patterns\n"
        "       separated by newline characters, and grep prints\n       each line that matches a pattern.\n\nOPTIONS\n   Matching Control\n"
        "       -i, --ignore-case\n              Ignore case distinctions in patterns and input data.\n\n"
        "EXIT STATUS\n       Normally the exit status is 0 if a line is selected.\n"
    )
    (tmp_path / "grep.1.txt").write_text(page, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    assert document.title == "grep - print lines that match patterns"
    assert [(h.level, h.title) for h in document.headings] == [
        (1, "NAME"), (1, "SYNOPSIS"), (1, "DESCRIPTION"), (1, "OPTIONS"), (2, "Matching Control"), (1, "EXIT STATUS")
    ]
    assert all(page[h.start :].startswith(h.title) for h in document.headings)
    prose = "SUMMARY\nThis is a memo at the left margin.\nIt has no indented body at all.\nNOTES\nNone.\n"
    assert plain_text_headings(prose) == ()


def test_a_markdown_footnote_is_read_and_only_its_marks_are_left_out(tmp_path):
    from qa.ingest.chunker import chunk_document
    from qa.ingest.markdown_text import rendered_edits

    # charset-normalizer's README says why chardet reads only part of a payload in a footnote,
    # which was read as a link reference definition ("[label]: ...") and left out of every chunk.
    text = ("# tool\n\nThis package is faster than chardet.[^2] It says so twice.\n\n"
            "[^2]: Chardet does not feed the complete body but rather a limited part of it, because the algorithm "
            "doesn't scale properly with larger samples.\n\n[home]: https://example.org\n")
    read = text
    for start, end, replacement in sorted(rendered_edits(text), reverse=True):
        read = read[:start] + replacement + read[end:]
    assert "faster than chardet. It says" in read and "[^2]" not in read and "https://example.org" not in read
    assert "\nChardet does not feed the complete body" in read
    (tmp_path / "README.md").write_text(text, encoding="utf-8")
    [document] = load_corpus(tmp_path).documents
    chunks = chunk_document(document, FakeCounter(), ChunkerParams())
    assert any("doesn't scale properly with larger samples" in chunk.text for chunk in chunks)
