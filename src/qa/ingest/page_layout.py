"""What of a PDF page is layout, not what it says: one place for the chunker to ask.

A reader skips a page's running header and footer (`page_furniture`), reads a
table of contents or an index as pointers, not answers (`contents_lines`), and
reads footnotes apart from the running text (`footnotes`). Chunks leave the first
two out, start a passage where the footnotes start, and the model does not read
a note's number run into its first word. The stored page text is untouched: a
chunk's text is still exactly the page's text at its offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from qa.ingest.contents_lines import contents_spans
from qa.ingest.footnotes import page_footnotes
from qa.ingest.page_furniture import furniture_spans
from qa.records import Heading


@dataclass(frozen=True)
class PageLayout:
    left_out: tuple[tuple[int, int], ...] = ()  # running headers, footers, contents and index lines: in no chunk
    breaks: tuple[int, ...] = ()  # offsets where a new passage starts (the footnotes)
    unread: tuple[tuple[int, int], ...] = ()  # spans the model does not read (note numbers): blanked in what is embedded


def page_layouts(pages: Sequence[str], headings: Sequence[Sequence[Heading]] | None = None) -> tuple[PageLayout, ...]:
    """The layout of each page. `headings`: for each page, the document's headings up to its
    end with offsets relative to it (see `furniture_spans`)."""
    furniture = furniture_spans(pages, headings)
    contents = contents_spans(pages, furniture, [h.title for h in headings[-1]] if headings else ())
    heading_starts = [[h.start for h in on_page if h.start >= 0] for on_page in headings or [()] * len(pages)]
    notes = page_footnotes(pages, furniture, heading_starts)
    layouts = []
    for framing, pointers, footnotes in zip(furniture, contents, notes):
        left_out = tuple(sorted(set(framing) | set(pointers)))
        if footnotes is None or any(start <= footnotes.start < end for start, end in left_out):
            layouts.append(PageLayout(left_out))
        else:
            numbers = tuple(span for span in footnotes.numbers if not any(start <= span[0] < end for start, end in left_out))
            layouts.append(PageLayout(left_out, (footnotes.start,), numbers))
    return tuple(layouts)
