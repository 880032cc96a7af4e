"""The local engine: one generation folder holding a SQLite store and two FAISS files.

`LocalIndex` reads a published generation (`IndexReader`); `LocalWriter` builds
the next one in a private folder and publishes it with the atomic `CURRENT`
swap of `qa.index.generations` (`IndexWriter`). Chunk ids are SQLite row ids,
FTS5 rowids and FAISS ids at once, so one id follows a passage everywhere.
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.analyzer import ENGLISH, Analyzer
from qa.errors import IndexCorruptError, IndexFormatError, IndexMismatchError, IndexMissingError
from qa.index.generations import (
    FORMAT_VERSION,
    SENTENCE_VECTORS_FILE,
    STORE_FILE,
    VECTORS_FILE,
    begin_generation,
    current_generation,
    discard_generation,
    publish_generation,
)
from qa.index.protocols import SentenceScore, best_sentence_cosine
from qa.index.store import Store
from qa.index.memory import release_freed_memory
from qa.index.vectors import EXACT_MAX, VectorIndex
from qa.records import Chunk, ChunkRow, Document, DocumentRow, SkippedFile, StoredText

if TYPE_CHECKING:
    from qa.search.scope import Scope


@dataclass(frozen=True, eq=False)
class LocalSelection:
    """A scope resolved to this index: its documents' chunk ids and sentence ids (sorted),
    the FAISS id selectors and the FTS5 join filter on."""

    scope: Scope
    documents: int
    chunk_ids: np.ndarray
    sentence_ids: np.ndarray
    rows: tuple[int, ...] = ()  # documents.id of the scope's documents, for the FTS5 join
    chunk_ranges: tuple[tuple[int, int], ...] | None = ()  # the chunk ids as inclusive runs, for FTS5 rowid ranges


class LocalIndex:
    """A published generation, opened read-only.

    The store opens at once (the manifest, documents and status are cheap);
    the vector files load on the first vector search, so `qa status` never reads them.
    """

    def __init__(self, generation: Path, store: Store, manifest: dict, analyzer: Analyzer = ENGLISH):
        self.generation = generation
        self.store = store
        self.analyzer = analyzer
        self._manifest = manifest
        self._vectors: tuple[VectorIndex, VectorIndex] | None = None
        self._loading = threading.Lock()
        self._selecting = threading.Lock()
        self._selections: dict[Scope, LocalSelection] = {}  # the last few scopes resolved, oldest first
        self._lexical_store: Store | None = None  # BM25's own connection, so it runs beside the vector side's SQL
        self._opening_lexical = threading.Lock()  # not _loading: BM25 need not wait for the vector files to load

    @property
    def manifest(self) -> dict:
        return self._manifest

    @property
    def vectors(self) -> VectorIndex:
        """One vector per chunk, id = chunk id."""
        return self._loaded()[0]

    @property
    def sentence_vectors(self) -> VectorIndex:
        """One vector per answer-candidate sentence, id = sentence id."""
        return self._loaded()[1]

    def _loaded(self) -> tuple[VectorIndex, VectorIndex]:
        with self._loading:  # two threads asking first must not load the files twice
            if self._vectors is None:
                self._vectors = _load_vectors(self.generation, self._manifest)
        return self._vectors

    def select(self, scope: Scope) -> LocalSelection:
        # A generation never changes, so a scope resolves to the same ids for every question
        # in it: the chat's follow-ups and a batch of questions resolve it once.
        with self._selecting:
            cached = self._selections.get(scope)
        if cached is not None:
            return cached
        selection = self._resolve(scope)
        with self._selecting:
            self._selections[scope] = selection
            while len(self._selections) > _KEPT_SELECTIONS:
                self._selections.pop(next(iter(self._selections)))
        return selection

    def _resolve(self, scope: Scope) -> LocalSelection:
        rows = self.store.scope_documents(scope)
        ranges = self.store.id_ranges()
        if ranges is None:
            chunk_ids, sentence_ids = self.store.ids_of_documents(rows)
        else:
            kept = np.isin(ranges.rows, np.asarray(rows, dtype=np.int64), assume_unique=True)
            chunk_ids = _id_runs(ranges.chunk_start[kept], ranges.chunk_end[kept])
            sentence_ids = _id_runs(ranges.sentence_start[kept], ranges.sentence_end[kept])
        breaks = np.flatnonzero(np.diff(chunk_ids) != 1) + 1
        starts = np.concatenate(([0], breaks)) if len(chunk_ids) else np.zeros(0, dtype=np.int64)
        ends = np.concatenate((breaks, [len(chunk_ids)])) if len(chunk_ids) else np.zeros(0, dtype=np.int64)
        runs = tuple((int(chunk_ids[a]), int(chunk_ids[b - 1])) for a, b in zip(starts[:64], ends[:64]))
        # More than 64 runs: FTS5 filters by document instead (the store decides at 16).
        return LocalSelection(scope, len(rows), chunk_ids, sentence_ids, tuple(rows), runs if len(starts) <= 64 else None)

    def dense_search(self, vector: np.ndarray, k: int, within: LocalSelection | None = None) -> list[tuple[int, float]]:
        return self.vectors.search(vector, k, None if within is None else within.chunk_ids)

    def sentence_search(self, vector: np.ndarray, k: int, within: LocalSelection | None = None) -> list[int]:
        # The vector file nominates twice the chunks asked for by its sentences' codes, and
        # their sentences' exact cosines order them: a chunk's sentences are stored side by
        # side, one read each, where re-scoring a shortlist of single sentences read one row
        # per sentence (at a million chunks, hundreds of random disk reads a question).
        allowed = None if within is None else within.sentence_ids
        hits = self.sentence_vectors.search(vector, k * 3 + _NOMINATED_EXTRA, allowed, rescore=False)
        chunk_of = self.store.chunk_of_sentences([sentence_id for sentence_id, _ in hits])
        nominated = list(dict.fromkeys(chunk_of[sentence_id] for sentence_id, _ in hits if sentence_id in chunk_of))
        if self.sentence_vectors.ranks_exactly:
            return nominated[:k]
        nominated = nominated[: 2 * k]
        best = {
            chunk_id: best_sentence_cosine(scores)
            for chunk_id, scores in self.sentence_similarities(vector, nominated).items()
            if scores
        }
        return sorted(best, key=lambda chunk_id: -best[chunk_id])[:k]

    def lexical_search(self, stems: list[str], k: int, within: LocalSelection | None = None) -> list[int]:
        store = self._lexical()
        if within is None:
            return store.lexical_search(stems, k)
        return store.lexical_search(stems, k, within.scope, within.rows, within.chunk_ranges)

    def _lexical(self) -> Store:
        # One SQLite connection serializes its statements: with BM25 on the shared one, the
        # sentence lookups of the vector side would wait for it (see evidence.gather).
        with self._opening_lexical:
            if self._lexical_store is None:
                self._lexical_store = Store.open_readonly(self.generation / STORE_FILE)
                self._lexical_store.analyzer = self.store.analyzer
        return self._lexical_store

    def chunk_similarities(self, vector: np.ndarray, chunk_ids: list[int]) -> dict[int, float]:
        return self.vectors.similarities(vector, chunk_ids)

    def sentence_similarities(self, vector: np.ndarray, chunk_ids: list[int]) -> dict[int, tuple[SentenceScore, ...]]:
        spans = self.store.sentences_of(chunk_ids)
        cosine = self.sentence_vectors.similarities(vector, [sid for chunk_id in chunk_ids for sid, _, _ in spans[chunk_id]])
        return {chunk_id: tuple((cosine[sid], start, end) for sid, start, end in spans[chunk_id]) for chunk_id in chunk_ids}

    def chunks(self, chunk_ids: list[int]) -> dict[int, ChunkRow]:
        return self.store.chunks(chunk_ids)

    def term_weights(self, stems: set[str]) -> dict[str, float]:
        return self.store.term_weights(stems)

    def documents(self) -> list[DocumentRow]:
        return self.store.documents()

    def document_dates(self) -> dict[str, tuple[str, str]]:
        return self.store.document_dates()

    def skipped(self) -> list[SkippedFile]:
        return self.store.skipped()

    def skipped_stats(self) -> dict[str, tuple[int | None, int | None]]:
        return self.store.skipped_stats()

    def stored_text(self, doc_id: str) -> StoredText | None:
        return self.store.stored_text(doc_id)


_KEPT_SELECTIONS = 8
_RELEASE_EVERY = 256 * 2**20  # bytes of joined parts between handing freed memory back
# Sentences the codes shortlist beyond three per chunk asked for (as vectors.py's re-scoring did).
_NOMINATED_EXTRA = 300


def _id_runs(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The ids of half-open ranges [start, end), in order, without a Python loop over thousands of documents."""
    lengths = ends - starts
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    ids = offsets + np.arange(total, dtype=np.int64)
    # Documents are added in id order, so the runs are sorted unless an update re-added one.
    return ids if np.all(ids[1:] > ids[:-1]) else np.sort(ids)


def _load_vectors(generation: Path, manifest: dict) -> tuple[VectorIndex, VectorIndex]:
    vectors = VectorIndex.load(generation / VECTORS_FILE)
    sentence_vectors = VectorIndex.load(generation / SENTENCE_VECTORS_FILE)
    for loaded, count_key in ((vectors, "chunks"), (sentence_vectors, "sentences")):
        if len(loaded) != manifest.get(count_key) or loaded.dimension != manifest.get("dimension"):
            raise IndexCorruptError(
                f"the index in {generation.parent} is inconsistent ({len(loaded)} vectors for {manifest.get(count_key)} {count_key}): "
                "run `qa index` to rebuild it"
            )
    return vectors, sentence_vectors


def open_index(index_dir: Path) -> LocalIndex:
    """Open the current generation read-only.

    Raises:
        IndexMissingError: nothing has been built in `index_dir`.
        IndexCorruptError: the files are there but unreadable or inconsistent.
    """
    for attempt in range(3):
        generation = current_generation(index_dir)
        if generation is None:
            raise IndexMissingError(f"no index in {index_dir}: run `qa index` to build it")
        if generation.is_dir():
            break
        # A concurrent build may have just replaced it; read CURRENT again.
        time.sleep(0.05 * (attempt + 1))
    else:
        raise IndexCorruptError(f"the index in {index_dir} points at a missing folder: run `qa index`")
    store = Store.open_readonly(generation / STORE_FILE)
    manifest = store.read_manifest()
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise IndexCorruptError(f"the index in {index_dir} has no format version: run `qa index` to rebuild it")
    if version > FORMAT_VERSION:
        # Built by a newer qa: never overwritten behind the user's back.
        raise IndexFormatError(
            f"the index in {index_dir} was built by a newer qa (format {version}; this qa reads {FORMAT_VERSION}): "
            "upgrade qa, or run `qa index --full` to replace it"
        )
    if version < FORMAT_VERSION:
        raise IndexMismatchError(f"the index in {index_dir} has the older format {version} (this qa writes {FORMAT_VERSION})")
    # The vector files load on first search, and are checked against the manifest then.
    return LocalIndex(generation, store, manifest)


class LocalWriter:
    """The next generation, built in a private folder beside the current one.

    Begun from `previous`, it starts as a copy of that index (an update);
    without, it starts empty (a full build). Vectors are gathered in memory and
    the FAISS files written at `publish`, where the search layout (exact or IVF)
    is chosen for the final size.
    """

    def __init__(self, index_dir: Path, previous: LocalIndex | None = None, analyzer: Analyzer = ENGLISH):
        self.index_dir = index_dir
        self.building = begin_generation(index_dir)
        try:
            if previous is not None:
                shutil.copyfile(previous.generation / STORE_FILE, self.building / STORE_FILE)
                self.store = Store.open_writable(self.building / STORE_FILE, analyzer)
                self._vectors: VectorIndex | None = VectorIndex.load(previous.generation / VECTORS_FILE)
                self._sentence_vectors: VectorIndex | None = VectorIndex.load(previous.generation / SENTENCE_VECTORS_FILE)
            else:
                self.store = Store.create(self.building / STORE_FILE, analyzer)
                self._vectors = self._sentence_vectors = None
            self._next_chunk, self._next_sentence = self.store.next_ids()
        except BaseException:
            discard_generation(self.building)
            raise
        self._new_chunks: list[tuple[np.ndarray, np.ndarray]] = []  # (ids, vectors) per added document
        self._new_sentences: list[tuple[np.ndarray, np.ndarray]] = []

    def reusable_vectors(self, doc_ids: list[str]) -> dict[str | tuple[str, str], np.ndarray]:
        if not doc_ids or self._vectors is None:
            return {}
        reusable = {}
        for rows, index in (
            (self.store.chunk_texts_of(doc_ids), self._vectors),
            (self.store.sentence_texts_of(doc_ids), self._sentence_vectors),
        ):
            if rows:
                stored = index.reconstruct([row_id for row_id, _ in rows])
                reusable.update({key: vector for (_, key), vector in zip(rows, stored)})
        return reusable

    def delete_documents(self, doc_ids: list[str]) -> None:
        gone_chunks, gone_sentences = self.store.delete_documents(doc_ids)
        if self._vectors is not None:
            self._vectors.remove(gone_chunks)
            self._sentence_vectors.remove(gone_sentences)

    def add_document(
        self,
        document: Document,
        chunks: list[Chunk],
        chunk_vectors: np.ndarray,
        sentences: list[list[tuple[int, int]]],
        sentence_vectors: np.ndarray,
    ) -> None:
        chunk_ids = self.store.add_document(document, chunks, first_chunk_id=self._next_chunk)
        self._next_chunk += len(chunks)
        rows = []
        for chunk_id, spans in zip(chunk_ids, sentences):
            for start, end in spans:
                rows.append((self._next_sentence, chunk_id, start, end))
                self._next_sentence += 1
        self.store.add_sentences(rows)
        self._new_chunks.append((np.array(chunk_ids, dtype=np.int64), chunk_vectors))
        self._new_sentences.append((np.array([row[0] for row in rows], dtype=np.int64), sentence_vectors))

    def record_unchanged(self, doc_id: str, size: int, mtime_ns: int) -> None:
        self.store.record_unchanged(doc_id, size, mtime_ns)

    def replace_skipped(self, skipped: tuple[SkippedFile, ...], corpus_dir: Path) -> None:
        self.store.replace_skipped(skipped, corpus_dir)

    def reanalyze(self) -> None:
        self.store.reanalyze()

    def document_count(self) -> int:
        return len(self.store.documents())

    def needs_ivf(self) -> bool:
        """Whether publishing will fit an approximate (IVF) search: slow enough to tell the user."""
        added = max(sum(len(ids) for ids, _ in self._new_chunks), sum(len(ids) for ids, _ in self._new_sentences))
        existing = 0 if self._vectors is None else max(len(self._vectors), len(self._sentence_vectors))
        return max(added, existing) > EXACT_MAX

    def publish(self, manifest: dict) -> dict:
        """Write everything, make it the current generation; returns the manifest with its counts."""
        dimension = manifest["dimension"]
        chunk_ids, chunk_matrix = _joined(self._new_chunks, dimension)
        sentence_ids, sentence_matrix = _joined(self._new_sentences, dimension)
        self._new_chunks = self._new_sentences = []  # at a million chunks each copy is gigabytes
        # Exact search while it is fast, IVF above (see vectors.py).
        if self._vectors is None:
            vectors = VectorIndex.for_size(dimension, chunk_ids, chunk_matrix)
            sentence_vectors = VectorIndex.for_size(dimension, sentence_ids, sentence_matrix)
        else:
            self._vectors.add(chunk_ids, chunk_matrix)
            self._sentence_vectors.add(sentence_ids, sentence_matrix)
            vectors, sentence_vectors = self._vectors.fitted(), self._sentence_vectors.fitted()
        manifest = {
            **manifest,
            "documents": self.document_count(),
            "chunks": len(vectors),
            "sentences": len(sentence_vectors),
            "vector_index": {"chunks": vectors.layout, "sentences": sentence_vectors.layout},
        }
        self.store.write_manifest(manifest)
        self.store.commit()
        self.store.close()
        vectors.save(self.building / VECTORS_FILE)
        sentence_vectors.save(self.building / SENTENCE_VECTORS_FILE)
        publish_generation(self.index_dir, self.building)
        return manifest

    def discard(self) -> None:
        try:
            self.store.close()
        finally:
            discard_generation(self.building)


def _joined(parts: list[tuple[np.ndarray, np.ndarray]], dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """The parts' ids and vectors in one array each, emptying `parts` as it copies them:
    the parts and their joined copy are never held whole at once (gigabytes at 1M chunks)."""
    ids = np.concatenate([ids for ids, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
    vectors = np.empty((len(ids), dimension), dtype=np.float32)
    at = freed = 0
    parts.reverse()
    while parts:
        _, part = parts.pop()
        vectors[at : at + len(part)] = part.reshape(-1, dimension)
        at += len(part)
        freed += part.nbytes
        del part
        if freed > _RELEASE_EVERY:
            release_freed_memory()
            freed = 0
    release_freed_memory()
    return ids, vectors

