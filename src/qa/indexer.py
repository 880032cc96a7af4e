"""Build an index from a corpus: load, chunk, embed, store, publish atomically."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict
from typing import Callable

import numpy as np

from qa.chunker import chunk_document
from qa.config import Settings
from qa.embedder import Embedder
from qa.errors import IndexMismatchError, QAError
from qa.index_files import (
    FORMAT_VERSION,
    SENTENCE_VECTORS_FILE,
    STORE_FILE,
    VECTORS_FILE,
    begin_generation,
    discard_generation,
    publish_generation,
)
from qa.lexical import stemmed_terms
from qa.loader import load_corpus
from qa.records import BuildReport
from qa.sentences import answer_sentence_spans
from qa.store import Store
from qa.tokens import TokenCounter
from qa.vectors import VectorIndex

Progress = Callable[[str], None]
_EMBED_BATCH = 64


def _quiet(message: str) -> None:
    pass


def build_index(
    settings: Settings,
    load_embedder: Callable[[], Embedder],
    load_counter: Callable[[], TokenCounter],
    progress: Progress = _quiet,
) -> BuildReport:
    """Build a complete new index for `settings.corpus_dir` and make it current.

    The previous index stays current until the new one is complete. The model
    and its tokenizer are loaded only after the corpus has been read, so a wrong --corpus fails
    at once instead of after seconds of model loading.

    Raises:
        CorpusError: the corpus is missing or has nothing readable.
        QAError: the chunk budget exceeds what the model reads, or the index folder is not writable.
    """
    started = time.perf_counter()
    params = settings.chunker
    progress(f"reading {settings.corpus_dir}")
    scan = load_corpus(settings.corpus_dir)
    counter = load_counter()
    embedder = load_embedder()
    if params.max_tokens > embedder.max_tokens:
        raise QAError(
            f"chunks of {params.max_tokens} word pieces exceed what the model reads ({embedder.max_tokens}): "
            "lower the chunk size or use another model"
        )
    chunked = [(document, chunk_document(document, counter, params)) for document in scan.documents]
    texts = [chunk.text for _, chunks in chunked for chunk in chunks]
    # (sentence id, chunk id, start, end): every sentence that may be highlighted gets a
    # vector, so answering embeds only the question.
    sentence_rows = [
        (0, chunk_id, start, end) for chunk_id, text in enumerate(texts) for start, end in answer_sentence_spans(text)
    ]
    sentence_rows = [(i, chunk_id, start, end) for i, (_, chunk_id, start, end) in enumerate(sentence_rows)]
    sentence_texts = [texts[chunk_id][start:end] for _, chunk_id, start, end in sentence_rows]
    progress(f"embedding {len(texts)} chunks and {len(sentence_texts)} sentences of {len(scan.documents)} documents")
    all_vectors = embed_in_batches(embedder, texts + sentence_texts, progress)
    vectors, sentence_vectors = all_vectors[: len(texts)], all_vectors[len(texts) :]

    building = begin_generation(settings.index_dir)
    try:
        store = Store.create(building / STORE_FILE)
        next_id = 0
        for document, chunks in chunked:
            store.add_document(document, chunks, first_chunk_id=next_id)
            next_id += len(chunks)
        store.add_sentences(sentence_rows)
        store.add_term_frequencies(Counter(term for text in texts for term in stemmed_terms(text)))
        store.add_skipped(scan.skipped)
        store.write_manifest(
            {
                "format_version": FORMAT_VERSION,
                "model_id": embedder.model_id,
                "dimension": embedder.dimension,
                "chunker": asdict(params),
                "corpus_dir": str(settings.corpus_dir),
                "documents": len(scan.documents),
                "chunks": len(texts),
                "sentences": len(sentence_texts),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
        )
        store.commit()
        store.close()
        ids = np.arange(len(texts), dtype=np.int64)
        VectorIndex.build(embedder.dimension, ids, vectors).save(building / VECTORS_FILE)
        sentence_ids = np.arange(len(sentence_texts), dtype=np.int64)
        VectorIndex.build(embedder.dimension, sentence_ids, sentence_vectors).save(building / SENTENCE_VECTORS_FILE)
        publish_generation(settings.index_dir, building)
    except BaseException:
        discard_generation(building)  # the previous index stays current
        raise
    return BuildReport(
        documents=len(scan.documents),
        chunks=len(texts),
        skipped=scan.skipped,
        seconds=time.perf_counter() - started,
        index_dir=str(settings.index_dir),
    )


def embed_in_batches(embedder: Embedder, texts: list[str], progress: Progress = _quiet) -> np.ndarray:
    """Embed texts in batches of similar length (less padding), returned in input order.

    Repeated texts (sentences shared by overlapping chunks) are embedded once.
    """
    unique = list(dict.fromkeys(texts))
    position = {text: i for i, text in enumerate(unique)}
    unique_vectors = np.zeros((len(unique), embedder.dimension), dtype=np.float32)
    order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
    for offset in range(0, len(order), _EMBED_BATCH):
        batch = order[offset : offset + _EMBED_BATCH]
        unique_vectors[batch] = embedder.embed_batch([unique[i] for i in batch])
        progress(f"embedded {min(offset + _EMBED_BATCH, len(order))}/{len(order)} texts")
    return unique_vectors[[position[text] for text in texts]] if texts else unique_vectors


def check_compatible(manifest: dict, model_id: str, settings: Settings) -> None:
    """Refuse to mix an index with a different model or chunker setting.

    Raises:
        IndexMismatchError: naming what differs and the command that rebuilds.
    """
    if manifest.get("model_id") != model_id:
        raise IndexMismatchError(
            f"the index in {settings.index_dir} was built with model {manifest.get('model_id')}, "
            f"not {model_id}: run `qa index` to rebuild it with this model"
        )
    if manifest.get("chunker") != asdict(settings.chunker):
        raise IndexMismatchError(
            f"the index in {settings.index_dir} was built with chunker settings {manifest.get('chunker')}: "
            "run `qa index` to rebuild it"
        )
