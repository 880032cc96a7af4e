"""What the rest of `qa` needs from an index, whatever engine holds it.

Retrieval, answering, status and `qa show` read through `IndexReader`; building
and updating write through `IndexWriter`. The SQLite + FAISS generations in
`qa.index.local` are the first implementation; another engine (a Milvus
collection) implements the same two protocols and passes the same contract
tests (tests/test_storage_contract.py). Ids are the engine's: a chunk id is
only meaningful to the reader that returned it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa.analyzer import Analyzer
from qa.records import Chunk, ChunkRow, Document, DocumentRow, SkippedFile, StoredText

if TYPE_CHECKING:
    from qa.search.scope import Scope

# (cosine, start, end) of one answer-candidate sentence, offsets into its chunk's text.
SentenceScore = tuple[float, int, int]


def best_sentence_cosine(scores: Iterable[SentenceScore]) -> float:
    """The best cosine among a chunk's sentence scores (-1 when it has no sentence)."""
    return max((cosine for cosine, _, _ in scores), default=-1.0)


class Selection(Protocol):
    """A scope resolved to one reader's documents, once per question.

    `select` makes it and the searches take it back (`within`): each engine
    keeps in it what it needs to filter inside its searches (the local engine:
    the chunk and sentence ids of the scope's documents; Milvus: an expression).
    """

    scope: Scope
    documents: int  # how many documents of the index the scope holds


class IndexReader(Protocol):
    """One published index, opened for answering. Safe to share between threads."""

    analyzer: Analyzer  # the word rules its lexical side was built with

    @property
    def manifest(self) -> dict:
        """How the index was built: format, model, dimension, chunker, analyzer, counts."""
        ...

    def select(self, scope: Scope) -> Selection:
        """The scope resolved to this index's documents (none matching is not an error here)."""
        ...

    def dense_search(self, vector: np.ndarray, k: int, within: Selection | None = None) -> list[tuple[int, float]]:
        """The k chunks whose vectors are nearest `vector`, as (chunk id, cosine), best first;
        only chunks of the selection's documents when `within` is given (filtered inside the search)."""
        ...

    def sentence_search(self, vector: np.ndarray, k: int, within: Selection | None = None) -> list[int]:
        """The k chunk ids whose best answer-candidate sentence is nearest `vector`, best first (within the selection)."""
        ...

    def lexical_search(self, stems: list[str], k: int, within: Selection | None = None) -> list[int]:
        """The k chunk ids BM25 ranks best for these analyzer stems, best first (within the selection).

        Called on another thread, at the same time as dense_search and sentence_search (evidence.gather).
        """
        ...

    def chunk_similarities(self, vector: np.ndarray, chunk_ids: list[int]) -> dict[int, float]:
        """Cosine of `vector` with each chunk's vector."""
        ...

    def sentence_similarities(self, vector: np.ndarray, chunk_ids: list[int]) -> dict[int, tuple[SentenceScore, ...]]:
        """For each chunk, its answer-candidate sentences in order, each with its cosine to `vector`."""
        ...

    def chunks(self, chunk_ids: list[int]) -> dict[int, ChunkRow]:
        """The stored chunks (ids not in the index are left out)."""
        ...

    def term_weights(self, stems: set[str]) -> dict[str, float]:
        """Inverse document frequency over chunks of each stem; stems no chunk holds weigh most."""
        ...

    def documents(self) -> list[DocumentRow]:
        """Every indexed document, by id: what freshness compares the corpus with."""
        ...

    def document_dates(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (YYYY-MM-DD, where it came from): the date a scope's --since/--until compare,
        the one the document states ("pdf CreationDate") or else its file's mtime ("file mtime")."""
        ...

    def skipped(self) -> list[SkippedFile]:
        """Files the last build could not index, and why."""
        ...

    def skipped_stats(self) -> dict[str, tuple[int | None, int | None]]:
        """(size, mtime_ns) of each skipped file when it was skipped: retried only once it changes."""
        ...

    def stored_text(self, doc_id: str) -> StoredText | None:
        """The text a document's offsets index, as `qa show` prints it; None when not indexed."""
        ...


class IndexWriter(Protocol):
    """A new generation being built; nothing of it is visible to readers until `publish`.

    Begun empty (a full build) or as a copy of the current index (an update),
    it is changed by deleting and adding documents, then published in one step,
    or discarded, leaving the current index as it was.
    """

    def delete_documents(self, doc_ids: list[str]) -> None:
        """Remove these documents with their chunks, sentences, vectors and words."""
        ...

    def reusable_vectors(self, doc_ids: list[str]) -> dict[str | tuple[str, str], np.ndarray]:
        """The stored vectors of these documents' chunks, by embedded text, and of their
        sentences, by (their chunk's embedded text, the sentence's text).

        Taken before they are deleted, so an edit elsewhere in a file, or a renamed
        file, embeds only the text that is new. A sentence's vector is pooled from its
        chunk's pass (`span_pooling`), so the same sentence in two overlapping chunks has
        two vectors: keyed by its text alone, one chunk took the other's, and an updated
        index ranked otherwise than one built afresh.
        """
        ...

    def add_document(
        self,
        document: Document,
        chunks: list[Chunk],
        chunk_vectors: np.ndarray,
        sentences: list[list[tuple[int, int]]],
        sentence_vectors: np.ndarray,
    ) -> None:
        """Add a document with its chunks and their vectors, and each chunk's answer-candidate
        sentences (spans in the chunk's text) with theirs, in chunk then sentence order."""
        ...

    def record_unchanged(self, doc_id: str, size: int, mtime_ns: int) -> None:
        """A file touched but not changed: keep its new size and mtime so it is not hashed again."""
        ...

    def replace_skipped(self, skipped: tuple[SkippedFile, ...], corpus_dir: Path) -> None:
        """Record the files this build could not index, with their size and mtime now (see `skipped_stats`)."""
        ...

    def reanalyze(self) -> None:
        """Re-index every chunk's words with the current analyzer; vectors stay."""
        ...

    def document_count(self) -> int:
        ...

    def needs_ivf(self) -> bool:
        """Whether publishing will take long enough (fitting an approximate search) to tell the user."""
        ...

    def publish(self, manifest: dict) -> dict:
        """Write the manifest (counts added), make this generation the current index; returns the manifest."""
        ...

    def discard(self) -> None:
        """Drop everything written; the current index stays as it was."""
        ...
