"""What of a PDF page is layout, not what it says: one place for the chunker to ask.

A reader skips a page's running header and footer (`page_furniture`) and reads a
table of contents or an index as pointers, not answers (`contents_lines`). Chunks
leave both out. The stored page text is untouched: a chunk's text is still
exactly the page's text at its offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from qa.ingest.contents_lines import contents_spans
from qa.ingest.page_furniture import furniture_spans
from qa.records import Heading


@dataclass(frozen=True)
class PageLayout:
    left_out: tuple[tuple[int, int], ...] = ()  # running headers, footers, contents and index lines: in no chunk


def page_layouts(pages: Sequence[str], headings: Sequence[Sequence[Heading]] | None = None) -> tuple[PageLayout, ...]:
    """The layout of each page. `headings`: for each page, the document's headings up to its
    end with offsets relative to it (see `furniture_spans`)."""
    furniture = furniture_spans(pages, headings)
    contents = contents_spans(pages, furniture)
    return tuple(PageLayout(tuple(sorted(set(framing) | set(pointers)))) for framing, pointers in zip(furniture, contents))
