"""Walk a corpus folder and read each supported file into a `Document`.

Offsets everywhere in `qa` index into `Document.text`, which is built to equal
`open(path, encoding=document.encoding).read()`: decoded with the encoding the
bytes tell (UTF-8 nearly always) and with universal-newline translation (CRLF
and CR become LF), a UTF-8 BOM kept as Python keeps it.

PDF and HTML files have no such text: theirs is extracted (see `extract`), the
index stores it, and `qa show` prints exactly what offsets index. So is that of
Word, OpenDocument, slide, EPUB, RTF and mail files (`office`, `ebook`,
`mail`); a mail's attachments of these types are documents of their own, with
ids `mail.eml › report.pdf`.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest.extract import PAGE_BREAK, NotExtractable, extract_html, extract_pdf
from qa.ingest.headings import manual_page_headings, manual_page_title, markdown_headings, plain_text_headings, rst_headings, underlined_title
from qa.ingest.markdown_text import MARKDOWN_SUFFIXES
from qa.ingest.overstrike import bold_headings, without_overstrike
from qa.ingest.text_decoding import NotText, decode_text
from qa.ingest.titles import markdown_title, pdf_title, plain_text_title, readable_file_name, reads_as_title, short_title
from qa.records import Document, Heading, SkippedFile

PDF_SUFFIXES = (".pdf",)
HTML_SUFFIXES = (".html", ".htm")
# Extracted formats: suffix -> the document kind (what `qa show` and citations call it).
EXTRACTED_KINDS = {
    ".docx": "docx",
    ".odt": "odt",
    ".pptx": "pptx",
    ".epub": "epub",
    ".rtf": "rtf",
    ".eml": "eml",
    ".msg": "msg",
}
# Read as plain text: reStructuredText reads well as it is (Python projects' READMEs are .rst).
PLAIN_TEXT_SUFFIXES = (".txt", ".text", ".rst")
SUPPORTED_SUFFIXES = PLAIN_TEXT_SUFFIXES + MARKDOWN_SUFFIXES + PDF_SUFFIXES + HTML_SUFFIXES + tuple(EXTRACTED_KINDS)
# Files a package ships as plain text without an extension, read as such by name.
PLAIN_TEXT_NAMES = frozenset(
    "readme license licence copying copyright news install authors changelog changes notice todo hacking thanks contributing"
    " faq bugs history".split()
)
# What a README.Debian.gz or LICENSE.png is: not plain text.
_NOT_TEXT_SUFFIXES = frozenset("gz bz bz2 xz z zst lz lzma zip tar tgz jar png jpg jpeg gif svg ico webp bmp tif tiff exe bin so dll a o".split())
# Between a mail's id and its attachment's name in the attachment's document id and citation.
ATTACHMENT_SEPARATOR = " › "
_MAX_ATTACHMENT_DEPTH = 2  # a mail attached to a mail is read; one attached deeper is not


@dataclass(frozen=True)
class CorpusScan:
    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...]


def is_supported(name: str) -> bool:
    """Whether `qa` reads a file of this name: by its extension, or a README, LICENSE, COPYING...
    without one or with a note of whom it is for after it (README.Debian, NEWS.source), not compressed."""
    lower = name.lower()
    if lower.endswith(SUPPORTED_SUFFIXES):
        return True
    first, *notes = lower.split(".")
    named = first in PLAIN_TEXT_NAMES or re.split(r"[_-]", first)[-1] in PLAIN_TEXT_NAMES  # Postfix's TLS_README
    return named and all(note.isalpha() and note not in _NOT_TEXT_SUFFIXES for note in notes)


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
            if is_supported(name):
                found.append(Path(folder) / name)
    return found


def unsupported_files(corpus_dir: Path) -> tuple[str, ...]:
    """Files under `corpus_dir` of types `qa` does not read (ids, in a stable order), walked as
    `list_corpus_files` walks, so nothing is ignored without a word. () for a missing folder."""
    if not corpus_dir.is_dir():
        return ()
    found = []
    for folder, subfolders, files in os.walk(corpus_dir, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and not is_supported(name):
                found.append(document_id(corpus_dir, Path(folder) / name))
    return tuple(found)


def describe_unsupported(doc_ids: tuple[str, ...]) -> str:
    """"3 files of types qa does not read: .xlsx (2), .zip (1)"."""
    from collections import Counter

    types = Counter(Path(doc_id).suffix.lower() or "(no extension)" for doc_id in doc_ids)
    listed = ", ".join(f"{suffix} ({count})" for suffix, count in sorted(types.items(), key=lambda item: (-item[1], item[0])))
    return f"{len(doc_ids)} {'file' if len(doc_ids) == 1 else 'files'} of types qa does not read: {listed}"


def document_id(corpus_dir: Path, path: Path) -> str:
    return path.relative_to(corpus_dir).as_posix()


class FileTooLarge(ValueError):
    pass


def read_document(corpus_dir: Path, path: Path, max_bytes: int | None = None, progress=None) -> Document:
    """Read one file (a mail without its attachments: see `read_documents`).

    Raises:
        OSError: it cannot be read. NotText: it is not text in an encoding that can be told.
        NotExtractable: a PDF, HTML, Office, EPUB or mail file that is damaged or has no text.
        FileTooLarge: it is over `max_bytes` (checked before reading it).
    """
    return read_documents(corpus_dir, path, max_bytes, progress)[0][0]


def read_documents(
    corpus_dir: Path, path: Path, max_bytes: int | None = None, progress=None
) -> tuple[list[Document], list[SkippedFile]]:
    """Read one file, and the attachments of a mail: ([the file's document, attachments...],
    attachments that could not be read). `progress`, when given, is told about OCR page by page
    (and turns OCR on: pages are OCR'd while indexing, never while answering).

    Raises: as `read_document`, for the file itself.
    """
    stat = path.stat()
    if max_bytes is not None and stat.st_size > max_bytes:
        raise FileTooLarge(
            f"{stat.st_size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit (set QA_MAX_FILE_MB to index it)"
        )
    return _read_bytes(path.read_bytes(), document_id(corpus_dir, path), stat.st_mtime_ns, progress, 0)


def _read_bytes(raw: bytes, doc_id: str, mtime_ns: int, progress, depth: int) -> tuple[list[Document], list[SkippedFile]]:
    path = Path(doc_id.rsplit(ATTACHMENT_SEPARATOR, 1)[-1])
    suffix = path.suffix.lower()
    common = dict(doc_id=doc_id, content_hash=hashlib.sha256(raw).hexdigest(), size=len(raw), mtime_ns=mtime_ns)
    if suffix in (".eml", ".msg"):
        return _mail_documents(raw, path, common, progress, depth)
    return [_single_document(raw, path, suffix, common, progress)], []


def _single_document(raw: bytes, path: Path, suffix: str, common: dict, progress) -> Document:
    if suffix in PDF_SUFFIXES:
        return _pdf_document(raw, path, common, progress)
    if suffix in HTML_SUFFIXES:
        return _html_document(raw, path, common)
    if suffix in EXTRACTED_KINDS:
        return _extracted_document(_extract(raw, suffix), EXTRACTED_KINDS[suffix], path, common)
    decoded = decode_text(raw)
    if suffix in MARKDOWN_SUFFIXES:
        # A README is named after its folder ("GitPython/README.md"); another file after itself.
        name = path.parent.name if path.stem.lower().startswith("readme") else path.stem
        found, headings = markdown_title(decoded.text, name), markdown_headings(decoded.text)
    elif suffix == ".rst":
        headings = rst_headings(decoded.text)
        found = headings[0].title if headings else plain_text_title(decoded.text, path.stem)
    else:
        typeset = without_overstrike(decoded.text)
        if typeset is not None:
            # Typeset for a terminal: read what it shows ("Overview", not "OOvveerrvviieeww"); the
            # offsets then index that text, as they index any extracted text.
            shown, headings = typeset.text, bold_headings(typeset) or plain_text_headings(typeset.text)
            found = plain_text_title(shown, path.stem)
            return Document(title=short_title(found or readable_file_name(path)), text=shown, kind="typeset", headings=headings, **common)
        headings = plain_text_headings(decoded.text)
        given = (underlined_title(decoded.text, headings), manual_page_title(decoded.text, headings))
        found = next((title for title in given if title and reads_as_title(title)), "") or plain_text_title(decoded.text, path.stem)
    return Document(
        title=short_title(found or readable_file_name(path)),
        text=decoded.text,
        encoding=decoded.encoding,
        headings=headings,
        **common,
    )


def _extract(raw: bytes, suffix: str):
    from qa.ingest import ebook, office

    readers = {".docx": office.extract_docx, ".odt": office.extract_odt, ".pptx": office.extract_pptx}
    readers.update({".rtf": office.extract_rtf, ".epub": ebook.extract_epub})
    return readers[suffix](raw)


def _extracted_document(extracted, kind: str, path: Path, common: dict) -> Document:
    from qa.ingest.headings import plain_text_headings

    headings = extracted.headings
    title = extracted.title or (headings[0].title if headings else None) or plain_text_title(extracted.text)
    return Document(
        title=short_title(title or readable_file_name(path)),
        text=extracted.text,
        kind=kind,
        page_starts=extracted.page_starts,
        headings=headings,
        date=extracted.stated_date[0] if extracted.stated_date else None,
        date_source=extracted.stated_date[1] if extracted.stated_date else None,
        **common,
    )


def _mail_documents(raw: bytes, path: Path, common: dict, progress, depth: int) -> tuple[list[Document], list[SkippedFile]]:
    from qa.ingest.mail import extract_eml, extract_msg

    mail = (extract_eml if path.suffix.lower() == ".eml" else extract_msg)(raw)
    message = _extracted_document(mail.message, path.suffix.lower()[1:], path, common)
    documents, skipped = [message], []
    if depth >= _MAX_ATTACHMENT_DEPTH:
        return documents, skipped
    used: set[str] = set()
    for name, content in mail.attachments:
        name = _attachment_name(name, used)
        if not is_supported(name):
            continue  # listed in the message's text; a type qa does not read
        doc_id = f"{message.doc_id}{ATTACHMENT_SEPARATOR}{name}"
        try:
            found, inner_skipped = _read_bytes(content, doc_id, message.mtime_ns, progress, depth + 1)
        except (NotText, NotExtractable) as exc:
            skipped.append(SkippedFile(doc_id, str(exc)))
            continue
        for document in found:
            if document.text.strip():
                documents.append(document)
            else:
                skipped.append(SkippedFile(document.doc_id, "empty file"))
        skipped += inner_skipped
    return documents, skipped


def _attachment_name(name: str, used: set[str]) -> str:
    """An attachment's name as one path part, unique within its message."""
    clean = "".join(ch if ch.isprintable() and ch not in "/\\" else "_" for ch in name).replace(ATTACHMENT_SEPARATOR, "_")
    clean = clean.strip() or "attachment"
    candidate, n = clean, 2
    while candidate in used:
        stem, dot, suffix = clean.rpartition(".")
        candidate = f"{stem} ({n}).{suffix}" if dot else f"{clean} ({n})"
        n += 1
    used.add(candidate)
    return candidate


def parent_document_id(doc_id: str) -> str:
    """The corpus file a document comes from: itself, or for an attachment its mail."""
    return doc_id.split(ATTACHMENT_SEPARATOR, 1)[0]


def _pdf_document(raw: bytes, path: Path, common: dict, progress=None) -> Document:
    from qa.ingest.ocr import PageReader, tesseract_problem

    problem = tesseract_problem() if progress is not None else None
    reader = PageReader(common["doc_id"], progress) if progress is not None and problem is None else None
    extracted = extract_pdf(raw, reader, problem)
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
        ocr_pages=extracted.ocr_pages,
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
    # A page without heading tags may be a manual page in a <pre>: its section lines are headings,
    # and its NAME line its title.
    headings = extracted.headings or manual_page_headings(extracted.text)
    title = manual_page_title(extracted.text, headings) or extracted.title or plain_text_title(extracted.text)
    return Document(
        title=short_title(title or readable_file_name(path)),
        text=extracted.text,
        kind="html",
        headings=headings,
        date=extracted.stated_date[0] if extracted.stated_date else None,
        date_source=extracted.stated_date[1] if extracted.stated_date else None,
        **common,
    )


def read_corpus_files(
    corpus_dir: Path, doc_ids: list[str] | tuple[str, ...], max_bytes: int | None = None, progress=None
) -> tuple[list[Document], list[SkippedFile]]:
    """Read the given files (and mails' attachments); each one that cannot be read is skipped
    with a reason, never fatal. `progress`: OCR scanned PDF pages, saying so page by page."""
    documents = []
    skipped = []
    for doc_id in doc_ids:
        try:
            found, found_skipped = read_documents(corpus_dir, corpus_dir / doc_id, max_bytes, progress)
            document, attachments = found[0], found[1:]
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
        documents += attachments
        skipped += found_skipped
    return documents, skipped


def nothing_readable(corpus_dir: Path, skipped: list[SkippedFile]) -> CorpusError:
    """The error for a corpus in which no document could be read, with the reasons."""
    if not skipped:
        others = sorted({p.suffix.lower() or p.name for p in corpus_dir.rglob("*") if p.is_file()} - {""})[:6]
        found = f" (it has {', '.join(others)} files)" if others else " (it is empty)"
        return CorpusError(
            f"corpus folder {corpus_dir} has no .txt, .md, .pdf or .html files{found}: add documents"
            f" ({', '.join(EXTRACTED_KINDS)} are read too) or pass --corpus DIR"
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
