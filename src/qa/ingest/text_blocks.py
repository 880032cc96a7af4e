"""Blocks of a structured document (headings, paragraphs, table rows) written out as plain text.

Word, OpenDocument, RTF, mail and slide text have no text a reader can open
with `open()`: what `qa` indexes is this writing-out, stored in the index and
printed by `qa show`, so offsets index exactly it. The layout is the one web
pages get (`html_text`): paragraphs apart, a heading a line of its own whose
start is recorded (no "#" in the text), a table row per line with its cells
separated by " · ", so a passage reads the same whatever format it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.ingest.html_text import CELL_SEPARATOR
from qa.records import Heading

MAX_HEADING_LEVEL = 6


@dataclass(frozen=True)
class ExtractedText:
    """What a format's reader found: the text offsets index, its headings, title, stated date.

    `page_starts` is set by paged formats (slides): page n starts at `page_starts[n - 1]`,
    pages joined by form feeds as a PDF's are.
    """

    text: str
    headings: tuple[Heading, ...] = ()
    title: str | None = None
    stated_date: tuple[str, str] | None = None  # ("YYYY-MM-DD", "docx core created")
    page_starts: tuple[int, ...] = ()


class TextBuilder:
    """Collects blocks in reading order; `text` and `headings` are their plain-text form."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._headings: list[Heading] = []
        self._last_was_row = False

    def heading(self, level: int, title: str) -> None:
        words = " ".join(title.split())
        if not words:
            return
        self._headings.append(Heading(self._start_block(2), max(1, min(level, MAX_HEADING_LEVEL)), words))
        self._append(words)

    def paragraph(self, text: str) -> None:
        """A paragraph; its own line breaks (a soft return in Word) are kept as lines."""
        lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        body = "\n".join(line for line in lines if line)
        if not body:
            return
        self._start_block(2)
        self._append(body)

    def table_row(self, cells: list[str]) -> None:
        """A table row on one line; rows of one table are on consecutive lines."""
        words = [" ".join(cell.split()) for cell in cells]
        line = CELL_SEPARATOR.join(word for word in words if word)
        if not line:
            return
        self._start_block(1 if self._last_was_row else 2)
        self._append(line)
        self._last_was_row = True

    def end_table(self) -> None:
        self._last_was_row = False

    @property
    def text(self) -> str:
        return "".join(self._parts) + ("\n" if self._length else "")

    @property
    def headings(self) -> tuple[Heading, ...]:
        return tuple(self._headings)

    def _start_block(self, newlines: int) -> int:
        self._last_was_row = False
        if self._length:
            self._append("\n" * newlines)
        return self._length

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)


def join_pages(pages: list[ExtractedText], page_break: str) -> tuple[str, tuple[int, ...], tuple[Heading, ...]]:
    """Pages (slides) joined as a PDF's are: the text, where each page starts, headings moved to their place."""
    starts = []
    headings = []
    offset = 0
    texts = [page.text.rstrip("\n") for page in pages]  # a page's text is trimmed, as a PDF page's is
    for page, text in zip(pages, texts):
        starts.append(offset)
        headings += [Heading(offset + h.start, h.level, h.title) for h in page.headings]
        offset += len(text) + len(page_break)
    return page_break.join(texts), tuple(starts), tuple(headings)


def append_sections(parts: list[ExtractedText]) -> tuple[str, tuple[Heading, ...]]:
    """Sections (EPUB chapters) one after another, a blank line apart, headings moved to their place."""
    text = ""
    headings: list[Heading] = []
    for part in parts:
        body = part.text.strip("\n")
        if not body.strip():
            continue
        if text:
            text += "\n\n"
        lead = len(part.text) - len(part.text.lstrip("\n"))
        headings += [Heading(len(text) + h.start - lead, h.level, h.title) for h in part.headings if h.start >= lead]
        text += body
    return (text + "\n" if text else ""), tuple(headings)
