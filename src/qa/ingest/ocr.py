"""Text of scanned PDF pages: each page without a text layer rendered and read by Tesseract.

Why pytesseract and not ocrmypdf: `qa` needs the words of a page, not a new
PDF. ocrmypdf rewrites the whole file (with Ghostscript and a PDF/A
conversion, minutes for a long scan) and the text would then be read back out
of its output; pytesseract hands one rendered page to the `tesseract` command
and returns its text. PDFium (pypdfium2, which reads the PDF already) renders
the page, so a 300-page scan is read one page bitmap at a time: each is freed
before the next is drawn, and memory stays that of one page (about 25 MB at
300 dpi for a letter page), whatever the length of the file.

OCR runs only while indexing (the text is stored with the index and marked as
OCR'd); answering never renders or reads an image.
"""

from __future__ import annotations

import re
import shutil
from functools import lru_cache
from typing import Callable

OCR_DPI = 300  # Tesseract's accuracy drops fast below 300 dpi on body text
OCR_LANGUAGE = "eng"
INSTALL_HINT = "install Tesseract to read scanned pages (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-eng)"
_LINE_END_SPACES = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")

Progress = Callable[[str], None]


@lru_cache(maxsize=1)
def tesseract_problem() -> str | None:
    """Why OCR cannot run here (what to install), or None when Tesseract with English is ready."""
    if shutil.which("tesseract") is None:
        return f"Tesseract is not installed: {INSTALL_HINT}"
    try:
        import pytesseract

        languages = pytesseract.get_languages(config="")
    except Exception as exc:  # a broken install: say so rather than fail every scanned file
        return f"Tesseract does not run ({type(exc).__name__}: {str(exc)[:120]}): {INSTALL_HINT}"
    if OCR_LANGUAGE not in languages:
        return f"Tesseract has no English data: install tesseract-ocr-{OCR_LANGUAGE}"
    return None


def clean_ocr_text(text: str) -> str:
    """Tesseract's output as page text: no form feed (it ends pages with one; form feeds join
    pages in the index), no spaces at line ends, at most one blank line in a row, trimmed."""
    text = text.replace("\f", "\n").replace("\r", "")
    text = _LINE_END_SPACES.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


class PageReader:
    """Reads the text of one PDFium page with Tesseract, saying which page it is at.

    Args:
        name: the file, for progress lines ("OCR scan.pdf: page 3 of 300").
        progress: where those lines go (the indexer's progress).
    """

    def __init__(self, name: str, progress: Progress | None = None):
        self.name = name
        self.progress = progress

    def __call__(self, page, number: int, total: int) -> str:
        import pytesseract

        if self.progress is not None:
            self.progress(f"OCR {self.name}: page {number} of {total}")
        bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
        try:
            image = bitmap.to_pil()
            try:
                return clean_ocr_text(pytesseract.image_to_string(image, lang=OCR_LANGUAGE))
            finally:
                image.close()
        finally:
            bitmap.close()  # one page's pixels at a time, whatever the length of the scan
