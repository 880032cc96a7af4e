"""Text out of PDF and HTML files, in the form the rest of `qa` indexes.

PDF: pypdf, because it is pure Python (no poppler or MuPDF binaries to ship),
actively maintained, and reads each page's text layer on its own, so page
numbers come straight from the file. Its default extraction follows the order
text is drawn in, which for generated multi-column reports is column by column
(its "layout" mode instead lays columns side by side on each line, mixing them).

HTML: trafilatura, a library made for pulling the main text out of web pages:
it drops navigation, scripts, styles, cookie banners, "popular posts" boxes and
(asked to) comment sections, and gives the text as Markdown, so h1-h6 become
`#` headings that the heading path is read from like any Markdown file.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

PAGE_BREAK = "\f"  # joins PDF pages in the stored text; never inside a page's text


class NotExtractable(ValueError):
    """The file is damaged or holds no text this tool can find; the message says which."""


@dataclass(frozen=True)
class ExtractedPdf:
    pages: tuple[str, ...]  # text of each page, in order; "" for a page without a text layer
    title: str | None  # from the document information, when the file has one
    outline: tuple[tuple[int, int, str], ...] = ()  # bookmarks: (level from 1, page from 1, title)


@dataclass(frozen=True)
class ExtractedHtml:
    title: str | None
    text: str  # main text as Markdown


def extract_pdf(raw: bytes) -> ExtractedPdf:
    """The text of each page.

    Raises:
        NotExtractable: not a readable PDF, encrypted, or no page has any text.
    """
    from pypdf import PdfReader

    # pypdf logs every recoverable oddity of a file (as warnings and errors, which
    # Python would print to stderr); the core never prints, and the reader of
    # `qa index` output needs only whether the file could be read.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise NotExtractable("encrypted PDF: save a copy without a password to index it")
        pages = tuple(_clean_page(page.extract_text() or "") for page in reader.pages)
        info = reader.metadata
        title = " ".join(str(info.title).split()) if info is not None and info.title else None
    except NotExtractable:
        raise
    except Exception as exc:
        # A damaged file raises whatever its damage trips over inside pypdf (fuzzing
        # found PdfStreamError, KeyError, NotImplementedError for a mangled filter name...);
        # one bad file must never stop the index, so any of them skips just this file.
        raise NotExtractable(f"damaged or unreadable PDF ({type(exc).__name__}: {str(exc)[:200]})") from exc
    if not pages:
        raise NotExtractable("PDF with no pages")
    if not any(page.strip() for page in pages):
        raise NotExtractable(f"no text on any of its {len(pages)} pages (scanned images? run OCR first)")
    return ExtractedPdf(pages, title or None, _outline(reader))


def _outline(reader) -> tuple[tuple[int, int, str], ...]:
    """The PDF's bookmarks, when it has any: the author's own headings, with their pages.

    A damaged outline only costs the heading paths, never the text.
    """
    entries: list[tuple[int, int, str]] = []

    def walk(items, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            page = reader.get_destination_page_number(item)
            title = " ".join(str(item.title or "").split())
            if title and page is not None and page >= 0:
                entries.append((level, page + 1, title))

    try:
        walk(reader.outline, 1)
    except Exception:
        return ()
    return tuple(entries)


def _clean_page(text: str) -> str:
    # The page break character is reserved for joining pages; NUL confuses SQLite text.
    text = text.replace(PAGE_BREAK, "\n").replace("\x00", "")
    # Trailing spaces at line ends carry nothing and would only shift offsets around.
    return re.sub(r"[ \t]+\n", "\n", text).strip()


def extract_html(raw: bytes) -> ExtractedHtml:
    """The page's main text as Markdown, and its title.

    Raises:
        NotExtractable: not HTML, or no main text could be found in it.
    """
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        text = trafilatura.extract(
            raw,
            output_format="markdown",
            include_comments=False,  # readers' comments are not the document
            include_tables=True,
            include_links=False,  # keep the words, not the URLs
            include_images=False,
            favor_precision=True,  # rather lose a marginal paragraph than index a menu
            deduplicate=False,
        )
        metadata = trafilatura.extract_metadata(raw)
    except Exception as exc:
        # As with PDF: whatever a malformed page trips over inside the parser skips only this file.
        raise NotExtractable(f"unreadable HTML ({type(exc).__name__}: {str(exc)[:200]})") from exc
    # trafilatura's fallbacks return whatever text a page has, a lone menu ("Home")
    # included: without one real sentence there is no main text to index.
    if not text or not _has_prose(text):
        raise NotExtractable("no main text found in the page (only navigation, scripts or an empty body?)")
    title = metadata.title.strip() if metadata is not None and metadata.title else None
    return ExtractedHtml(title or None, text.replace("\x00", "").strip() + "\n")


def _has_prose(text: str) -> bool:
    from qa.ingest.sentences import is_prose, split_sentences

    return any(is_prose(text[s.start : s.end]) for s in split_sentences(text))
