"""Build and update an index: find what changed, embed only that, publish atomically.

An update copies the current generation's SQLite file into a private build
folder, deletes the rows of removed and changed files, inserts the new ones and
adjusts both vector files the same way; then the build folder becomes the new
current generation in one rename. Chunk ids of unchanged files never move, and
a chunk or sentence whose text is unchanged reuses its vector.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import Callable

import numpy as np

from qa.ingest.chunker import chunk_document
from qa.config import Settings
from qa.models.embedder import Embedder
from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, IndexWriteError, QAError
from qa.index.freshness import CorpusChanges, find_changes
from qa.index.generations import (
    FORMAT_VERSION,
    SENTENCE_VECTORS_FILE,
    STORE_FILE,
    VECTORS_FILE,
    LoadedIndex,
    begin_generation,
    discard_generation,
    index_lock,
    open_index,
    publish_generation,
    remove_abandoned_builds,
)
from qa.search.lexical import stemmed_terms
from qa.ingest.loader import list_corpus_files, nothing_readable, read_corpus_files
from qa.records import BuildReport, Chunk, Document, SkippedFile
from qa.ingest.sentences import answer_sentence_spans
from qa.index.store import Store
from qa.ingest.tokens import TokenCounter
from qa.index.vectors import EXACT_MAX, VectorIndex

Progress = Callable[[str], None]
EmbedCounts = Callable[[int, int], None]  # (texts embedded so far, texts to embed)
_EMBED_BATCH = 64


def _quiet(*args) -> None:
    pass


@dataclass(frozen=True)
class _NewText:
    """A chunk or sentence of an added or changed file, waiting for its vector."""

    vector_id: int
    text: str


def update_index(
    settings: Settings,
    model_id: str,
    load_embedder: Callable[[], Embedder],
    load_counter: Callable[[], TokenCounter],
    progress: Progress = _quiet,
    counts: EmbedCounts = _quiet,
    full: bool = False,
) -> BuildReport:
    """Bring the index up to date with the corpus, embedding only what changed.

    Rebuilds from scratch when `full`, when there is no index, or when the index
    was built another way (model, chunker settings, format version): new vectors
    are never mixed with old ones. Only one build runs per index folder at a time.

    Raises:
        CorpusError: the corpus is missing or has nothing readable.
        IndexBusyError: another build holds the index folder.
        QAError: the chunk budget exceeds what the model reads, or the folder is not writable.
    """
    started = time.perf_counter()
    list_corpus_files(settings.corpus_dir)  # a missing corpus fails before anything is touched
    with index_lock(settings.index_dir):
        remove_abandoned_builds(settings.index_dir)
        previous, reason = _reusable_index(settings, model_id, full)
        if previous is None:
            changes = CorpusChanges(added=tuple(_all_doc_ids(settings)), changed=(), removed=())
        else:
            changes = find_changes(settings.corpus_dir, previous.store.documents(), previous.store.skipped_stats())
            if changes.up_to_date and not changes.touched:
                return _report(settings, previous.manifest, changes, (), 0, started, reason=None, wrote=False, full=False)
        to_read = changes.added + changes.changed
        what = "files" if previous is None else "new or changed files"
        progress(f"reading {len(to_read)} {what} in {settings.corpus_dir}")
        documents, skipped = read_corpus_files(settings.corpus_dir, to_read, settings.max_file_mb * 1_000_000)
        if previous is None and not documents:
            raise nothing_readable(settings.corpus_dir, skipped)
        if previous is not None:
            skipped += _still_skipped(previous, changes, settings)
        counter = load_counter() if documents else None
        chunked = [(document, chunk_document(document, counter, settings.chunker)) for document in documents]
        building = begin_generation(settings.index_dir)
        try:
            embedded = _write_generation(
                settings, model_id, previous, changes, chunked, skipped, building, load_embedder, progress, counts
            )
            manifest = Store.open_readonly(building / STORE_FILE).read_manifest()
            publish_generation(settings.index_dir, building)
        except (OSError, sqlite3.Error) as exc:
            discard_generation(building)  # the previous index stays current
            raise IndexWriteError(
                f"could not write the new index in {settings.index_dir} ({_describe_write_failure(exc)}); "
                f"{'the previous index is still in use' if previous else 'nothing was changed'}: "
                "free disk space or make the folder writable, then run `qa index` again"
            ) from exc
        except BaseException:
            discard_generation(building)
            raise
        notes = tuple(SkippedFile(d.doc_id, empty_pages_note(d.empty_pages)) for d in documents if d.empty_pages)
        report = _report(settings, manifest, changes, tuple(skipped), embedded, started, reason, wrote=True, full=previous is None)
        return replace(report, notes=notes)


def empty_pages_note(pages: tuple[int, ...]) -> str:
    """Says which PDF pages were indexed without text, so nobody expects answers from them."""
    listed = ", ".join(str(page) for page in pages)
    return f"{'page' if len(pages) == 1 else 'pages'} {listed} {'has' if len(pages) == 1 else 'have'} no text (scanned images?)"


def _describe_write_failure(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "full" in str(exc).lower():
        return "the disk is full"
    return getattr(exc, "strerror", None) or str(exc)


def _reusable_index(settings: Settings, model_id: str, full: bool) -> tuple[LoadedIndex | None, str | None]:
    """The current index if an update may build on it, else (None, why a full build)."""
    if full:
        return None, "full rebuild requested"
    try:
        index = open_index(settings.index_dir)
    except IndexMissingError:
        return None, "no index yet"
    except (IndexCorruptError, IndexMismatchError) as exc:
        return None, f"the previous index is unusable ({exc})"
    try:
        check_compatible(index.manifest, model_id, settings)
    except IndexMismatchError as exc:
        return None, exc.reason
    return index, None


def _all_doc_ids(settings: Settings) -> list[str]:
    root = settings.corpus_dir
    return [path.relative_to(root).as_posix() for path in list_corpus_files(root)]


def _still_skipped(previous: LoadedIndex, changes: CorpusChanges, settings: Settings) -> list:
    """Skipped files that were not retried this time (unchanged since they were skipped)."""
    retried = set(changes.added) | set(changes.changed) | set(changes.removed)
    present = set(_all_doc_ids(settings))
    return [s for s in previous.store.skipped() if s.doc_id not in retried and s.doc_id in present]


def _write_generation(
    settings: Settings,
    model_id: str,
    previous: LoadedIndex | None,
    changes: CorpusChanges,
    chunked: list[tuple[Document, list[Chunk]]],
    skipped: list,
    building,
    load_embedder: Callable[[], Embedder],
    progress: Progress,
    counts: EmbedCounts,
) -> int:
    """Fill `building` with the updated index; returns how many texts were embedded."""
    if previous is not None:
        shutil.copyfile(previous.generation / STORE_FILE, building / STORE_FILE)
        store = Store.open_writable(building / STORE_FILE)
        vectors = VectorIndex.load(previous.generation / VECTORS_FILE)
        sentence_vectors = VectorIndex.load(previous.generation / SENTENCE_VECTORS_FILE)
        # Texts of changed and removed files may come back (an edit elsewhere in a file,
        # a renamed file): their vectors are kept by text until the new rows are in.
        reusable = _reusable_vectors(previous, changes.changed + changes.removed) if chunked else {}
        gone_chunks, gone_sentences, gone_texts = store.delete_documents(list(changes.changed + changes.removed))
        vectors.remove(gone_chunks)
        sentence_vectors.remove(gone_sentences)
        term_delta = Counter()
        for text in gone_texts:
            term_delta.subtract(stemmed_terms(text))
        for doc_id, size, mtime_ns in changes.touched:
            store.record_unchanged(doc_id, size, mtime_ns)
    else:
        store = Store.create(building / STORE_FILE)
        vectors = sentence_vectors = None
        reusable = {}
        term_delta = Counter()

    next_chunk, next_sentence = store.next_ids()
    new_chunks: list[_NewText] = []
    new_sentences: list[tuple[int, int, int, int]] = []  # (sentence id, chunk id, start, end)
    new_sentence_texts: list[_NewText] = []
    for document, chunks in chunked:
        ids = store.add_document(document, chunks, first_chunk_id=next_chunk)
        next_chunk += len(chunks)
        for chunk_id, chunk in zip(ids, chunks):
            # The chunk vector reads its heading path too; search and offsets keep to the text.
            new_chunks.append(_NewText(chunk_id, chunk.embedded_text))
            term_delta.update(stemmed_terms(chunk.text))
            # Every sentence that may be highlighted gets a vector, so answering embeds only the question.
            for start, end in answer_sentence_spans(chunk.text):
                new_sentences.append((next_sentence, chunk_id, start, end))
                new_sentence_texts.append(_NewText(next_sentence, chunk.text[start:end]))
                next_sentence += 1
    store.add_sentences(new_sentences)
    store.adjust_term_frequencies(term_delta)
    store.replace_skipped(tuple(skipped), settings.corpus_dir)

    texts = [t.text for t in new_chunks + new_sentence_texts]
    to_embed = [text for text in dict.fromkeys(texts) if text not in reusable]
    dimension = previous.manifest["dimension"] if previous is not None else None
    embedder = None
    if to_embed or previous is None:
        embedder = load_embedder()
        _check_budget(settings, embedder)
        dimension = embedder.dimension
        progress(f"embedding {len(to_embed)} texts ({len(new_chunks)} chunks, {len(new_sentence_texts)} sentences)")
        fresh = embed_in_batches(embedder, to_embed, counts)
        reusable.update(zip(to_embed, fresh))
    chunk_matrix = _stack([reusable[t.text] for t in new_chunks], dimension)
    sentence_matrix = _stack([reusable[t.text] for t in new_sentence_texts], dimension)
    reusable = fresh = None  # the matrices hold every vector now; at a million chunks each copy is gigabytes
    chunk_ids = np.array([t.vector_id for t in new_chunks], dtype=np.int64)
    sentence_ids = np.array([t.vector_id for t in new_sentence_texts], dtype=np.int64)
    existing = 0 if vectors is None else max(len(vectors), len(sentence_vectors))
    if max(len(chunk_ids), len(sentence_ids), existing) > EXACT_MAX:
        progress("fitting the approximate vector search (IVF) to this size")
    # Exact search while it is fast, IVF above (see vectors.py).
    if vectors is None:
        vectors = VectorIndex.for_size(dimension, chunk_ids, chunk_matrix)
        sentence_vectors = VectorIndex.for_size(dimension, sentence_ids, sentence_matrix)
    else:
        vectors.add(chunk_ids, chunk_matrix)
        sentence_vectors.add(sentence_ids, sentence_matrix)
        vectors = vectors.fitted()
        sentence_vectors = sentence_vectors.fitted()

    documents = len(store.documents())
    store.write_manifest(
        {
            "format_version": FORMAT_VERSION,
            "model_id": model_id,
            "dimension": dimension,
            "chunker": asdict(settings.chunker),
            "corpus_dir": str(settings.corpus_dir),
            "documents": documents,
            "chunks": len(vectors),
            "sentences": len(sentence_vectors),
            "vector_index": {"chunks": vectors.layout, "sentences": sentence_vectors.layout},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
    )
    store.commit()
    store.close()
    vectors.save(building / VECTORS_FILE)
    sentence_vectors.save(building / SENTENCE_VECTORS_FILE)
    if documents == 0:
        raise QAError(f"no file in {settings.corpus_dir} could be read: see the warnings above")
    return len(to_embed)


def _reusable_vectors(previous: LoadedIndex, doc_ids: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Vectors of these files' old chunks and sentences, by text."""
    if not doc_ids:
        return {}
    reusable = {}
    for rows, index in (
        (previous.store.chunk_texts_of(list(doc_ids)), previous.vectors),
        (previous.store.sentence_texts_of(list(doc_ids)), previous.sentence_vectors),
    ):
        if rows:
            stored = index.reconstruct([row_id for row_id, _ in rows])
            reusable.update({text: vector for (_, text), vector in zip(rows, stored)})
    return reusable


def _stack(rows: list[np.ndarray], dimension: int) -> np.ndarray:
    if not rows:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.vstack(rows).astype(np.float32)


def _check_budget(settings: Settings, embedder: Embedder) -> None:
    if settings.chunker.max_tokens > embedder.max_tokens:
        raise QAError(
            f"chunks of {settings.chunker.max_tokens} word pieces exceed what the model reads ({embedder.max_tokens}): "
            "lower the chunk size or use another model"
        )


def _report(settings, manifest, changes: CorpusChanges, skipped, embedded, started, reason, wrote, full) -> BuildReport:
    return BuildReport(
        documents=manifest.get("documents", 0),
        chunks=manifest.get("chunks", 0),
        skipped=tuple(skipped),
        seconds=time.perf_counter() - started,
        index_dir=str(settings.index_dir),
        added=changes.added,
        changed=changes.changed,
        removed=changes.removed,
        unchanged=len(changes.unchanged),
        embedded=embedded,
        full=full,
        reason=reason,
        wrote=wrote,
    )


def embed_in_batches(embedder: Embedder, texts: list[str], counts: EmbedCounts = _quiet) -> np.ndarray:
    """Embed texts in batches of similar length (less padding), returned in input order."""
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    counts(0, len(texts))
    for offset in range(0, len(order), _EMBED_BATCH):
        batch = order[offset : offset + _EMBED_BATCH]
        vectors[batch] = embedder.embed_batch([texts[i] for i in batch])
        counts(min(offset + _EMBED_BATCH, len(order)), len(order))
    return vectors


def check_compatible(manifest: dict, model_id: str, settings: Settings) -> None:
    """Refuse to mix an index with a different model or chunker setting.

    Raises:
        IndexMismatchError: naming what differs and the command that rebuilds.
    """
    if manifest.get("model_id") != model_id:
        raise IndexMismatchError(
            f"the index in {settings.index_dir} was built with model {manifest.get('model_id')}, not {model_id}",
            "run `qa index` to rebuild it with this model",
        )
    if manifest.get("chunker") != asdict(settings.chunker):
        raise IndexMismatchError(
            f"the index in {settings.index_dir} was built with chunker settings {manifest.get('chunker')}, "
            f"not {asdict(settings.chunker)}"
        )
