"""Small frozen records passed between the parts of `qa`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Heading:
    """A heading line of a document: where it starts in `Document.text`, its level and words."""

    start: int
    level: int  # 1 for "#" / <h1>; plain-text headings are all level 1
    title: str


@dataclass(frozen=True)
class Document:
    """One corpus file, read into text.

    For .txt/.md `text` is exactly what `open(path, encoding=encoding).read()`
    returns, so character offsets into it are offsets a reader can check. For
    PDF and HTML (`kind` "pdf"/"html") it is the extracted text, which the index
    stores and `qa show` prints; a PDF's pages are joined with form feeds, page
    n starting at `page_starts[n - 1]`.
    """

    doc_id: str  # path relative to the corpus root, with "/" separators
    title: str
    text: str
    content_hash: str  # sha256 of the file's bytes
    size: int
    mtime_ns: int
    encoding: str = "utf-8"
    # "text" (.txt/.md: offsets index the file); extracted text: "pdf", "html", "docx", "odt",
    # "pptx" (a page per slide), "epub", "rtf", "eml", "msg"
    kind: str = "text"
    page_starts: tuple[int, ...] = ()  # PDF and slides only: offset in `text` where each page starts
    empty_pages: tuple[int, ...] = ()  # PDF pages (1-based) with no text layer
    headings: tuple[Heading, ...] = ()
    # The date the document states about itself (PDF CreationDate, <meta> dates, Office and
    # EPUB properties, a mail's Date) as ISO "YYYY-MM-DD", and where it was read from
    # ("pdf CreationDate"); None when it states none (scoping then uses the file's mtime).
    date: str | None = None
    date_source: str | None = None
    ocr_pages: tuple[int, ...] = ()  # pages (1-based) whose text came from OCR, not a text layer

    @property
    def pages(self) -> int:
        return len(self.page_starts)

    def page_text(self, page: int) -> str:
        """The text of PDF page `page` (1-based): what its chunks' offsets index."""
        start = self.page_starts[page - 1]
        end = self.page_starts[page] - 1 if page < len(self.page_starts) else len(self.text)
        return self.text[start:end]


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document, sized for the model's window."""

    doc_id: str
    ordinal: int  # position of the chunk within its document, from 0
    char_start: int
    char_end: int
    start_line: int  # 1-based, inclusive
    end_line: int
    text: str  # == document text[char_start:char_end] (of the page's text for a PDF)
    n_tokens: int  # word pieces of what is embedded (heading path and text), special tokens included
    page: int | None = None  # PDF page (1-based); offsets and lines are within that page's text
    heading_path: str = ""  # "Tactics > Urban Terrorism": the headings this chunk sits under

    @property
    def embedded_text(self) -> str:
        return embedded_text(self.heading_path, self.text)


def embedded_text(heading_path: str, text: str) -> str:
    """What the model reads for a chunk: its heading path as a lead-in, then its text.

    The headings say what a section is about when its sentences do not repeat it;
    search and offsets stay on the real text.
    """
    if not heading_path:
        return text
    return f"{heading_path}{'' if heading_path[-1] in '.!?:' else '.'} {text}"


def searched_text(heading_path: str, text: str) -> str:
    """What lexical search (BM25) reads for a chunk: its heading path, then its text.

    A section's own name is often the word a question asks by ("OPT_NON_STR_KEYS",
    "Lazy_Tag", "Localization") and its sentences do not repeat it: without its
    heading the chunk under it had no such word to match.
    """
    return f"{heading_path}\n{text}" if heading_path else text


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file that was not indexed, and why."""

    doc_id: str
    reason: str


@dataclass(frozen=True)
class ChunkRow:
    """A chunk as the index stores it: its text, where it lies in its document, its document's title."""

    chunk_id: int
    doc_id: str  # path relative to the corpus root, with "/" separators
    title: str
    char_start: int
    char_end: int
    start_line: int  # 1-based, inclusive
    end_line: int
    text: str
    encoding: str = "utf-8"  # open(path, encoding=encoding) reads the text the offsets index
    page: int | None = None  # PDF page the chunk is on; offsets index that page's extracted text
    heading_path: str = ""  # "Tactics > Urban Terrorism", "" when none
    kind: str = "text"  # "text": offsets index the file; "pdf"/"html"/"docx"/"pptx"/...: the text `qa show` prints
    ocr: bool = False  # the chunk's page was read by OCR from a scanned image (no text layer)


@dataclass(frozen=True)
class DocumentRow:
    """An indexed document as freshness sees it: what the file was when it was read."""

    doc_id: str
    title: str
    content_hash: str
    size: int
    mtime_ns: int
    empty_pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class StoredText:
    """The text a document's offsets index, as the index holds it."""

    kind: str
    text: str | None  # None for .txt/.md: the file itself is the text
    page_starts: tuple[int, ...]
    encoding: str = "utf-8"  # .txt/.md: how to read the file the offsets index

    def page_text(self, page: int) -> str:
        start = self.page_starts[page - 1]
        end = self.page_starts[page] - 1 if page < len(self.page_starts) else len(self.text)
        return self.text[start:end]

    def read(self, path: Path, page: int | None = None) -> str:
        """The text the offsets index: the file at `path` as it reads now for .txt/.md (OSError,
        UnicodeDecodeError when it cannot be read), else the stored text or one page of it."""
        if self.text is None:
            with open(path, encoding=self.encoding) as handle:
                return handle.read()
        return self.text if page is None else self.page_text(page)


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk as an answer shows it: the stored chunk, how well it answers, and where.

    The chunk's own fields (title, text, lines, page...) are read through to it,
    so nothing is copied by hand between the index's record and the answer's.
    """

    rank: int
    chunk: ChunkRow
    file: str  # absolute path of the corpus file; the edges decide how to show it
    score: float  # ranking score: the best sentence's answer score plus the scaled fused rank score
    similarity: float  # strongest cosine of the question with the chunk or one of its sentences
    highlight_start: int  # span within `text` of the sentence that best answers
    highlight_end: int
    weak: bool  # too dissimilar from the question to count as an answer

    @property
    def highlight(self) -> str:
        return self.text[self.highlight_start : self.highlight_end]

    @property
    def end_page(self) -> int | None:
        return self.chunk.page  # chunks are cut at page breaks: a passage is on one page

    def __getattr__(self, name: str):
        # title, doc_id, text, start_line, end_line, char_start, char_end, encoding, page, heading_path, kind
        if name in _CHUNK_FIELDS:
            return getattr(self.chunk, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


_CHUNK_FIELDS = frozenset(ChunkRow.__dataclass_fields__) - {"chunk_id"}


@dataclass(frozen=True)
class Answer:
    question: str
    passages: tuple[Passage, ...]
    no_answer: bool  # nothing in the corpus is relevant enough to answer
    scope: object = None  # the qa.search.scope.Scope searched (None: the whole corpus; typed loosely: records sit below search)
    missing_names: tuple[str, ...] = ()  # the names the question uses that the corpus never mentions: why it is not answered


@dataclass(frozen=True)
class BuildReport:
    """What `qa index` did."""

    documents: int  # in the index now
    chunks: int
    skipped: tuple[SkippedFile, ...]
    seconds: float
    index_dir: str
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    embedded: int = 0  # chunk and sentence texts embedded (the rest reused their vectors)
    full: bool = True  # built from scratch rather than updated
    reason: str | None = None  # why a full build, when it was one
    wrote: bool = True  # False when the index was already up to date
    notes: tuple[SkippedFile, ...] = ()  # indexed files with something worth saying (PDF pages without text)
    embedded_on: str | None = None  # "Ray (local, 2 actors)" when the texts were embedded on Ray
    unsupported: tuple[str, ...] = ()  # corpus files of types qa does not read, listed so none is silently ignored
