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
from qa.records import Heading

MAX_TITLE_CHARACTERS = 120
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINKED_IMAGE = re.compile(r"\[\s*!\[[^\]]*\]\([^)]*\)\s*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_REFERENCE_IMAGE = re.compile(r"!\[[^\]]*\]\[[^\]]*\]|\[!\[[^\]]*\]\[[^\]]*\]\]\[[^\]]*\]")
_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"[*_`~]+")
_BANNER = re.compile(r"<(?:h[1-3]|strong|b)\b[^>]*>", re.IGNORECASE)
# A line that is a changelog entry, a date, a copyright notice, an editor's mode line
# ("-*- text -*-"), a web address (a manual's first page opening with its site's), or a sentence
# about the file or who made it ("This file describes...", "Here is the latest version of this
# file.", "Developed by ESN, an Electronic Arts Inc. studio."), not what a document is called.
_NOT_A_TITLE = re.compile(
    r"urgency=|[\w.+-]+@[\w-]+\.[\w.-]+|^\W*\d{4}-\d{2}-\d{2}\b|^\W*(?:v(?:ersion)?\s*)?\d+(?:\.\d+)+\b"
    r"|-\*-.*-\*-|^(?:copyright\b|\(c\)|©)|\bcopyright\s+(?:\(c\)|©|\d{4})|^all rights reserved\b|^(?:https?://|ftp://|www\.)\S+$"
    r"|^(?:this (?:file|document|directory|package)|here (?:is|are)|(?:developed|written|maintained|created) by)\b"
    r"|^\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}$"
    r"|^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}$",
    re.IGNORECASE,
)
# Names a file bears for what it is, not what it is about ("README.SMIME", "GitPython/README.md").
GENERIC_FILE_NAMES = frozenset({"readme", "index", "license", "licence", "copying", "notes", "manual", "faq"})
_NAME_WORDS = 3  # a file name of fewer words ("notes", "report-2024") names no particular line
_NAME_SHARE = 0.75  # of its words a line must hold to be the title it was named after
_LONG_WORD = re.compile(r"[^\W\d_]{3}")
_MAX_SENTENCE_TITLE_WORDS = 12  # a line ending like a sentence and longer than this is prose
_WRAPPED_WORDS = 8  # a line this long going on in lower case below is a paragraph's ("...you can redistribute it and/or modify")
# How far down a document its title may stand, below navigation words and dates.
_TITLE_SEARCH_LINES = 6
# A manual page's running header: its name and section at both ends ("BASH(1) ... BASH(1)").
_MANUAL_PAGE_HEADER = re.compile(r"^(\S+\(\w+\)) .* \1$")
# A lone word opening a first page that is front matter, not the document's name.
_FRONT_MATTER = re.compile(r"^(?:contents|preface|foreword|abstract|index|introduction|copyright|pages|menu|draft)\W*$", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^[*•+-]\s")
_SECTION_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?\s")
_PROSE_WORDS = 6  # a line of at least this many words (markup out) is a paragraph, not a banner or badge row
_IMAGE_ALT = re.compile(r"!\[([^\]]*)\]|<img\b[^>]*\balt=[\"']([^\"']*)[\"']", re.IGNORECASE)
_LOGO_ALT = re.compile(r"^(.+?)[\s-]+logo$", re.IGNORECASE)
_BANNER_IMAGE = re.compile(r"<h1\b[^>]*>\s*(?:<a\b[^>]*>\s*)?<img\b[^>]*\balt=[\"']([^\"']+)[\"']", re.IGNORECASE)
# "Rich is a ...", "Loguru is a ...": a capitalised name, not "It", "This" or "The".
_OPENING_NAME = re.compile(r"^(?!(?:It|This|That|The|There|Here|These|They|We|You)\b)([A-Z][\w.+-]*) (?:is|are) (?:a|an|the)\b")
_META_JUNK = re.compile(r"^(?:untitled|microsoft word - .*|.*\.(?:dvi|tex|docx?|odt|indd|qxd|pdf))$", re.IGNORECASE)


def markdown_title(text: str, name: str | None = None) -> str:
    """The heading that titles a README (as rendered: images, link targets, tags and emphasis marks
    out, "load_dotenv" whole), else what names the project before its first section, else the
    first heading; with no heading, a banner or the opening lines as plain text.

    A heading titles the document when it is the only one at the top level the document uses, or
    a level-1 heading with no paragraph before it. Loguru's, Rich's and RapidFuzz's READMEs open
    with a logo and a paragraph, then "## Installation", "## Compatibility", "## Description":
    sections, one of many at their level, not titles; apprise's opens its sections with "# How
    It Works". Then, in
    order: a title the README's HTML banner sets in bold or as a heading ("<strong>HTTPX</strong> -
    A next-generation HTTP client"); its logo's name ("Loguru logo", an <h1> holding the image of
    "RapidFuzz"); the top-level heading the file is named after (`name`: "## GitPython" in
    gitpython-README.md, or in a README.md of a folder GitPython); the name its first paragraph
    opens with ("Rich is a Python library for...").
    """
    headings = [h for h in markdown_headings(text) if any(ch.isalpha() for ch in h.title)]
    if not headings:
        lines = text.splitlines()
        return _banner_title(lines) or plain_text_title("\n".join(clean_markup(line) for line in lines))
    first, top = headings[0], min(h.level for h in headings)
    before = text[: first.start]
    if (first.level == top and sum(h.level == top for h in headings) == 1) or (first.level == 1 and not _prose_in(before)):
        return _banner_title(before.splitlines()) or first.title
    return (
        _banner_title(before.splitlines())
        or _logo_name(before)
        or _named_heading([h for h in headings if h.level == top], name)
        or _opening_name(before)
        or first.title
    )


def _prose_in(text: str) -> bool:
    """Whether a paragraph of words stands in `text` (the part of a README before its first heading)."""
    return any(len(clean_markup(line).split()) >= _PROSE_WORDS for line in text.splitlines())


def _logo_name(text: str) -> str:
    """The name a README's logo image gives ("Loguru logo" -> "Loguru"), or the image an <h1> banner holds."""
    banner = _BANNER_IMAGE.search(text)
    if banner is not None and _short_title(banner.group(1)):
        return banner.group(1)
    for markdown_alt, html_alt in _IMAGE_ALT.findall(text):
        match = _LOGO_ALT.match(" ".join((markdown_alt or html_alt).split()))
        if match is not None and _LONG_WORD.search(match.group(1)):
            return match.group(1)
    return ""


def _named_heading(headings: list[Heading], name: str | None) -> str:
    """The heading whose words are the file's name ("GitPython" of gitpython-README.md)."""
    named = _name_words(name or "")
    for heading in headings:
        words = re.split(r"[^a-z0-9]+", heading.title.lower())
        if named and "".join(words) in named:
            return heading.title
    return ""


def _opening_name(text: str) -> str:
    """The name a README's first paragraph opens with ("Rich is a Python library for rich text")."""
    for line in text.splitlines():
        words = clean_markup(line)
        if len(words.split()) >= _PROSE_WORDS:
            match = _OPENING_NAME.match(words)
            return match.group(1) if match is not None else ""
    return ""


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
    raw = [" ".join(line.replace("\ufeff", " ").split()) for line in text.splitlines()]
    opening = [i for i, line in enumerate(raw) if line and any(ch.isalnum() for ch in line)][:_TITLE_SEARCH_LINES]
    lines = [raw[i] for i in opening]
    # A title stands before the text begins: a line of a wrapped paragraph ends the search, and a
    # heading under it is a section's ("MIT License" under simplejson's note on its two licences).
    prose = next((n for n, i in enumerate(opening) if _runs_on(raw, i)), len(opening))
    opening = opening[:prose]
    candidates = [raw[i] for i in opening if _reads_as_title(raw[i])]
    if not candidates:
        return ""
    named = [line for line in candidates if file_stem and _named_after(line, file_stem)]
    if named:
        return named[0]
    first = candidates[0]
    if len(first.split()) == 1 and lines and lines[0] == first:
        # A lone word first ("Pages", "Menu") is a site's navigation when a real title follows
        # (not a numbered section: "FAQ" over "1. Philosophy" is curl's FAQ's title).
        for line in candidates[1:3]:
            if len(line.split()) >= 2 and (_FRONT_MATTER.match(first) or not _SECTION_NUMBER.match(line)):
                return line
    return first


def _named_after(line: str, file_stem: str) -> bool:
    """Whether a file name of three or more words is made of this line's words (most of them)."""
    named = _name_words(file_stem)
    if len(named) < _NAME_WORDS:
        return False
    words = set(re.split(r"[^a-z0-9]+", line.lower()))
    return len(named & words) >= _NAME_SHARE * len(named)


def _runs_on(lines: list[str], i: int) -> bool:
    """Whether line `i` is part of a wrapped paragraph: its sentence goes on in the next line, in
    lower case ("CVS is free software; you can redistribute it and/or modify" / "it under the
    terms of..."), or it is the lower-case end of one above ("any later version."), as no title is."""
    goes_on = len(lines[i].split()) >= _WRAPPED_WORDS and i + 1 < len(lines) and lines[i + 1][:1].islower()
    above = lines[i - 1] if i > 0 else ""
    ends_one = bool(above) and above[-1] not in ".!?:" and (lines[i][:1].islower() or len(above.split()) >= _WRAPPED_WORDS)
    return goes_on or ends_one


def reads_as_title(line: str) -> bool:
    """Whether a line may be what a document is called: not a paragraph, a sentence of prose, a
    lead-in ("NOTE:"), a list item ("* Home"), a changelog entry, a date or an e-mail address."""
    return _reads_as_title(" ".join(line.split()))


def _name_words(file_stem: str) -> set[str]:
    """The words of a file's name ("release-notes_2024" -> release, notes, 2024), lower case."""
    return {word.lower() for word in file_name_words(file_stem)}


def file_name_words(name: str) -> list[str]:
    """The words of a file's name as written, in order, of three characters or more
    ("GitPython_README-v2" -> GitPython, README): "py", "v2" are pieces, not words it is named by."""
    return [word for word in re.split(r"[^0-9A-Za-z]+", name) if len(word) > 2]


def _reads_as_title(line: str) -> bool:
    words = line.split()
    if not words or line.endswith(":") or _LIST_ITEM.match(line):
        return False  # a lead-in to what follows; an item of a list (a site's navigation: "* Home")
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
    """ "release-notes_2024.md" -> "Release notes 2024"; "README.SMIME" -> "README SMIME" (a note
    after a name, not an extension, is kept)."""
    name = path.name if path.stem.lower() in GENERIC_FILE_NAMES and not path.suffix.islower() else path.stem
    words = " ".join(re.split(r"[-_.\s]+", name)).strip() or path.name
    return words[0].upper() + words[1:]


def short_title(title: str) -> str:
    """At most MAX_TITLE_CHARACTERS, cut at a word with an ellipsis."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE_CHARACTERS:
        return title
    cut = title[: MAX_TITLE_CHARACTERS - 1].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return cut + "…"
