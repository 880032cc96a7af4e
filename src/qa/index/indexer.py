"""Build and update an index: find what changed, embed only that, publish atomically.

An update copies the current generation's SQLite file into a private build
folder, deletes the rows of removed and changed files, inserts the new ones and
adjusts both vector files the same way; then the build folder becomes the new
current generation in one rename. Chunk ids of unchanged files never move, and
a chunk whose text is unchanged reuses its vector and its sentences' vectors (each
pooled from that chunk's own pass: the same sentence in an overlapping chunk has its own).
"""

from __future__ import annotations

import errno
from bisect import bisect_left
from itertools import accumulate
from collections import Counter
import sqlite3
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable

import numpy as np

from qa.analyzer import ENGLISH as ANALYZER
from qa.config import Settings
from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, IndexWriteError, QAError
from qa.index.freshness import CorpusChanges, find_changes, walk_corpus, with_reading
from qa.index.engines import engine_for
from qa.index.memory import release_freed_memory
from qa.index.generations import FORMAT_VERSION
from qa.index.protocols import IndexReader, IndexWriter
from qa.ingest.chunker import LINE_END_JOIN, JoinedChunk, chunk_answer_spans, chunk_document
from qa.ingest.markdown_text import RenderedChunk, rendered_chunks
from qa.ingest.loader import nothing_readable, parent_document_id, read_corpus_files, unsupported_files
from qa.ingest.tokens import TokenCounter
from qa.ingest.version import reading_version
from qa.models.embedder import Embedder
from qa.models.span_pooling import SENTENCE_VECTORS, embed_with_spans
from qa.records import BuildReport, Chunk, Document, SkippedFile, embedded_text

Progress = Callable[[str], None]
EmbedCounts = Callable[[int, int], None]  # (texts embedded so far, texts to embed)
_EMBED_BATCH = 64


def _quiet(*args) -> None:
    pass


def update_index(
    settings: Settings,
    model_id: str,
    load_embedder: Callable[[], Embedder],
    load_counter: Callable[[], TokenCounter],
    progress: Progress = _quiet,
    counts: EmbedCounts = _quiet,
    full: bool = False,
    corpus: dict[str, Path] | None = None,
) -> BuildReport:
    """Bring the index up to date with the corpus, embedding only what changed.

    Rebuilds from scratch when `full`, when there is no index, or when the index
    was built another way (model, chunker settings, format version): new vectors
    are never mixed with old ones. An index whose words were analysed by other
    rules is re-analysed, keeping its vectors. Only one build runs per index
    folder at a time. `corpus` is the corpus as `walk_corpus` found it, when the
    caller has walked it already.

    Raises:
        CorpusError: the corpus is missing or has nothing readable.
        IndexBusyError: another build holds the index folder.
        QAError: the chunk budget exceeds what the model reads, or the folder is not writable.
    """
    started = time.perf_counter()
    present = walk_corpus(settings.corpus_dir) if corpus is None else corpus  # a missing corpus fails before anything is touched
    engine = engine_for(settings)
    with engine.build_lock():
        previous, reason = _reusable_index(engine, settings, model_id, full)
        reanalyze = previous is not None and analyzer_mismatch(previous.manifest, settings) is not None
        if previous is None:
            changes = CorpusChanges(added=tuple(present), changed=(), removed=())
        else:
            changes = with_reading(
                find_changes(settings.corpus_dir, previous.documents(), previous.skipped_stats(), present), previous.manifest, present
            )
            if changes.up_to_date and not changes.touched and not reanalyze:
                report = _report(settings, previous.manifest, changes, (), 0, started, reason=None, wrote=False, full=False)
                return replace(report, unsupported=unsupported_files(settings.corpus_dir))
        to_read = changes.added + changes.changed
        what = "files" if previous is None else "new or changed files"
        progress(f"reading {len(to_read)} {what} in {settings.corpus_dir}")
        documents, skipped = read_corpus_files(settings.corpus_dir, to_read, settings.max_file_mb * 1_000_000, progress)
        if previous is None and not documents:
            raise nothing_readable(settings.corpus_dir, skipped)
        if previous is not None:
            skipped += _still_skipped(previous, changes, present)
        counter = load_counter() if documents else None
        # A Markdown file's chunks are read by the model without the syntax a reader never sees.
        chunked = [(document, rendered_chunks(document, chunk_document(document, counter, settings.chunker), counter)) for document in documents]
        try:
            writer = engine.begin(previous)
        except QAError:
            raise
        except Exception as exc:
            failure = engine.failure(exc, "starting the new index", previous is not None)
            if failure is None:
                raise
            raise failure from exc
        try:
            embedded, manifest, embedded_on = _write_generation(
                settings, model_id, previous, changes, chunked, skipped, reanalyze, writer, load_embedder, progress, counts
            )
        except (OSError, sqlite3.Error) as exc:
            writer.discard()  # the previous index stays current
            raise IndexWriteError(
                f"could not write the new index in {settings.index_dir} ({_describe_write_failure(exc)}); "
                f"{'the previous index is still in use' if previous else 'nothing was changed'}: "
                "free disk space or make the folder writable, then run `qa index` again"
            ) from exc
        except QAError:
            writer.discard()
            raise
        except Exception as exc:
            writer.discard()
            failure = engine.failure(exc, "writing the new index", previous is not None)
            if failure is None:
                raise
            raise failure from exc
        except BaseException:
            writer.discard()
            raise
        notes = tuple(SkippedFile(d.doc_id, empty_pages_note(d.empty_pages)) for d in documents if d.empty_pages)
        report = _report(settings, manifest, changes, tuple(skipped), embedded, started, reason, wrote=True, full=previous is None)
        return replace(report, notes=notes, embedded_on=embedded_on, unsupported=unsupported_files(settings.corpus_dir))


def empty_pages_note(pages: tuple[int, ...]) -> str:
    """Says which PDF pages were indexed without text, so nobody expects answers from them."""
    from qa.ingest.ocr import tesseract_problem

    listed = ", ".join(str(page) for page in pages)
    note = f"{'page' if len(pages) == 1 else 'pages'} {listed} {'has' if len(pages) == 1 else 'have'} no text (scanned images?)"
    problem = tesseract_problem()  # with Tesseract ready, such a page was OCR'd and held no words
    return f"{note}: {problem}" if problem else note


def _describe_write_failure(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "full" in str(exc).lower():
        return "the disk is full"
    return getattr(exc, "strerror", None) or str(exc)


def _reusable_index(engine, settings: Settings, model_id: str, full: bool) -> tuple[IndexReader | None, str | None]:
    """The current index if an update may build on it, else (None, why a full build)."""
    if full:
        return None, "full rebuild requested"
    try:
        index = engine.open_for_update()
    except IndexMissingError:
        return None, "no index yet"
    except (IndexCorruptError, IndexMismatchError) as exc:
        return None, f"the previous index is unusable ({exc})"
    try:
        check_compatible(index.manifest, model_id, settings)
    except IndexMismatchError as exc:
        return None, exc.reason
    return index, None


def _still_skipped(previous: IndexReader, changes: CorpusChanges, present: dict[str, Path]) -> list:
    """Skipped files that were not retried this time (unchanged since they were skipped)."""
    retried = set(changes.added) | set(changes.changed) | set(changes.removed)
    # A mail's unreadable attachment stays listed while its mail is unchanged.
    return [s for s in previous.skipped() if parent_document_id(s.doc_id) not in retried and parent_document_id(s.doc_id) in present]


def _write_generation(
    settings: Settings,
    model_id: str,
    previous: IndexReader | None,
    changes: CorpusChanges,
    chunked: list[tuple[Document, list[Chunk]]],
    skipped: list,
    reanalyze: bool,
    writer: IndexWriter,
    load_embedder: Callable[[], Embedder],
    progress: Progress,
    counts: EmbedCounts,
) -> tuple[int, dict, str | None]:
    """Change the new generation to match the corpus and publish it; returns (texts embedded, manifest,
    where they were embedded when not in this process).

    The order matters: vectors of changed and removed files are kept by text
    before their rows go (an edit elsewhere in a file, a renamed file, brings
    most texts back), and everything is embedded before any new row is added.
    """
    gone = list(changes.changed + changes.removed)
    reusable = writer.reusable_vectors(gone) if chunked else {}
    writer.delete_documents(gone)
    for doc_id, size, mtime_ns in changes.touched:
        writer.record_unchanged(doc_id, size, mtime_ns)
    if reanalyze:
        progress("re-indexing the words of every passage for this version's word rules (no re-embedding)")
        writer.reanalyze()

    # Every sentence that may be highlighted gets a vector, so answering embeds only the question.
    spans = [[chunk_answer_spans(document, chunk) for chunk in chunks] for document, chunks in chunked]
    # A chunk is encoded once; its sentences' vectors are pooled from that pass (span_pooling).
    # A chunk whose text and sentences all have vectors from the previous generation keeps them.
    to_encode = {}
    for (_, chunks), doc_spans in zip(chunked, spans):
        for chunk, chunk_spans in zip(chunks, doc_spans):
            key = _stored_key(chunk)
            keys = [key] + [(key, chunk.text[start:end]) for start, end in chunk_spans]
            if not all(k in reusable for k in keys):
                to_encode.setdefault(chunk.embedded_text, _embedded_spans(chunk, chunk_spans))
    n_chunks = sum(len(chunks) for _, chunks in chunked)
    dimension = previous.manifest["dimension"] if previous is not None else None
    pooled = None
    embedded_on = None
    if to_encode or previous is None:
        embedder = load_embedder()
        _check_budget(settings, embedder)
        dimension = embedder.dimension
        progress(f"embedding {len(to_encode)} chunks ({n_chunks} in all) and their sentences in one pass each")
        if settings.ray and to_encode:
            on_ray = _embed_on_ray(settings, embedder, to_encode, progress, counts)
            pooled, embedded_on = on_ray.vectors, on_ray.where
        else:
            pooled = embed_with_spans(embedder, list(to_encode), list(to_encode.values()), _EMBED_BATCH, counts)
        pooled = {text: (pooled.texts[i], pooled.spans[i]) for i, text in enumerate(to_encode)}
    # A text's vectors are released after its last chunk takes them: the writer holds its
    # own copy, and at a million chunks each copy is gigabytes.
    uses = Counter(chunk.embedded_text for _, chunks in chunked for chunk in chunks) if pooled else Counter()
    for (document, chunks), doc_spans in zip(chunked, spans):
        chunk_rows, sentence_rows = [], []
        for chunk, chunk_spans in zip(chunks, doc_spans):
            read = chunk.embedded_text  # a property that joins strings: once a chunk
            if pooled is not None and read in pooled:
                uses[read] -= 1
                vector, sentence_vectors = pooled[read] if uses[read] else pooled.pop(read)
                chunk_rows.append(vector)
                sentence_rows.append(sentence_vectors)  # the chunk's rows as one block: _stack takes both
            else:
                key = _stored_key(chunk)
                chunk_rows.append(reusable[key])
                sentence_rows += [reusable[(key, chunk.text[start:end])] for start, end in chunk_spans]
        writer.add_document(document, chunks, _stack(chunk_rows, dimension), doc_spans, _stack(sentence_rows, dimension))
    pooled = None
    reusable = None  # the writer holds every vector now; at a million chunks each copy is gigabytes
    release_freed_memory()
    writer.replace_skipped(tuple(skipped), settings.corpus_dir)
    if writer.document_count() == 0:
        raise QAError(f"no file in {settings.corpus_dir} could be read: see the warnings above")
    if writer.needs_ivf():
        progress("fitting the approximate vector search (IVF) to this size")
    manifest = writer.publish(
        {
            "format_version": FORMAT_VERSION,
            "model_id": model_id,
            "dimension": dimension,
            "chunker": asdict(settings.chunker),
            "sentence_vectors": SENTENCE_VECTORS,
            "analyzer": ANALYZER.describe(),
            "reading": reading_version(),
            "corpus_dir": str(settings.corpus_dir),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
    )
    return len(to_encode), manifest, embedded_on


def _embed_on_ray(settings: Settings, embedder: Embedder, to_encode: dict, progress: Progress, counts: EmbedCounts):
    """The texts embedded by an actor pool on Ray, each actor loading the exported ONNX encoder."""
    from qa.models.ray_embedding import embed_on_ray

    directory = getattr(embedder, "directory", None)
    if directory is None:
        raise QAError(
            f"--ray {settings.ray} embeds with the model's ONNX export, which is not there yet "
            "(this model cannot be exported, or the export failed): leave out --ray"
        )
    return embed_on_ray(
        settings.ray, directory, list(to_encode), list(to_encode.values()), embedder.dimension, counts=counts, progress=progress,
        batch_size=_EMBED_BATCH,
    )


def _stored_key(chunk: Chunk) -> str:
    """How `reusable_vectors` names a stored chunk's vector: its heading path and text as stored.
    A chunk the model reads otherwise (words joined at line ends, Markdown without its syntax)
    is read the same way from the same text, so the name still finds its vector."""
    return embedded_text(chunk.heading_path, chunk.text)


def _embedded_spans(chunk: Chunk, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentence spans of `chunk.text` as spans of what the model reads (`chunk.embedded_text`).

    The heading path leads the embedded text; a chunk whose page hyphenates words
    at line ends is read with them joined (two characters fewer at each, one at an underscore), a Markdown
    chunk without its syntax (its `search_offset` says where each offset went).
    """
    read = chunk.embedded_text
    if isinstance(chunk, RenderedChunk):
        shift = len(read) - len(chunk.search_text)
        return [(shift + chunk.search_offset(start), shift + chunk.search_offset(end)) for start, end in spans]
    if not isinstance(chunk, JoinedChunk):
        shift = len(read) - len(chunk.text)
        return [(start + shift, end + shift) for start, end in spans]
    shift = len(read) - len(chunk.search_text)
    joins = [(match.start(), match.end() - match.start()) for match in LINE_END_JOIN.finditer(chunk.text)]
    starts = [start for start, _ in joins]
    removed = [0, *accumulate(length for _, length in joins)]  # characters joining removed before each join
    moved = lambda offset: offset + shift - removed[bisect_left(starts, offset)]  # noqa: E731
    return [(moved(start), moved(end)) for start, end in spans]


def _stack(rows: list[np.ndarray], dimension: int) -> np.ndarray:
    """Vectors and blocks of vectors as one float32 matrix (a new array: vstack copies).

    Blocks, not their rows one by one: listing every sentence vector as a row of its own
    cost 6 ms of a 12-article build."""
    if not rows:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.vstack(rows).astype(np.float32, copy=False)


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
        index_dir=settings.index_location,
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


def analyzer_mismatch(manifest: dict, settings: Settings) -> str | None:
    """Why the index's words cannot be searched with this version's analyzer, or None when they can.

    An index from before the analyzer was recorded stored FTS5-porter words.
    """
    built_with = manifest.get("analyzer")
    if built_with == ANALYZER.describe():
        return None
    name = built_with.get("name") if isinstance(built_with, dict) else "fts5-porter"
    return f"the index in {settings.index_location} was built with the word rules {name!r}, not {ANALYZER.name!r}"


def check_compatible(manifest: dict, model_id: str, settings: Settings) -> None:
    """Refuse to mix an index with a different model or chunker setting.

    Raises:
        IndexMismatchError: naming what differs and the command that rebuilds.
    """
    if manifest.get("model_id") != model_id:
        raise IndexMismatchError(
            f"the index in {settings.index_location} was built with model {manifest.get('model_id')}, not {model_id}",
            "run `qa index` to rebuild it with this model",
        )
    if manifest.get("chunker") != asdict(settings.chunker):
        raise IndexMismatchError(
            f"the index in {settings.index_location} was built with chunker settings {manifest.get('chunker')}, "
            f"not {asdict(settings.chunker)}"
        )
    if manifest.get("sentence_vectors") != SENTENCE_VECTORS:
        # Before one pass per chunk, sentences were encoded alone: those vectors are not comparable.
        raise IndexMismatchError(
            f"the index in {settings.index_location} holds sentence vectors made another way "
            f"({manifest.get('sentence_vectors', 'each sentence encoded alone')}), not {SENTENCE_VECTORS}",
            "run `qa index` to rebuild it",
        )
