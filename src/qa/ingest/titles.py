"""A document's title as a reader would recognise it, short.

In order: the document's own metadata (a PDF's Title, a page's og:title or
<title>), its first real heading, its first line when that reads as a title,
else the file name made readable ("release-notes_2024.md" -> "Release notes
2024"). Never a row of badge images, a site's navigation word ("Pages", "Menu")
standing before the real title, a changelog entry or a date.
"""

from __future__ import annotations

import re
from pathlib import Path

from qa.ingest.headings import markdown_headings

MAX_TITLE_CHARACTERS = 120
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINKED_IMAGE = re.compile(r"\[\s*!\[[^\]]*\]\([^)]*\)\s*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_REFERENCE_IMAGE = re.compile(r"!\[[^\]]*\]\[[^\]]*\]|\[!\[[^\]]*\]\[[^\]]*\]\]\[[^\]]*\]")
_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"[*_`~]+")
_BANNER = re.compile(r"<(?:h[1-3]|strong|b)\b[^>]*>", re.IGNORECASE)
# A line that is a changelog entry, a date, a copyright notice or an editor's mode line
# ("-*- text -*-"), not what a document is called.
_NOT_A_TITLE = re.compile(
    r"urgency=|<[^>\s]+@[^>\s]+>|^\W*\d{4}-\d{2}-\d{2}\b|^\W*(?:v(?:ersion)?\s*)?\d+(?:\.\d+)+\b"
    r"|-\*-.*-\*-|^(?:copyright\b|\(c\)|©)"
    r"|^\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}$"
    r"|^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}$",
    re.IGNORECASE,
)
_NAME_WORDS = 3  # a file name of fewer words ("notes", "report-2024") names no particular line
_NAME_SHARE = 0.75  # of its words a line must hold to be the title it was named after
_LONG_WORD = re.compile(r"[^\W\d_]{3}")
_MAX_SENTENCE_TITLE_WORDS = 12  # a line ending like a sentence and longer than this is prose
# How far down a document its title may stand, below navigation words and dates.
_TITLE_SEARCH_LINES = 6
# A manual page's running header: its name and section at both ends ("BASH(1) ... BASH(1)").
_MANUAL_PAGE_HEADER = re.compile(r"^(\S+\(\w+\)) .* \1$")
# A lone word opening a first page that is front matter, not the document's name.
_FRONT_MATTER = re.compile(r"^(?:contents|preface|foreword|abstract|index|introduction|copyright|pages|menu|draft)\W*$", re.IGNORECASE)
_META_JUNK = re.compile(r"^(?:untitled|microsoft word - .*|.*\.(?:dvi|tex|docx?|odt|indd|qxd|pdf))$", re.IGNORECASE)


def markdown_title(text: str) -> str:
    """The first heading (ATX or Setext) with words in it as rendered (images, link targets, tags
    and emphasis marks out, "load_dotenv" whole); before it, a title the README's HTML banner sets in bold or as
    a heading ("<strong>HTTPX</strong> - A next-generation HTTP client"); else the opening lines
    as plain text."""
    first = next((h for h in markdown_headings(text) if any(ch.isalpha() for ch in h.title)), None)
    if first is not None:
        return _banner_title(text[: first.start].splitlines()) or first.title
    lines = text.splitlines()
    return _banner_title(lines) or plain_text_title("\n".join(clean_markup(line) for line in lines))


def _banner_title(lines: list[str]) -> str:
    """The words of the first HTML line holding an <h1>-<h3>, <strong> or <b> that reads as a
    title: a README's centred banner names the project above badges and its first section
    ("## Features", httpx's README was titled so)."""
    for line in lines:
        if _BANNER.search(line):
            words = clean_markup(line)
            if words and _short_title(words):
                return words
    return ""


def plain_text_title(text: str, file_stem: str | None = None) -> str:
    """The first of the opening lines that reads as a title (a navigation word or a date
    before it is passed over); "" when none does (the caller names the file instead).

    An opening line the file is named after wins: a page saved as text often starts
    with a teaser of another article, and "shadow-caliphate-islamic-state-khorasan.txt"
    says which line is this one's title.
    """
    lines = [" ".join(line.replace("\ufeff", " ").split()) for line in text.splitlines()]
    lines = [line for line in lines if line and any(ch.isalnum() for ch in line)][:_TITLE_SEARCH_LINES]
    candidates = [line for line in lines if _reads_as_title(line)]
    if not candidates:
        return ""
    named = [line for line in candidates if file_stem and _named_after(line, file_stem)]
    if named:
        return named[0]
    first = candidates[0]
    if len(first.split()) == 1 and lines and lines[0] == first:
        # A lone word first ("Pages", "Menu") is a site's navigation when a real title follows.
        for line in candidates[1:3]:
            if len(line.split()) >= 2:
                return line
    return first


def _named_after(line: str, file_stem: str) -> bool:
    """Whether a file name of three or more words is made of this line's words (most of them)."""
    named = {word for word in re.split(r"[^a-z0-9]+", file_stem.lower()) if len(word) > 2}
    if len(named) < _NAME_WORDS:
        return False
    words = set(re.split(r"[^a-z0-9]+", line.lower()))
    return len(named & words) >= _NAME_SHARE * len(named)


def _reads_as_title(line: str) -> bool:
    words = line.split()
    if len(line) > 2 * MAX_TITLE_CHARACTERS:
        return False  # a paragraph, not a title
    if len(words) > _MAX_SENTENCE_TITLE_WORDS and line[-1] in ".!;":
        return False  # a sentence of prose
    if _NOT_A_TITLE.search(line):
        return False
    # A word of three letters at least: "jw 21.10.93" (initials and a date, screen's FAQ) names no document.
    return _LONG_WORD.search(line) is not None


def _short_title(line: str) -> bool:
    """Whether a line reads as a title and is short enough to stand beside another (a banner, a
    subtitle): no more words than a title that ends like a sentence may have."""
    return len(line.split()) <= _MAX_SENTENCE_TITLE_WORDS and _reads_as_title(line)


def pdf_title(metadata_title: str | None, pages: tuple[str, ...]) -> str:
    """The PDF's Title when it is a real one, else the first line of its first page that reads as one.

    Only the first page: a title stands there. When that page has no text (a title
    page drawn as an image), a later page's first line is front matter ("REVISION
    HISTORY", "Contents") or a chapter, and the file name says more.
    """
    if metadata_title and not _META_JUNK.match(metadata_title.strip()) and any(ch.isalpha() for ch in metadata_title):
        return metadata_title
    if not pages:
        return ""
    lines = [line for line in (" ".join(line.split()) for line in pages[0].splitlines()) if line]
    if lines and _MANUAL_PAGE_HEADER.match(lines[0]) and "NAME" in lines[1:3]:
        # A manual page typeset as PDF: "BASH(1) General Commands Manual BASH(1)" is its running
        # header; its NAME line ("bash - GNU Bourne-Again SHell") is what it is called.
        after = lines.index("NAME", 1) + 1
        if after < len(lines):
            return lines[after]
    if len(lines) > 1 and len(lines[0].split()) == 1 and not _FRONT_MATTER.match(lines[0]) and _reads_as_title(lines[0]):
        # A title page's lone first word is the name, the line under it what it is
        # ("Libtasn1" / "Abstract Syntax Notation One (ASN.1) library for the GNU system").
        subtitle = lines[1] if _short_title(lines[1]) else ""
        return f"{lines[0]}: {subtitle}" if subtitle else lines[0]
    return plain_text_title(pages[0])


def clean_markup(text: str) -> str:
    """Words of a Markdown or HTML line without badges, images, link targets, tags or emphasis marks."""
    text = _LINKED_IMAGE.sub(" ", text)
    text = _REFERENCE_IMAGE.sub(" ", text)
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.split())


def readable_file_name(path: Path) -> str:
    """ "release-notes_2024.md" -> "Release notes 2024"."""
    words = " ".join(re.split(r"[-_.\s]+", path.stem)).strip() or path.name
    return words[0].upper() + words[1:]


def short_title(title: str) -> str:
    """At most MAX_TITLE_CHARACTERS, cut at a word with an ellipsis."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE_CHARACTERS:
        return title
    cut = title[: MAX_TITLE_CHARACTERS - 1].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return cut + "…"
