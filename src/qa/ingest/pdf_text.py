"""PDF pages to text with PDFium (pypdfium2), and bookmarks placed where they point.

Why PDFium: on real manuals from Debian's documentation packages it reads the
words pypdf glues together (LaTeX/dblatex output draws words without space
characters; pypdf read 15% of one manual's words as runs like
"Thisprogramisfreesoftware", PDFium 0.4%), keeps poppler's reading order (0.97
of pdftotext's word pairs against pypdf's 0.90) and is 15 times faster per page.
The figures and the script that measures them: docs/reading.md,
scripts/compare_pdf_extractors.py. It ships as a wheel with the library
inside, so nothing is installed by hand.

The text of a page is PDFium's, with word spaces where the glyphs' positions
show a gap PDFium read none for, and none where they show no gap
(`pdf_word_gaps`: groff/Ghostscript PDFs draw word gaps without space
characters), its line breaks as "\\n", a hyphen PDFium marks as a word broken at
a line end (U+FFFE, the line break dropped) written back as "-\\n" (as the page
shows it), U+2212 MINUS SIGN as "-" (groff prints option dashes as minus signs:
"−x" is the "-x" a reader types), a TeX font's ligature PDFium could not name
written as its letters (`_TEX_LETTERS`) and its bullet as "•" (`_BULLET_CODES`), trailing spaces at line ends dropped and the
page trimmed. That text is what the index stores and offsets index.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from qa.ingest.pdf_type_sizes import SizedLine, sized_headings
from qa.ingest.pdf_word_gaps import word_space_edits

PAGE_BREAK = "\f"  # joins PDF pages in the stored text; never inside a page's text
# PDFium writes a hyphen that breaks a word at a line end as one of these, without the line break.
_SOFT_HYPHENS = "\ufffe\x02"
# A bookmark's destination is the top of the view; the heading's glyphs start a little below it
# (or, rounding, a point above): lines whose top is within this many points above it still count.
_DESTINATION_SLACK = 3.0
_SOFT_HYPHEN = re.compile(f"[{_SOFT_HYPHENS}]")
# U+2212 MINUS SIGN is what groff draws for "\\-", the dash of every option in a man page. A reader
# types "-x"; the model's tokenizer, not taking U+2212 for punctuation, reads "−−login" as "−",
# "##−", "##log", "##in" where "--login" is "-", "-", "log", "##in". One character for one.
_MINUS_AS_TYPED = {"\u2212": "-"}
# LaTeX's itemize bullet, in a font without a ToUnicode map, is the control character U+0088
# in PDFium's text (18 manuals of the real-document sets, "\x88 Writing SUN rasterfiles"): a
# reader's citation showed a control character where the page shows a bullet.
_BULLET_CODES = {"\x88": "\u2022"}
_ONE_FOR_ONE = _MINUS_AS_TYPED | _BULLET_CODES
_ONE_FOR_ONE_TABLE = str.maketrans(_ONE_FOR_ONE)
# A LaTeX PDF set in T1-encoded (Cork) Type 1 fonts without a ToUnicode map gives PDFium the
# glyphs' codes: the ligatures ff, fi, fl, ffi, ffl and the en and em dashes are control
# characters, and "rasterfiles" read "raster\x1cles" (a question about files found no
# "file"; poppler's pdftotext drops them). Written as their letters where they touch a
# letter or digit: the same codes between line breaks are a figure's drawing glyphs.
_TEX_LETTERS = {"\x1b": "ff", "\x1c": "fi", "\x1d": "fl", "\x1e": "ffi", "\x1f": "ffl", "\x15": "\u2013", "\x16": "\u2014"}
_TEX_GLYPH = re.compile(r"(?<=[^\W_])[\x15\x16\x1b-\x1f]|[\x15\x16\x1b-\x1f](?=[^\W_])")
# TeX's math fonts (a subset's name is prefixed "ABCDEF+"): a display's summation sign is a
# large "X" in cmex10, its radical "vuuut"; set large, they are formulas, not headings.
_MATH_FONT = re.compile(r"(?:^|\+)(?:CMEX|CMSY|CMMI|MSAM|MSBM|EUEX|RSFS|ESINT)|Math|Symbol", re.IGNORECASE)
_LINE_END_SPACES = re.compile(r"[ \t]+\n")
_TITLE_NUMBER = re.compile(r"^\s*(?:chapter\s+|appendix\s+)?[\dA-Z]{1,3}(?:\.\d+)*\.?\s+", re.IGNORECASE)
# What a heading's line may hold before its title's words: "12.5 ", "A.2.1 ", "Chapter 3: ", "IV. ".
_SECTION_LABEL = re.compile(r"[ \t]*(?:(?i:chapter|appendix|section|part)[ \t]+)?(?:(?:\d+|[A-Z]|[IVXLC]+)(?:\.\d+)*[.:]?[ \t]+)?")


class NotExtractable(ValueError):
    """The file is damaged or holds no text this tool can find; the message says which."""


@dataclass(frozen=True)
class Bookmark:
    """One outline entry, placed on its page."""

    level: int  # from 1
    page: int  # from 1
    title: str
    offset: int | None  # where in the page's text the destination lands; None: the bookmark names only a page


@dataclass(frozen=True)
class ExtractedPdf:
    pages: tuple[str, ...]  # text of each page, in order; "" for a page without a text layer
    title: str | None  # from the document information, when the file has one
    outline: tuple[Bookmark, ...] = ()
    stated_date: tuple[str, str] | None = None  # (YYYY-MM-DD, "pdf CreationDate") from the document information
    ocr_pages: tuple[int, ...] = ()  # pages (1-based) whose text `read_scanned` read from the page's image


@dataclass(frozen=True)
class _Line:
    start: int  # offsets in the page's text
    end: int
    top: float  # of its first drawn character, PDF points (up is larger)
    left: float
    size: float = 0.0  # its type size in points, read off its first glyphs (`_size`)


@dataclass(frozen=True)
class _Destination:
    level: int
    page: int  # from 0
    title: str
    top: float | None
    left: float | None


def extract_pdf(raw: bytes, read_scanned=None, scan_problem: str | None = None) -> ExtractedPdf:
    """The text of each page, the document title and the bookmarks.

    `read_scanned(page, number, pages)`, when given, reads the text of a page that
    has no text layer (OCR, `qa.ingest.ocr.PageReader`), one page at a time;
    `scan_problem` says why it cannot (what to install), for the skip reason.

    Raises:
        NotExtractable: not a readable PDF, encrypted, or no page has any text.
    """
    import pypdfium2

    logging.getLogger("pypdfium2").setLevel(logging.CRITICAL)
    try:
        document = pypdfium2.PdfDocument(raw)
    except pypdfium2.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise NotExtractable("encrypted PDF: save a copy without a password to index it") from exc
        raise NotExtractable(f"damaged or unreadable PDF ({message[:200]})") from exc
    except Exception as exc:
        # One bad file must never stop the index: whatever it trips over skips just this file.
        raise NotExtractable(f"damaged or unreadable PDF ({type(exc).__name__}: {str(exc)[:200]})") from exc
    try:
        destinations = _destinations(document)
        # Glyph positions cost a call per character: read them only on pages a bookmark points
        # into, or on every page of a PDF without bookmarks, whose headings their sizes tell.
        placed_pages = {d.page for d in destinations if d.top is not None} if destinations else set(range(len(document)))
        pages: list[str] = []
        ocr_pages: list[int] = []
        lines: dict[int, list[_Line]] = {}
        for number in range(len(document)):
            try:
                text, page_lines = _page_text(document[number], number in placed_pages, sized=not destinations)
            except Exception:
                text, page_lines = "", []  # a page PDFium cannot read costs that page, not the file
            if not text.strip() and read_scanned is not None:
                try:
                    text = read_scanned(document[number], number + 1, len(document))
                except Exception:
                    text = ""  # a page OCR cannot read costs that page, not the file
                if text.strip():
                    ocr_pages.append(number + 1)
            pages.append(text)
            lines[number] = page_lines
        title = _metadata_title(document)
        stated = _metadata_date(document)
    finally:
        document.close()
    if not pages:
        raise NotExtractable("PDF with no pages")
    if not any(page.strip() for page in pages):
        if read_scanned is not None:
            raise NotExtractable(f"no text on any of its {len(pages)} pages, and OCR found none (blank or unreadable scans?)")
        raise NotExtractable(f"no text on any of its {len(pages)} pages (scanned images? {scan_problem or 'run OCR first'})")
    outline = tuple(
        Bookmark(d.level, d.page + 1, d.title, _place(pages[d.page], lines[d.page], d.title, d.top, d.left))
        for d in destinations
        if d.page < len(pages)
    )
    if not destinations:
        sized = [[SizedLine(line.start, line.end, line.size, line.left) for line in lines[number]] for number in range(len(pages))]
        outline = tuple(Bookmark(h.level, h.page + 1, h.title, h.offset) for h in sized_headings(pages, sized))
    return ExtractedPdf(tuple(pages), title, outline, stated, tuple(ocr_pages))


def _metadata_date(document) -> tuple[str, str] | None:
    from qa.ingest.stated_dates import pdf_date

    try:
        return pdf_date(document.get_metadata_dict())
    except Exception:
        return None  # a damaged information dictionary costs the date, not the file


def _metadata_title(document) -> str | None:
    try:
        title = document.get_metadata_dict().get("Title") or ""
    except Exception:
        return None
    return " ".join(title.split()) or None


def _destinations(document) -> list[_Destination]:
    """The bookmarks with the page and height they point at. A damaged outline costs only heading paths."""
    entries = []
    try:
        for item in document.get_toc(max_depth=8):
            title = " ".join((item.get_title() or "").split())
            dest = item.get_dest()
            page = dest.get_index() if dest is not None else None
            if not title or page is None or not 0 <= page < len(document):
                continue
            top = left = None
            try:
                mode, view = dest.get_view()
            except Exception:
                mode, view = None, []
            if mode == 1 and len(view) >= 2:  # XYZ: [left, top, zoom]
                left, top = view[0], view[1]
            elif mode in (3, 7) and view:  # FitH / FitBH: [top]
                top = view[0]
            entries.append(_Destination(item.level + 1, page, title, top, left))
    except Exception:
        return []
    return entries


def _page_text(page, with_lines: bool, sized: bool = False) -> tuple[str, list[_Line]]:
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        raw = textpage.get_text_range() if count > 0 else ""
        # One PDFium character per text character, unless the page holds characters outside the
        # Basic Multilingual Plane (two UTF-16 units each): then positions are not known.
        if len(raw) != count:
            return page_text_of(raw), []
        try:
            edits = word_space_edits(textpage, raw)
        except Exception:
            edits = ([], [])  # glyph boxes PDFium cannot give cost the page its spacing fix, not its text
        pieces = _respaced(raw, *edits)
        if not with_lines:
            return page_text_of("".join(pieces)), []
        chars: list[str] = []
        source: list[int] = []  # per character of the text: its PDFium character, -1 when written here
        units = [(ch, index if k == 0 else -1) for index, piece in enumerate(pieces) for k, ch in enumerate(piece)]
        i = 0
        while i < len(units):
            ch, index = units[i]
            if ch == "\r":
                chars.append("\n")
                source.append(-1)
                i += 2 if units[i + 1 : i + 2] and units[i + 1][0] == "\n" else 1
                continue
            if ch in _SOFT_HYPHENS:
                chars += ["-", "\n"]
                source += [index, -1]
            elif ch == "\f":  # reserved for joining pages
                chars.append("\n")
                source.append(-1)
            elif ch in _TEX_LETTERS and _touches_word(units, i):
                letters = _TEX_LETTERS[ch]
                chars += list(letters)
                source += [index] + [-1] * (len(letters) - 1)
            elif ch != "\x00":  # NUL confuses SQLite text
                chars.append(_ONE_FOR_ONE.get(ch, ch))
                source.append(index)
            i += 1
        text, source = _trimmed(chars, source)
        lines = _lines(textpage, text, source, sized)
    finally:
        textpage.close()
    return text, lines


def _touches_word(units: list[tuple[str, int]], i: int) -> bool:
    """Whether the character at `i` has a letter or digit just before or after it."""
    return any(0 <= j < len(units) and units[j][0].isalnum() for j in (i - 1, i + 1))


def _respaced(raw: str, after: list[int], dropped: list[int]) -> list[str]:
    """What each PDFium character of `raw` becomes: itself, itself and a space, or nothing."""
    pieces = list(raw)
    for index in after:
        pieces[index] += " "
    for index in dropped:
        pieces[index] = ""
    return pieces


def page_text_of(raw: str) -> str:
    """PDFium's text of a page as stored: the same text `_page_text` builds character by
    character where it also needs positions, made here with string operations (fast)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\x00", "")
    text = _SOFT_HYPHEN.sub("-\n", text).translate(_ONE_FOR_ONE_TABLE)
    text = _TEX_GLYPH.sub(lambda m: _TEX_LETTERS[m.group(0)], text)
    return _LINE_END_SPACES.sub("\n", text).strip()


def _trimmed(chars: list[str], source: list[int]) -> tuple[str, list[int]]:
    """Drop spaces before line ends and around the page, keeping the sources aligned."""
    keep = [True] * len(chars)
    at_line_end = True
    for i in range(len(chars) - 1, -1, -1):
        if chars[i] in " \t" and at_line_end:
            keep[i] = False
        else:
            at_line_end = chars[i] == "\n"
    kept = [(c, s) for c, s, k in zip(chars, source, keep) if k]
    text = "".join(c for c, _ in kept)
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return text[start:end], [s for _, s in kept][start:end]


def _lines(textpage, text: str, source: list[int], sized: bool) -> list[_Line]:
    """Each line of the page with the position of its first drawn character, and with `sized`
    its type size (read only where headings are told by size: a call per glyph)."""
    lines = []
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        for offset in range(start, min(end, start + 8)):
            if source[offset] < 0 or text[offset].isspace():
                continue
            left, bottom, right, top = textpage.get_charbox(source[offset])
            if right > left or top > bottom:  # drawn, not a character PDFium made up
                lines.append(_Line(start, end, top, left, _size(textpage, text, source, offset, end) if sized else 0.0))
                break
        start = end + 1
    return lines


def _size(textpage, text: str, source: list[int], start: int, end: int) -> float:
    """The lower median size of the line's first few glyphs, each the larger of its loose box's
    height and its font size: Distiller sets every font at size 1 and scales the glyphs by the
    text matrix (the box has the size as drawn), and groff's bold Times measures a 10.9-point
    "DESCRIPTION" 9.9 points high over 10-point text (its font's ascent is short; the font
    size has it). 0 for a line that opens in a math font, whose big operators are not a
    heading's type."""
    import pypdfium2.raw as pdfium_c

    heights = []
    box = pdfium_c.FS_RECTF()
    for offset in range(start, min(end, start + 12)):
        if source[offset] >= 0 and not text[offset].isspace() and pdfium_c.FPDFText_GetLooseCharBox(textpage.raw, source[offset], box):
            if not heights and _MATH_FONT.search(_font_name(textpage, source[offset])):
                return 0.0
            heights.append(max(box.top - box.bottom, pdfium_c.FPDFText_GetFontSize(textpage.raw, source[offset])))
    return sorted(heights)[(len(heights) - 1) // 2] if heights else 0.0


def _font_name(textpage, index: int) -> str:
    """The name of the font a character is drawn in ("ABCDEF+CMEX10" for a subset)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, name, len(name), ctypes.byref(flags))
    return name.value.decode("latin-1")


def _place(text: str, lines: list[_Line], title: str, top: float | None, left: float | None) -> int | None:
    """Where a bookmark lands on its page: the first line at or below its destination,
    moved onto the title's own words when they follow within a few lines.

    Without a destination height (or positions), where the title's words are found, else None.
    """
    if top is None or not lines:
        return _find_title(text, title, 0)
    below = [line for line in lines if line.top <= top + _DESTINATION_SLACK]
    if left is not None:
        # In a column layout, the destination's column; in one column every line qualifies.
        below = [line for line in below if line.left >= left - 10] or below
    if not below:
        return None
    nearest = max(line.top for line in below)
    start = min(line.start for line in below if line.top == nearest)
    # The heading's own words just after the destination pin it exactly (a number may precede them).
    window_end = max([line.end for line in lines if start <= line.start <= start + 400] + [start])
    exact = _find_title(text[:window_end], title, start)
    return exact if exact is not None else start


def _find_title(text: str, title: str, start: int) -> int | None:
    """Offset of the title's words in text[start:], spaces flexible; its number may be left off.

    A heading begins where its line does when only its number stands before the words
    ("12.5 How do I report a bug?" for the bookmark "How do I report a bug?"): the
    chunker starts a section's chunk at a sentence start, and the number's line is one.
    """
    for candidate in (title, _TITLE_NUMBER.sub("", title)):
        words = [re.escape(word) for word in candidate.split()]
        if not words:
            continue
        match = re.compile(r"\s*".join(words) if len(words) == 1 else r"\s+".join(words)).search(text, start)
        if match:
            line_start = text.rfind("\n", 0, match.start()) + 1
            return line_start if _SECTION_LABEL.fullmatch(text, line_start, match.start()) else match.start()
    return None
