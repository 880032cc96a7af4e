"""Small frozen records passed between the parts of `qa`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """One corpus file, read into text.

    `text` is exactly what `open(path, encoding=encoding).read()` returns, so
    character offsets into it are offsets a reader can check.
    """

    doc_id: str  # path relative to the corpus root, with "/" separators
    title: str
    text: str
    content_hash: str  # sha256 of the file's bytes
    size: int
    mtime_ns: int
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document, sized for the model's window."""

    doc_id: str
    ordinal: int  # position of the chunk within its document, from 0
    char_start: int
    char_end: int
    start_line: int  # 1-based, inclusive
    end_line: int
    text: str  # == document text[char_start:char_end]
    n_tokens: int  # word pieces, special tokens included


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
