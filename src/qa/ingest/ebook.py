"""EPUB books (ebooklib) to text: the chapters in spine order, their h1-h6 as headings.

Each chapter is XHTML, written out the way a web page's body is (`html_text`):
paragraphs apart, headings recorded as offsets, tables as rows. The book's
title and date come from its Dublin Core metadata.
"""

from __future__ import annotations

import io
import warnings

from qa.ingest.pdf_text import NotExtractable
from qa.ingest.stated_dates import calendar_day
from qa.ingest.text_blocks import ExtractedText, append_sections


def extract_epub(raw: bytes) -> ExtractedText:
    """Raises: NotExtractable: not a readable EPUB (damaged, DRM-encrypted) or no text in it."""
    import lxml.html
    from ebooklib import epub

    from qa.ingest.html_text import element_text

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ebooklib warns about its own future defaults
            book = epub.read_epub(io.BytesIO(raw), options={"ignore_ncx": True})
        chapters = []
        for idref, *_ in book.spine:
            item = book.get_item_with_id(idref)
            if item is None:
                continue
            content = item.get_content()
            if not content or not content.strip():
                continue
            tree = lxml.html.document_fromstring(content)
            body = tree.find("body")
            written = element_text(body if body is not None else tree)
            chapters.append(ExtractedText(written.text, written.headings))
        title = _metadata(book, "title")
        day = calendar_day(_metadata(book, "date"))
    except Exception as exc:
        if "encrypt" in str(exc).lower():
            raise NotExtractable("encrypted EPUB (DRM): only books without DRM can be read") from exc
        raise NotExtractable(f"not a readable EPUB ({type(exc).__name__}: {str(exc)[:200]})") from exc
    text, headings = append_sections(chapters)
    if not text.strip():
        raise NotExtractable("no text in the EPUB's chapters")
    return ExtractedText(text, headings, title, (day, "epub dc:date") if day else None)


def _metadata(book, name: str) -> str | None:
    try:
        values = book.get_metadata("DC", name)
    except Exception:
        return None
    for value, _attributes in values:
        words = " ".join(str(value or "").split())
        if words:
            return words
    return None
