"""Real Office, e-book, mail and scanned-PDF files for tests, written at test time with the
libraries that write them (python-docx, python-pptx, odfpy, ebooklib, fpdf2 and Pillow)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

FILLER = "The field team kept a careful log of every visit and shared it with the regional office each week. "

# One fact per file, each under a heading the tests expect in the heading path.
DOCX_FACT = "The water committee approved the new reservoir in the hill district after a long debate."
ODT_FACT = "The harbour authority inspected eleven cargo ships during the spring review."
PPTX_FACT = "Grain prices rose sharply in the northern markets after the drought."
PPTX_NOTE = "Remind the audience that the figures come from the ministry of agriculture survey."
EPUB_FACT = "The caravan crossed the salt desert in nineteen days without losing a camel."
RTF_FACT = "The orchestra rehearsed the symphony in the old cathedral every Thursday evening."
EML_FACT = "The delegation will arrive at the airport on Monday morning with the signed protocol."
ATTACHMENT_FACT = "The audit found that the vaccination clinic stored its vaccines at the right temperature."
SCAN_FACT = "The lighthouse keeper recorded a violent storm on the night of the fourth of May."


def write_docx(path: Path) -> Path:
    """Title style, Heading 1 "Water", Heading 2 "Reservoirs" with the fact, a table, core title and dates."""
    import docx

    document = docx.Document()
    document.add_paragraph("District Water Report", style="Title")
    document.add_paragraph(FILLER * 2)
    document.add_heading("Water", level=1)
    document.add_paragraph(FILLER * 3)
    document.add_heading("Reservoirs", level=2)
    document.add_paragraph(f"{FILLER}{DOCX_FACT} {FILLER}")
    table = document.add_table(rows=3, cols=2)
    for row, (name, volume) in enumerate((("Reservoir", "Volume"), ("Upper lake", "1200 cubic metres"), ("Lower lake", "800 cubic metres"))):
        table.cell(row, 0).text = name
        table.cell(row, 1).text = volume
    document.add_heading("Budget", level=1)
    document.add_paragraph("The budget section lists the costs of the pipes and the pumps for the district. " * 2)
    properties = document.core_properties
    properties.title = "District Water Report 2024"
    properties.created = dt.datetime(2024, 3, 5, 10, 0, 0)
    properties.modified = dt.datetime(2024, 4, 1, 10, 0, 0)
    document.save(path)
    return path


def write_pptx(path: Path) -> Path:
    """Three slides: "Overview", "Markets" (the fact, speaker notes), an untitled one with a table."""
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation()
    deck.core_properties.title = "Harvest Briefing"
    deck.core_properties.created = dt.datetime(2023, 11, 2, 9, 0, 0)
    for title, body, notes in (
        ("Overview", "This briefing covers the harvest season and the situation in the regional markets.", None),
        ("Markets", f"{PPTX_FACT} Traders reported long queues at the depots.", PPTX_NOTE),
    ):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if title == "Overview":  # a group of shapes: its text is read too
            group = slide.shapes.add_group_shape()
            box = group.shapes.add_textbox(Inches(1), Inches(6), Inches(6), Inches(1))
            box.text_frame.text = "Prepared by the regional food security cluster."
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    blank = deck.slides.add_slide(deck.slide_layouts[6])
    table = blank.shapes.add_table(2, 2, Inches(1), Inches(1), Inches(6), Inches(2)).table
    for row, cells in enumerate((("Crop", "Tonnes"), ("Barley harvest", "5400"))):
        for column, value in enumerate(cells):
            table.cell(row, column).text = value
    deck.save(path)
    return path


def write_odt(path: Path) -> Path:
    """Heading 1 "Ports", heading 2 "Inspections" with the fact, a table, a meta title and date."""
    from odf import dc, meta, table, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.meta.addElement(dc.Title(text="Harbour Review"))
    document.meta.addElement(meta.CreationDate(text="2022-06-15T08:30:00"))
    body = document.text
    body.addElement(text.H(outlinelevel=1, text="Ports"))
    body.addElement(text.P(text=FILLER * 2))
    body.addElement(text.H(outlinelevel=2, text="Inspections"))
    body.addElement(text.P(text=f"{FILLER}{ODT_FACT} {FILLER}"))
    grid = table.Table(name="Ships")
    grid.addElement(table.TableColumn(numbercolumnsrepeated=2))
    for cells in (("Ship", "Flag"), ("Northern Star", "Panama")):
        row = table.TableRow()
        for value in cells:
            cell = table.TableCell()
            cell.addElement(text.P(text=value))
            row.addElement(cell)
        grid.addElement(row)
    body.addElement(grid)
    document.save(str(path))
    return path


def write_epub(path: Path) -> Path:
    """Two chapters in spine order ("Departure", "The Desert" with a "Crossing" section holding the fact)."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("qa-test-book")
    book.set_title("Caravan Journals")
    book.set_language("en")
    book.add_metadata("DC", "date", "2019-09-01")
    chapters = []
    for number, (heading, body) in enumerate(
        (
            ("Departure", f"<p>{FILLER * 2}</p>"),
            ("The Desert", f"<p>{FILLER * 2}</p><h2>Crossing</h2><p>{FILLER}{EPUB_FACT} {FILLER}</p>"),
        ),
        start=1,
    ):
        chapter = epub.EpubHtml(title=heading, file_name=f"chapter{number}.xhtml", lang="en")
        chapter.content = f"<html><body><h1>{heading}</h1>{body}</body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = chapters  # the nav page is left out of the reading order
    epub.write_epub(str(path), book)
    return path


def write_rtf(path: Path) -> Path:
    """An RTF file with an info title and creation time, a heading line, then the fact."""
    body = "\\par\\par ".join(["Concert Season", f"{FILLER}{RTF_FACT} {FILLER}", FILLER * 2])
    path.write_bytes(
        (
            "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}"
            "{\\info{\\title Concert Season Notes}{\\creatim\\yr2021\\mo2\\dy14}}"
            f"\\f0\\fs24 {body}\\par}}"
        ).encode("ascii")
    )
    return path


def write_attachment_pdf(path: Path) -> Path:
    """Two pages; the audit fact on page 2."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Clinic Audit")
    pdf.set_font("Helvetica", size=11)
    for page_text in (FILLER * 4, f"{FILLER}{ATTACHMENT_FACT} {FILLER}"):
        pdf.add_page()
        pdf.multi_cell(0, 6, page_text)
    path.write_bytes(bytes(pdf.output()))
    return path


def write_eml(path: Path, attachment: Path | None = None, html: bool = False) -> Path:
    """A mail with subject, From/To/Date, a plain (or HTML) body and optionally a PDF attachment."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "Delegation visit"
    message["From"] = "Amina Yusuf <amina@example.org>"
    message["To"] = "Field Office <office@example.org>"
    message["Date"] = "Tue, 07 May 2024 09:15:00 +0000"
    body = f"Dear colleagues,\n\n{EML_FACT}\n\n{FILLER}\n\nBest regards,\nAmina"
    if html:
        message.set_content("")
        message.clear_content()
        message.set_content(f"<html><body><p>Dear colleagues,</p><p>{EML_FACT}</p><p>{FILLER}</p></body></html>", subtype="html")
    else:
        message.set_content(body)
    if attachment is not None:
        message.add_attachment(attachment.read_bytes(), maintype="application", subtype="pdf", filename=attachment.name)
        message.add_attachment(b"PK\x03\x04 not read", maintype="application", subtype="zip", filename="photos.zip")
    path.write_bytes(bytes(message))
    return path


def write_scanned_pdf(path: Path, pages: int = 2, fact_page: int = 2) -> Path:
    """An image-only PDF (no text layer, like a scan): each page a picture of typed text."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    pdf = FPDF()
    for page in range(1, pages + 1):
        lines = [f"Keeper's log, page {page}.", ""]
        lines += [SCAN_FACT] if page == fact_page else ["The sea was calm and the lamp was cleaned at dawn."]
        lines += ["", "Ships passed the point safely and the weather was mild."]
        image = Image.new("L", (1700, 2200), 255)
        draw = ImageDraw.Draw(image)
        font = ImageFont.load_default(size=34)
        y = 150
        for line in lines:
            draw.text((120, y), line, fill=0, font=font)
            y += 60
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=pdf.w, h=pdf.h)
        image.close()
    path.write_bytes(bytes(pdf.output()))
    return path


def write_msg(path: Path, attachment: Path | None = None) -> Path:
    """An Outlook .msg (an OLE compound file of MAPI property streams, written with extract-msg's
    own OleWriter): subject, sender, one To recipient, the submit time, a plain body, an attachment."""
    import struct

    from extract_msg.ole_writer import OleWriter

    def utf16(text: str) -> bytes:
        return text.encode("utf-16-le")

    def fixed(property_id: int, property_type: int, value: bytes) -> bytes:
        # A fixed-size property entry: type, id, flags (readable, writable), 8 value bytes.
        return struct.pack("<HHI", property_type, property_id, 6) + value.ljust(8, b"\0")

    submitted = dt.datetime(2024, 5, 7, 9, 15, tzinfo=dt.timezone.utc)
    filetime = struct.pack("<Q", int((submitted - dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc)).total_seconds() * 10_000_000))
    writer = OleWriter()
    # Top-level header: reserved, next recipient id, next attachment id, recipient count, attachment count, reserved.
    header = b"\0" * 8 + struct.pack("<IIII", 1, 1, 1, 1 if attachment else 0) + b"\0" * 8
    writer.addEntry("__properties_version1.0", header + fixed(0x0039, 0x0040, filetime) + fixed(0x0E06, 0x0040, filetime))
    for property_id, value in (
        (0x001A, "IPM.Note"),
        (0x0037, "Delegation visit"),
        (0x1000, f"Dear colleagues,\r\n\r\n{EML_FACT}\r\n\r\n{FILLER}\r\n"),
        (0x0C1A, "Amina Yusuf"),
        (0x0C1F, "amina@example.org"),
        (0x0E04, "Field Office"),
    ):
        writer.addEntry(f"__substg1.0_{property_id:04X}001F", utf16(value))
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("0002", "0003", "0004"):  # the named-property GUID, entry and string streams
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}0102", b"")
    recipient = "__recip_version1.0_#00000000"
    writer.addEntry(recipient, storage=True)
    writer.addEntry(f"{recipient}/__properties_version1.0", b"\0" * 8 + fixed(0x0C15, 0x0003, struct.pack("<I", 1)))  # To
    writer.addEntry(f"{recipient}/__substg1.0_3001001F", utf16("Field Office"))
    writer.addEntry(f"{recipient}/__substg1.0_3003001F", utf16("office@example.org"))
    writer.addEntry(f"{recipient}/__substg1.0_39FE001F", utf16("office@example.org"))
    if attachment is not None:
        stored = "__attach_version1.0_#00000000"
        writer.addEntry(stored, storage=True)
        writer.addEntry(f"{stored}/__properties_version1.0", b"\0" * 8 + fixed(0x3705, 0x0003, struct.pack("<I", 1)))  # by value
        writer.addEntry(f"{stored}/__substg1.0_37010102", attachment.read_bytes())
        writer.addEntry(f"{stored}/__substg1.0_3707001F", utf16(attachment.name))
        writer.addEntry(f"{stored}/__substg1.0_3704001F", utf16(attachment.name))
    writer.write(str(path))
    return path
