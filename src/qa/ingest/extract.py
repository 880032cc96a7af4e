"""Text out of PDF and HTML files, in the form the rest of `qa` indexes.

PDF: PDFium through pypdfium2 (see `pdf_text` for why, and docs/reading.md for
the comparison with pypdf and pdfminer.six that chose it).

HTML: trafilatura finds the main text of a page: it drops navigation, scripts,
styles, cookie banners, "popular posts" boxes and comment sections. Its tree
(XML) is written out as plain text by `html_text`, headings recorded as
offsets, so no Markdown syntax (backticks, `**`, table pipes) reaches a
passage. Article extraction is made for articles: on reference pages it drops
definition-list terms, whole descriptions, tables of contents and short pages.
So the page's own body, without navigation, banners, forms and scripts, is read
too, and when trafilatura kept less than `_MIN_MAIN_SHARE` of its words (or
lost most of its headings), the body is what is indexed.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass

from qa.ingest.html_text import element_text, is_hidden
from qa.ingest.stated_dates import html_date
from qa.ingest.pdf_text import PAGE_BREAK, Bookmark, ExtractedPdf, NotExtractable, extract_pdf
from qa.records import Heading

__all__ = ["PAGE_BREAK", "Bookmark", "ExtractedPdf", "ExtractedHtml", "NotExtractable", "extract_pdf", "extract_html"]

# trafilatura's main text must hold this share of the words of the body (navigation and
# such left out) to be taken; below it, it lost part of what the page is about.
_MIN_MAIN_SHARE = 0.6
# A page with fewer words than this (after navigation is left out) has nothing to index.
_MIN_WORDS = 4
# A line of at least this many words that ends as a sentence ends is prose a reader reads.
_PROSE_WORDS = 8
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_META_TITLE = ("og:title", "twitter:title")
# Punctuation before a title's first word, other than an opening bracket or quote: markup left over.
_LEFTOVER = re.compile(r"^[^\w(\[{\"'“‘«¿¡]+|^[^\w]*$")


@dataclass(frozen=True)
class ExtractedHtml:
    title: str | None
    text: str  # the page's main text, plain (no markup syntax)
    headings: tuple[Heading, ...] = ()  # h1-h6 of the main text, as offsets into `text`
    stated_date: tuple[str, str] | None = None  # (YYYY-MM-DD, "html meta article:published_time") from <meta> tags


def extract_html(raw: bytes) -> ExtractedHtml:
    """The page's main text as plain text, its headings and its title.

    Raises:
        NotExtractable: not HTML, or no text in it beyond navigation and scripts.
    """
    import lxml.html
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    if b"\x00" in raw[:8192]:
        raise NotExtractable("not HTML: binary data (NUL bytes) in the file")
    try:
        tree = lxml.html.document_fromstring(raw)
        hidden = [element for element in tree.iter() if isinstance(element.tag, str) and is_hidden(element)]
        for element in hidden:
            element.drop_tree()  # drawn for no reader: neither reading may keep it (its tail text stays)
        body = tree.find("body")
        page = element_text(body if body is not None else tree, drop_surroundings=True)
        main = None
        xml = trafilatura.extract(
            # The page as parsed only when something was left out: trafilatura reads the same
            # page a little otherwise from a tree than from its bytes.
            copy.deepcopy(tree) if hidden else raw,
            output_format="xml",
            include_comments=False,  # readers' comments are not the document
            include_tables=True,
            include_links=False,  # keep the words, not the URLs
            include_images=False,
            include_formatting=False,
            favor_precision=True,  # rather lose a marginal paragraph than index a menu
            deduplicate=False,
        )
        if xml:
            from lxml import etree

            main_root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(recover=True, huge_tree=True))
            if main_root is not None:
                main = element_text(main_root, heading_titles=frozenset(h.title for h in page.headings))
        metadata = trafilatura.extract_metadata(raw)
        title = _chosen_title(_readable(metadata.title if metadata is not None else None), tree, main or page)
        stated = html_date(tree)
    except Exception as exc:
        # As with PDF: whatever a malformed page trips over inside the parser skips only this file.
        raise NotExtractable(f"unreadable HTML ({type(exc).__name__}: {str(exc)[:200]})") from exc
    chosen = main
    if chosen is None or _words(chosen.text) < _MIN_MAIN_SHARE * _words(page.text):
        chosen = page  # trafilatura lost part of what the page says
    elif len(chosen.headings) < len(page.headings) / 2:
        chosen = page  # it kept the words but lost the sections (DocBook's headings, for one)
    elif _lost_sentences(chosen.text, page.text):
        chosen = page  # it dropped a paragraph of the page's prose (an API entry of a Sphinx page)
    if _words(chosen.text) < _MIN_WORDS:
        raise NotExtractable("no text in the page beyond navigation and scripts (an empty body?)")
    text = chosen.text.replace("\x00", "") + "\n"
    return ExtractedHtml(title, text, chosen.headings, stated)


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _lost_sentences(main: str, page: str) -> bool:
    """Whether a line of the page's own text that reads as prose (at least `_PROSE_WORDS` words
    ending as a sentence ends) is missing from trafilatura's main text. Favouring precision, it
    drops whole entries of a reference page ("is_safe_callable(obj): Check if an object is
    safely callable...") while keeping most of its words; the page's text, navigation already
    left out, keeps them."""
    kept = " ".join(main.split())
    for line in page.split("\n"):
        words = " ".join(line.split())
        if _words(words) >= _PROSE_WORDS and _SENTENCE_END.search(words) and words[:80] not in kept:
            return True
    return False


_TEX_COMMAND = re.compile(r"\\(?=[A-Za-z])")  # the backslash of "\TeX": a command's name is the word it prints


def _chosen_title(found: str | None, tree, text) -> str | None:
    """trafilatura's title where it is the page's declared one with the site's name cut off
    ("Title | Example News" -> "Title"); the page's own otherwise. trafilatura may also take
    a heading for the title, and on an mdBook page the first heading is the hidden
    "Keyboard shortcuts" help."""
    declared = declared_title(tree)
    if found and (declared is None or found in declared):
        return found
    return page_title(tree, text)


def declared_title(tree) -> str | None:
    """og:title, else <title> (without markup left over)."""
    for name in _META_TITLE:
        for meta in tree.iter("meta"):
            if (meta.get("property") or meta.get("name") or "").lower() == name and (title := _readable(meta.get("content"))):
                return title
    node = tree.find(".//title")
    if node is not None and (title := _readable(node.text_content())):
        return title
    return None


def page_title(tree, text) -> str | None:
    """og:title, else <title>, else the first h1 of the page (each without markup left over)."""
    if title := declared_title(tree):
        return title
    for h1 in tree.iter("h1"):
        if title := _readable(h1.text_content()):
            return title
    return text.headings[0].title if text.headings else None


def _readable(title: str | None) -> str | None:
    """`title` without punctuation left over before its words (") — Black documentation" ->
    "Black documentation") or TeX's markup a converter left in it ("\\TtH: a ``\\TeX to HTML''
    translator." -> 'TtH: a "TeX to HTML" translator.'), or None when it has no words (")")."""
    words = " ".join((title or "").split())
    words = _TEX_COMMAND.sub("", words).replace("``", '"').replace("''", '"')
    words = _LEFTOVER.sub("", words)
    return words or None
