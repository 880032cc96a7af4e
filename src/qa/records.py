"""Small frozen records passed between the parts of `qa`."""

from __future__ import annotations

from dataclasses import dataclass


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
    kind: str = "text"  # "text" (.txt/.md: offsets index the file), "pdf" or "html" (extracted text)
    page_starts: tuple[int, ...] = ()  # PDF only: offset in `text` where each page starts
    empty_pages: tuple[int, ...] = ()  # PDF pages (1-based) with no text layer
    headings: tuple[Heading, ...] = ()

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


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file that was not indexed, and why."""

    doc_id: str
    reason: str


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk, with its citation and the sentence that answers."""

    rank: int
    score: float  # fused retrieval score (reciprocal-rank fusion)
    similarity: float  # cosine between question and passage, the relevance signal
    title: str
    doc_id: str
    path: str  # as the user can open it from the current directory
    start_line: int
    end_line: int
    char_start: int
    char_end: int
    text: str
    highlight: str  # the best-answering sentence, a substring of `text`
    highlight_start: int  # offset of `highlight` within `text`
    weak: bool  # too dissimilar from the question to count as an answer
    encoding: str = "utf-8"  # open(path, encoding=encoding) reads the text the offsets index
    page: int | None = None  # PDF page the passage is on; offsets index that page's extracted text
    end_page: int | None = None  # last page it covers (== page: chunks are cut at page breaks)
    heading_path: str = ""  # "Tactics > Urban Terrorism", "" when none
    kind: str = "text"  # "text": offsets index the file; "pdf"/"html": the text `qa show` prints


@dataclass(frozen=True)
class Answer:
    question: str
    passages: tuple[Passage, ...]
    no_answer: bool  # nothing in the corpus is relevant enough to answer


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
