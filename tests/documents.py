"""Real PDF and HTML files for tests, written at test time (fpdf2 writes the PDFs)."""

from __future__ import annotations

from pathlib import Path

FILLER = "Convoys moved supplies along the northern route while observers logged each crossing. "

# The facts the tests ask about, one per page of the report.
PAGE_FACTS = {
    1: "The survey team counted forty wells in the valley during the first week.",
    3: "The ceasefire agreement was signed in Doha on the twelfth of March by both delegations.",
    4: "Winter flooding closed the mountain pass for nine days in February.",
}


def write_report_pdf(path: Path, empty_page: int = 2, columns_page: bool = True, bookmarks: bool = False) -> Path:
    """A multi-page report: a fact on pages 1, 3 and 4, page 2 only a drawing (no text
    layer, like a scan), and optionally a last page set in two columns. With
    `bookmarks`, an outline: "Section N" for pages 1, 3, 4 and "Doha talks" under
    Section 3 (a bookmark whose title is not on its page)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Regional Field Report")
    pdf.set_font("Helvetica", size=11)
    for page in range(1, 5):
        pdf.add_page()
        if page == empty_page:
            pdf.rect(20, 20, 120, 160, style="F")
            continue
        if bookmarks:
            pdf.start_section(f"Section {page}", level=0)
            if page == 3:
                pdf.start_section("Doha talks", level=1)
        fact = PAGE_FACTS.get(page, "")
        pdf.multi_cell(0, 6, f"Section {page}\n\n{FILLER * 3}{fact} {FILLER * 4}")
    if columns_page:
        pdf.add_page()
        with pdf.text_columns(ncols=2, gutter=10) as cols:
            cols.write("Left column opens here. " + "The left column describes the harbour inspections. " * 30)
            cols.write("Right column opens here. " + "The right column lists the customs tariffs. " * 12)
    path.write_bytes(bytes(pdf.output()))
    return path


def write_manpage_pdf(path: Path, lines: list[str], letter_spaced: str, split_word: tuple[str, str], bookmark: bool = False) -> Path:
    """A page drawn the way Ghostscript prints a groff man page: no space characters between
    words; each word gap sits inside a two-letter string whose character spacing is the gap
    (`2.8 Tc (da) Tj`: "d", a space's width, "a"). Then `letter_spaced` drawn with 2 pt between
    all its letters (a letter-spaced heading), and split_word[0] followed by " " + split_word[1]
    drawn back so that the space shows no gap (groff's "giv en"). With `bookmark`, an outline
    entry pointing at the page (PDF text is then read with glyph positions)."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.add_page()
    if bookmark:
        pdf.start_section("Invocation")
    pdf.set_font("Helvetica", size=10)
    gap = pdf.get_string_width(" ") * 1.1  # groff widens gaps to justify a line
    y = 72.0

    def draw(x: float, text: str, spacing: float = 0.0) -> float:
        pdf.set_char_spacing(0)
        width = pdf.get_string_width(text)
        pdf.set_char_spacing(spacing)
        pdf.text(x, y, text)
        return x + width + spacing * (len(text) - 1)  # where the next glyph starts

    for line in lines:
        letters = line.replace(" ", "")
        words = line.split(" ")
        gap_after = {len("".join(words[: n + 1])) - 1 for n in range(len(words) - 1)}  # letter indexes
        x, i = 72.0, 0
        while i < len(letters):
            next_gap = min((j for j in gap_after if j >= i), default=len(letters))
            if next_gap > i:  # the letters up to the one before the next gap
                x = draw(x, letters[i:next_gap])
                i = next_gap
                continue
            x = draw(x, letters[i : i + 2], spacing=gap)
            x += gap if i + 1 in gap_after else 0.0  # a one-letter word: the gap after it is a move
            i += 2
        y += 14
    draw(72.0, letter_spaced, spacing=2.0)
    y += 14
    left, right = split_word
    after_left = draw(72.0, left)
    draw(after_left - pdf.get_string_width(" ") - 0.05, " " + right)
    path.write_bytes(bytes(pdf.output()))
    return path


ARTICLE_PARAGRAPH = (
    "Analysts reviewed the border situation in detail and agreed on new measures for the coming season, "
    "noting that regional cooperation had improved since the previous assessment was published. "
)


def write_article_html(path: Path) -> Path:
    """A saved web page: navigation, cookie banner, article with h1-h3, popular posts, comments, scripts."""
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Border Security Assessment | Example News</title>
<style>.menu {{ color: red; }} .zebrastyle {{ display: none; }}</style>
<script>var zebratracker = "analytics";</script></head>
<body>
<header><nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/zebranav">Zebranav subscriptions</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent">We use zebracookie cookies to improve your experience. Accept all cookies.</div>
<main><article>
<h1>Border Security Assessment</h1>
<p>{ARTICLE_PARAGRAPH * 2}</p>
<h2>Tactics</h2>
<p>{ARTICLE_PARAGRAPH * 2}</p>
<h3>Urban Terrorism</h3>
<p>The cell placed improvised devices in crowded bazaars during the spring of 2023, according to provincial officials. {ARTICLE_PARAGRAPH}</p>
<h2>Outlook</h2>
<p>{ARTICLE_PARAGRAPH * 2}</p>
</article></main>
<aside class="popular-posts widget"><h3>Popular posts</h3><ul>
<li><a href="/a">Zebrapopular: ten reasons the markets rallied</a></li><li><a href="/b">Zebrapopular: celebrity chef opens diner</a></li></ul></aside>
<section id="comments" class="comments"><h3>2 comments</h3>
<div class="comment"><p>Zebracomment: great article, I loved reading about this and will share it with my friends.</p></div>
<div class="comment"><p>Zebracomment: this is nonsense, the author clearly never visited the region at all.</p></div>
</section>
<footer><p>Copyright 2025 Example News. Zebrafooter all rights reserved.</p></footer>
<script>document.write("zebrascript");</script>
</body></html>
"""
    path.write_text(html, encoding="utf-8")
    return path


BOILERPLATE_MARKERS = ("zebra",)  # every word of navigation, banners, comments, scripts and styles holds it


# Sections of the manual `write_manual_pdf` writes, one starting on each of its pages 2-5:
# (number, title as the bookmark has it, a sentence of the section).
MANUAL_SECTIONS = (
    ("1.1", "Installing the scheduler", "The installer copies the scheduler binary into the system path and creates its group."),
    ("1.2", "Where the scheduler keeps its jobs", "Queued jobs are kept under the spool directory of the scheduler, one file per job."),
    ("1.3", "How to report a bug", "Bugs are reported with the reportbug tool, which mails the maintainers a template."),
    ("1.4", "Removing old jobs", "A nightly cleaner deletes finished jobs older than thirty days from the spool."),
)
MANUAL_FOOTNOTE = "The spool directory is emptied when the system boots from a rescue disk."


def write_manual_pdf(path: Path) -> Path:
    """A manual set as dblatex and LaTeX set one: page 1 its table of contents (dot leaders,
    a chapter without one, an entry wrapped onto two lines), pages 2-5 one section each
    (page 2 opens the chapter, pages 3-5 under a running header naming the chapter and the
    section in capitals, cut short after a word with "...": a different line on every
    page), numbered headings whose bookmarks leave the number out, a page number at each
    foot, and on page 3 a footnote whose number runs into its text ("1The spool ...")."""
    from fpdf import FPDF

    filler = "The scheduler runs each queued job at its time and records the outcome in its log. "
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_title("Scheduler Manual")
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    pdf.start_section("Contents", level=0)
    contents = ["Contents", "1 Getting started with the scheduler 2"]
    for n, (number, title, _) in enumerate(MANUAL_SECTIONS, start=2):
        contents.append(f"{number} {title} " + ". " * (40 - len(title) // 2) + str(n))
    contents += ["2 An entry whose title is too long to fit on one line of the table of contents, so", "it wraps onto a second " + ". " * 30 + "6"]
    for line in contents:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    for page, (number, title, sentence) in enumerate(MANUAL_SECTIONS, start=2):
        pdf.add_page()
        if page == 2:
            pdf.start_section("Getting started with the scheduler", level=0)
            pdf.cell(0, 8, "1 Getting started with the scheduler", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(0, 6, f"CHAPTER 1. GETTING STARTED WITH THE ... {number}. {' '.join(title.upper().split()[:3])}...", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        reference = "1" if page == 3 else ""
        pdf.multi_cell(0, 5, f"{filler * 4}The cleaner never touches the spool of a running job.{reference}")
        pdf.ln(4)
        pdf.start_section(title, level=1)
        pdf.cell(0, 6, f"{number} {title}", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 5, f"{sentence} {filler * 5}")
        if page == 3:
            pdf.set_y(262)
            pdf.cell(0, 5, f"1{MANUAL_FOOTNOTE}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(275)
        pdf.cell(0, 5, str(page), align="C")
    path.write_bytes(bytes(pdf.output()))
    return path


def write_typeset_pdf(path: Path) -> Path:
    """A manual without bookmarks whose headings only their type size marks, as plain LaTeX
    and Texinfo through dvipdfm set them: on page 1 "Chapter 2" at 16 points over its title
    at 22 and, right under them, a section title at 14 wrapped onto two lines; on page 2 a
    second section and a subsection at 12, all over 10-point text; and, set large but no headings, a figure's label drawn inside it,
    away from the margin, and a displayed formula at the margin."""
    from fpdf import FPDF

    filler = "The spooler keeps each job in its queue until a printer is free to take it. "
    pdf = FPDF()
    pdf.set_title("Spooler Manual")
    for page, blocks in enumerate(TYPESET_PAGES, start=1):
        pdf.add_page()
        for size, text, x in blocks:
            pdf.set_font("Helvetica", size=size)
            if x:
                pdf.set_x(x)
            # Titles in a narrow column, so the long one wraps.
            pdf.multi_cell(0 if size == 10 else 100, size * 0.5, text if size > 10 else f"{text} {filler * 6}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    path.write_bytes(bytes(pdf.output()))
    return path


TYPESET_PAGES = [
    [(16, "Chapter 2", 0), (22, "Queues", 0), (14, "2.1 How the spooler orders the jobs of one queue", 0),
     (10, "Priority decides the order: a job of priority 9 prints before one of priority 1.", 0)],
    [(10, "The queue is read again at every job's end.", 0), (14, "2.2 Limits", 0),
     (16, "queue head", 120), (10, "At most 64 jobs wait in one queue.", 0), (16, "= 64 x n", 0),
     (12, "2.2.1 Disk space", 0), (10, "Spooled files are kept under /var/spool until printed.", 0)],
]


def raw_pdf(content: bytes) -> bytes:
    """A one-page PDF drawing `content` (a content stream) in Helvetica with no encoding or
    ToUnicode map: PDFium reads each code as it is, as it does a TeX font's glyph codes."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
