"""Walk a corpus folder and read each supported file into a `Document`.

Offsets everywhere in `qa` index into `Document.text`, which is built to equal
`open(path, encoding=document.encoding).read()`: decoded with the encoding the
bytes tell (UTF-8 nearly always) and with universal-newline translation (CRLF
and CR become LF), a UTF-8 BOM kept as Python keeps it.

PDF and HTML files have no such text: theirs is extracted (see `extract`), the
index stores it, and `qa show` prints exactly what offsets index.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest.extract import PAGE_BREAK, NotExtractable, extract_html, extract_pdf
from qa.ingest.headings import markdown_headings, plain_text_headings
from qa.ingest.text_decoding import NotText, decode_text
from qa.ingest.titles import markdown_title, pdf_title, plain_text_title, readable_file_name, short_title
from qa.records import Document, Heading, SkippedFile

MARKDOWN_SUFFIXES = (".md", ".markdown")
PDF_SUFFIXES = (".pdf",)
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (".txt",) + MARKDOWN_SUFFIXES + PDF_SUFFIXES + HTML_SUFFIXES


@dataclass(frozen=True)
class CorpusScan:
    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...]


def list_corpus_files(corpus_dir: Path) -> list[Path]:
    """Supported files under `corpus_dir`, recursively, in a stable order.

    Raises:
        CorpusError: the folder does not exist or is not a folder.
    """
    if not corpus_dir.exists():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist: pass --corpus DIR or set QA_CORPUS")
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus {corpus_dir} is not a folder: pass --corpus DIR with your documents")
    found = []
    # followlinks=False: a symlinked folder could loop forever or leave the corpus.
    for folder, subfolders, files in os.walk(corpus_dir, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if name.lower().endswith(SUPPORTED_SUFFIXES):
                found.append(Path(folder) / name)
    return found


def document_id(corpus_dir: Path, path: Path) -> str:
    return path.relative_to(corpus_dir).as_posix()


class FileTooLarge(ValueError):
    pass


def read_document(corpus_dir: Path, path: Path, max_bytes: int | None = None) -> Document:
    """Read one file.

    Raises:
        OSError: it cannot be read. NotText: it is not text in an encoding that can be told.
        NotExtractable: a PDF or HTML file that is damaged or has no text.
        FileTooLarge: it is over `max_bytes` (checked before reading it).
    """
    stat = path.stat()
    if max_bytes is not None and stat.st_size > max_bytes:
        raise FileTooLarge(
            f"{stat.st_size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit (set QA_MAX_FILE_MB to index it)"
        )
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    common = dict(
        doc_id=document_id(corpus_dir, path),
        content_hash=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        mtime_ns=stat.st_mtime_ns,
    )
    if suffix in PDF_SUFFIXES:
        return _pdf_document(raw, path, common)
    if suffix in HTML_SUFFIXES:
        return _html_document(raw, path, common)
    decoded = decode_text(raw)
    markdown = suffix in MARKDOWN_SUFFIXES
    found = markdown_title(decoded.text) if markdown else plain_text_title(decoded.text)
    return Document(
        title=short_title(found or readable_file_name(path)),
        text=decoded.text,
        encoding=decoded.encoding,
        headings=markdown_headings(decoded.text) if markdown else plain_text_headings(decoded.text),
        **common,
    )


def _pdf_document(raw: bytes, path: Path, common: dict) -> Document:
    extracted = extract_pdf(raw)
    pages = extracted.pages
    starts = []
    offset = 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + len(PAGE_BREAK)
    text = PAGE_BREAK.join(pages)
    return Document(
        title=short_title(pdf_title(extracted.title, pages) or readable_file_name(path)),
        text=text,
        kind="pdf",
        page_starts=tuple(starts),
        empty_pages=tuple(n for n, page in enumerate(pages, start=1) if not page.strip()),
        headings=_outline_headings(extracted.outline, pages, starts),
        date=extracted.stated_date[0] if extracted.stated_date else None,
        date_source=extracted.stated_date[1] if extracted.stated_date else None,
        **common,
    )


def _outline_headings(outline, pages: tuple[str, ...], starts: list[int]) -> tuple[Heading, ...]:
    """PDF bookmarks as headings: each where its destination lands on its page (see
    `pdf_text`), else at the page's start."""
    headings = []
    for bookmark in outline:
        if bookmark.page > len(pages):
            continue
        offset = bookmark.offset if bookmark.offset is not None else 0
        headings.append(Heading(starts[bookmark.page - 1] + offset, bookmark.level, bookmark.title))
    # In reading order; bookmarks on one spot keep the outline's order (parent before child).
    return tuple(sorted(headings, key=lambda heading: heading.start))


def _html_document(raw: bytes, path: Path, common: dict) -> Document:
    extracted = extract_html(raw)
    return Document(
        title=short_title(extracted.title or plain_text_title(extracted.text) or readable_file_name(path)),
        text=extracted.text,
        kind="html",
        headings=extracted.headings,
        date=extracted.stated_date[0] if extracted.stated_date else None,
        date_source=extracted.stated_date[1] if extracted.stated_date else None,
        **common,
    )


def read_corpus_files(
    corpus_dir: Path, doc_ids: list[str] | tuple[str, ...], max_bytes: int | None = None
) -> tuple[list[Document], list[SkippedFile]]:
    """Read the given files; each one that cannot be read is skipped with a reason, never fatal."""
    documents = []
    skipped = []
    for doc_id in doc_ids:
        try:
            document = read_document(corpus_dir, corpus_dir / doc_id, max_bytes)
        except (NotText, NotExtractable, FileTooLarge) as exc:
            skipped.append(SkippedFile(doc_id, str(exc)))
            continue
        except OSError as exc:
            # Vanished since the folder was listed, unreadable, a dangling link: skip, say why.
            skipped.append(SkippedFile(doc_id, f"cannot read: {exc.strerror or exc}"))
            continue
        if not document.text.strip():
            skipped.append(SkippedFile(doc_id, "empty file"))
            continue
        documents.append(document)
    return documents, skipped


def nothing_readable(corpus_dir: Path, skipped: list[SkippedFile]) -> CorpusError:
    """The error for a corpus in which no document could be read, with the reasons."""
    if not skipped:
        others = sorted({p.suffix.lower() or p.name for p in corpus_dir.rglob("*") if p.is_file()} - {""})[:6]
        found = f" (it has {', '.join(others)} files)" if others else " (it is empty)"
        return CorpusError(
            f"corpus folder {corpus_dir} has no .txt, .md, .pdf or .html files{found}: add documents or pass --corpus DIR"
        )
    reasons = "; ".join(f"{s.doc_id}: {s.reason}" for s in skipped[:5])
    return CorpusError(f"no file in {corpus_dir} could be read ({reasons})")


def load_corpus(corpus_dir: Path, max_bytes: int | None = None) -> CorpusScan:
    """Read every supported file; unreadable ones are skipped with a reason, never fatal.

    Raises:
        CorpusError: the folder is missing, or not one file in it could be read.
    """
    doc_ids = [document_id(corpus_dir, path) for path in list_corpus_files(corpus_dir)]
    documents, skipped = read_corpus_files(corpus_dir, doc_ids, max_bytes)
    if not documents:
        raise nothing_readable(corpus_dir, skipped)
    return CorpusScan(tuple(documents), tuple(skipped))
