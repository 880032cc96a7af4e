"""What of a PDF page is layout, not what it says: headings placed where their number starts,
running headers that name the section, tables of contents and footnotes (issue 12)."""

from qa.config import ChunkerParams
from qa.ingest.chunker import chunk_document
from qa.ingest.loader import load_corpus
from tests.documents import MANUAL_SECTIONS, write_manual_pdf
from tests.fakes import FakeCounter

PARAMS = ChunkerParams(max_tokens=96, overlap_tokens=24)


def manual(tmp_path):
    write_manual_pdf(tmp_path / "manual.pdf")
    [document] = load_corpus(tmp_path).documents
    return document, chunk_document(document, FakeCounter(), PARAMS)


def test_a_numbered_heading_begins_at_its_number_and_its_section_starts_a_chunk(tmp_path):
    # The bookmarks say "How to report a bug", the page "1.3 How to report a bug": placed on
    # the title's words, the heading began after "1.3 ", inside the line the chunker cuts
    # before, so the section's first chunk carried the previous section's heading path.
    document, chunks = manual(tmp_path)
    for number, title, sentence in MANUAL_SECTIONS:
        [heading] = [h for h in document.headings if h.title == title]
        assert document.text[heading.start :].startswith(f"{number} {title}\n")
        [first] = [c for c in chunks if sentence in c.text]
        assert first.text.startswith(f"{number} {title}")
        assert first.heading_path == f"Getting started with the scheduler > {title}"
