"""Word (.docx), OpenDocument text (.odt), PowerPoint (.pptx) and RTF files to text.

Each reader walks the document's body in reading order and writes it out with
`TextBuilder`: heading styles ("Heading 2", an ODT <text:h> of outline level 2)
become headings, tables become rows of cells, the core properties give the
title and the date. Running headers and footers are left out, as a PDF's are.
A slide deck is paged like a PDF: slide n is page n, its title its heading,
its speaker notes after the slide's text under a "Speaker notes" heading, so a
passage from the notes says so in its heading path.
"""

from __future__ import annotations

import re
import zipfile

from qa.ingest.pdf_text import PAGE_BREAK, NotExtractable
from qa.ingest.stated_dates import calendar_day
from qa.ingest.text_blocks import ExtractedText, TextBuilder, join_pages

NOTES_HEADING = "Speaker notes"
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_ODF_NS = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
}


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: a password-protected package, or an old binary .doc/.ppt


def _unreadable(kind: str, exc: Exception, raw: bytes = b"") -> NotExtractable:
    if raw.startswith(_OLE_MAGIC):
        return NotExtractable(
            f"not a {kind} package: encrypted with a password, or an old binary Office file renamed"
            f" (save it unprotected as .{kind.lower()})"
        )
    if isinstance(exc, (zipfile.BadZipFile, KeyError)) or "zip" in type(exc).__name__.lower():
        # Office files are zip packages; an encrypted one is an OLE container instead.
        return NotExtractable(f"not a readable {kind} file (damaged, or encrypted with a password: save it unprotected)")
    return NotExtractable(f"unreadable {kind} file ({type(exc).__name__}: {str(exc)[:200]})")


def _core_date(properties, kind: str) -> tuple[str, str] | None:
    for name in ("created", "modified"):
        value = getattr(properties, name, None)
        day = calendar_day(value.isoformat() if value is not None else None)
        if day:
            return day, f"{kind} core {name}"
    return None


# -- DOCX ------------------------------------------------------------------


def extract_docx(raw: bytes) -> ExtractedText:
    """Paragraphs and tables in order, heading styles as headings, the core title and date.

    Raises:
        NotExtractable: not a readable .docx (damaged, encrypted) or no text in it.
    """
    import io

    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(raw))
        builder = TextBuilder()
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                _docx_table(block, builder)
            else:
                level = _docx_heading_level(block)
                if level:
                    builder.heading(level, block.text)
                else:
                    builder.paragraph(block.text)
        properties = document.core_properties
        title = (properties.title or "").strip() or None
        stated = _core_date(properties, "docx")
    except NotExtractable:
        raise
    except Exception as exc:
        raise _unreadable("DOCX", exc, raw) from exc
    return _checked(ExtractedText(builder.text, builder.headings, title, stated), "DOCX")


def _docx_heading_level(paragraph) -> int:
    """1-6 for "Heading N" styles (or a style based on one) and "Title"; 0 for body text."""
    style = paragraph.style
    for _ in range(4):  # a custom heading style is usually based on a built-in one, a step or two up
        if style is None:
            return 0
        name = (style.name or "").strip()
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        style = style.base_style
    return 0


def _docx_table(table, builder: TextBuilder) -> None:
    for row in table.rows:
        cells = []
        seen = set()
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans: write it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        builder.table_row(cells)
    builder.end_table()


# -- ODT -------------------------------------------------------------------


def extract_odt(raw: bytes) -> ExtractedText:
    """Paragraphs, lists and tables in order, <text:h> as headings, the meta title and date.

    Raises:
        NotExtractable: not a readable .odt or no text in it.
    """
    import io

    from odf import opendocument

    import contextlib

    try:
        # odfpy prints a damaged member's XML to stdout ("SAX FAILED TO PARSE"), which would
        # land in `qa`'s own output: the skip reason says what went wrong instead.
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            document = opendocument.load(io.BytesIO(raw))
        builder = TextBuilder()
        _odt_walk(document.text, builder)
        title, stated = _odt_meta(document)
    except NotExtractable:
        raise
    except Exception as exc:
        raise _unreadable("ODT", exc, raw) from exc
    return _checked(ExtractedText(builder.text, builder.headings, title, stated), "ODT")


def _odt_walk(element, builder: TextBuilder) -> None:
    for child in element.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        namespace, name = child.qname
        if namespace == _ODF_NS["text"] and name == "h":
            level = child.getAttrNS(_ODF_NS["text"], "outline-level")
            builder.heading(int(level) if level and str(level).isdigit() else 1, _odt_text(child))
        elif namespace == _ODF_NS["text"] and name == "p":
            builder.paragraph(_odt_text(child))
        elif namespace == _ODF_NS["table"] and name == "table":
            _odt_table(child, builder)
        elif name in ("tracked-changes", "sequence-decls", "variable-decls", "user-field-decls", "table-of-content"):
            continue  # bookkeeping, and a table of contents repeats the headings
        else:
            _odt_walk(child, builder)  # lists, sections, frames: their paragraphs in order


def _odt_table(table, builder: TextBuilder) -> None:
    def rows(node):
        for child in node.childNodes:
            if child.nodeType != child.ELEMENT_NODE:
                continue
            if child.qname == (_ODF_NS["table"], "table-row"):
                yield child
            elif child.qname[1] in ("table-header-rows", "table-rows", "table-row-group"):
                yield from rows(child)

    for row in rows(table):
        cells = [_odt_text(cell) for cell in row.childNodes if getattr(cell, "qname", None) == (_ODF_NS["table"], "table-cell")]
        builder.table_row(cells)
    builder.end_table()


def _odt_text(element) -> str:
    """The element's words: text nodes, <text:s> as spaces, <text:tab> and <text:line-break> as breaks."""
    parts: list[str] = []

    def walk(node) -> None:
        for child in node.childNodes:
            if child.nodeType == child.TEXT_NODE:
                parts.append(str(child.data))
            elif child.nodeType == child.ELEMENT_NODE:
                namespace, name = child.qname
                if namespace == _ODF_NS["text"] and name == "s":
                    parts.append(" ")
                elif namespace == _ODF_NS["text"] and name == "tab":
                    parts.append("\t")
                elif namespace == _ODF_NS["text"] and name == "line-break":
                    parts.append("\n")
                elif name in ("note", "annotation"):
                    continue  # footnotes and comments would break the sentence they sit in
                else:
                    walk(child)

    walk(element)
    return "".join(parts)


def _odt_meta(document) -> tuple[str | None, tuple[str, str] | None]:
    title = None
    stated = None
    for node in document.meta.childNodes:
        if node.nodeType != node.ELEMENT_NODE:
            continue
        name = node.qname[1]
        value = _odt_text(node).strip()
        if name == "title" and value:
            title = value
        elif name == "creation-date" and calendar_day(value):
            stated = (calendar_day(value), "odt meta creation-date")
        elif name == "date" and calendar_day(value) and stated is None:
            stated = (calendar_day(value), "odt dc:date")
    return title, stated


# -- PPTX ------------------------------------------------------------------


def extract_pptx(raw: bytes) -> ExtractedText:
    """One page per slide: its title as heading, its text boxes and tables in reading order,
    then its speaker notes under a "Speaker notes" heading.

    Raises:
        NotExtractable: not a readable .pptx or no text on any slide.
    """
    import io

    import pptx

    try:
        deck = pptx.Presentation(io.BytesIO(raw))
        pages = [_slide_text(slide, number) for number, slide in enumerate(deck.slides, start=1)]
        properties = deck.core_properties
        title = (properties.title or "").strip() or next(
            (page.title for page in pages if page.title), None
        )
        stated = _core_date(properties, "pptx")
    except NotExtractable:
        raise
    except Exception as exc:
        raise _unreadable("PPTX", exc, raw) from exc
    if not pages:
        raise NotExtractable("no slides in the deck")
    text, starts, headings = join_pages(pages, PAGE_BREAK)
    return _checked(ExtractedText(text, headings, title, stated, starts), "PPTX")


def _slide_text(slide, number: int) -> ExtractedText:
    builder = TextBuilder()
    title_shape = slide.shapes.title
    title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None and title_shape.has_text_frame else ""
    # An untitled slide still gets a heading of its own, or it would sit under the previous slide's title.
    builder.heading(1, title or f"Slide {number}")
    for shape in _reading_order(slide.shapes):
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        _shape_text(shape, builder)
    if slide.has_notes_slide:
        frame = slide.notes_slide.notes_text_frame
        notes = frame.text if frame is not None else ""
        if notes.strip():
            builder.heading(2, NOTES_HEADING)
            for paragraph in notes.split("\n"):
                builder.paragraph(paragraph)
    return ExtractedText(builder.text.replace(PAGE_BREAK, " "), builder.headings, title or None)


def _reading_order(shapes) -> list:
    """Top to bottom, then left to right: the order a reader takes a slide in (not the z-order)."""
    return sorted(shapes, key=lambda shape: (shape.top or 0, shape.left or 0))


def _shape_text(shape, builder: TextBuilder) -> None:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if getattr(shape, "shape_type", None) == MSO_SHAPE_TYPE.GROUP:
        for member in _reading_order(shape.shapes):
            _shape_text(member, builder)
        return
    if getattr(shape, "has_table", False) and shape.has_table:
        for row in shape.table.rows:
            builder.table_row([cell.text for cell in row.cells])
        builder.end_table()
        return
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        for paragraph in shape.text_frame.paragraphs:
            builder.paragraph("".join(run.text for run in paragraph.runs) or paragraph.text)


# -- RTF -------------------------------------------------------------------

_RTF_TITLE = re.compile(rb"\{\\title\s+([^{}]*)\}")
_RTF_CREATED = re.compile(rb"\\creatim\\yr(\d{4})\\mo(\d{1,2})\\dy(\d{1,2})")


def extract_rtf(raw: bytes) -> ExtractedText:
    """The text striprtf reads, its paragraphs as lines; headings are found as in plain text.

    Raises:
        NotExtractable: not RTF, or no text in it.
    """
    from striprtf.striprtf import rtf_to_text

    from qa.ingest.headings import plain_text_headings

    if not raw.lstrip().startswith(b"{\\rtf"):
        raise NotExtractable("not an RTF file (it does not start with {\\rtf)")
    try:
        # RTF is 7-bit: other characters are escapes striprtf decodes itself.
        plain = rtf_to_text(raw.decode("latin-1"), errors="ignore")
    except Exception as exc:
        raise NotExtractable(f"unreadable RTF ({type(exc).__name__}: {str(exc)[:200]})") from exc
    builder = TextBuilder()
    for paragraph in re.split(r"\n\s*\n|\n", plain.replace("\r\n", "\n").replace("\x00", "")):
        builder.paragraph(paragraph)
    text = builder.text
    title_match = _RTF_TITLE.search(raw)
    title = " ".join(title_match.group(1).decode("latin-1").split()) or None if title_match else None
    created = _RTF_CREATED.search(raw)
    day = calendar_day("-".join(part.decode() for part in created.groups())) if created else None
    return _checked(ExtractedText(text, plain_text_headings(text), title, (day, "rtf creatim") if day else None), "RTF")


def _checked(extracted: ExtractedText, kind: str) -> ExtractedText:
    if not extracted.text.strip():
        raise NotExtractable(f"no text in the {kind} file")
    return extracted
