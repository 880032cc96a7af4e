"""Synthetic corpora and indexes of any size for scripts/bench.py (and its test).

A synthetic index is a normal `qa` index: report-like .txt files whose sentences
are recombined from the SQuAD and SciFact texts under /work/shared/eval (or, when
those are missing, the default corpus), chunked with the given token counter and
written by `qa.index.indexer.update_index`. Only the embedder is synthetic: a
`ClusteredEmbedder` hashes each text onto a path down a tree of random
directions, so building 1M chunks costs minutes, not days, and the vectors have
neighbours at every distance like real embeddings (uniform random vectors would
have none, flat clusters hundreds of equidistant ones). Copy the real model's ONNX encoder into the
index folder (`install_encoder`) and `qa ask` answers from it as from any index.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = Path("/work/shared/eval")
SQUAD_FILE = EVAL_DIR / "squad" / "dev-v1.1.json"
SCIFACT_FILE = EVAL_DIR / "scifact" / "corpus.jsonl"
# Measured on the generated files with the real tokenizer (128-token chunks, 32 overlap).
PARAGRAPHS_PER_FILE = 4
CHUNKS_PER_FILE = 9.6
FILES_PER_FOLDER = 1000
GENERATOR_VERSION = 4  # bump when generated files or vectors change: cached indexes are rebuilt
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass(frozen=True)
class Paragraph:
    title: str
    sentences: tuple[str, ...]


def paragraph_pool() -> list[Paragraph]:
    """Paragraphs of real prose: SQuAD contexts and SciFact abstracts, split into sentences."""
    pool = []
    if SQUAD_FILE.is_file():
        for article in json.loads(SQUAD_FILE.read_text(encoding="utf-8"))["data"]:
            title = article["title"].replace("_", " ")
            pool += [Paragraph(title, _sentences(p["context"])) for p in article["paragraphs"]]
    if SCIFACT_FILE.is_file():
        with open(SCIFACT_FILE, encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                pool.append(Paragraph(record["title"].rstrip("."), _sentences(record["text"])))
    if not pool:  # no eval data on this machine: the default corpus still gives real sentences
        for path in sorted((ROOT / "corpus").glob("*.txt")):
            blocks = [b for b in path.read_text(encoding="utf-8").split("\n\n") if len(b.split()) > 20]
            pool += [Paragraph(path.stem.replace("-", " "), _sentences(b)) for b in blocks]
    return [p for p in pool if len(p.sentences) >= 2]


def _sentences(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip())


def questions(limit: int, seed: int = 3) -> list[str]:
    """Varied real questions: SQuAD dev questions (or made-up ones without the eval data)."""
    found = []
    if SQUAD_FILE.is_file():
        for article in json.loads(SQUAD_FILE.read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                found += [qa["question"].strip() for qa in paragraph["qas"]]
    if not found:
        found = [f"What does report {i} say about {topic}?" for i, topic in enumerate(["security", "health", "trade"] * 200)]
    random.Random(seed).shuffle(found)
    return [q for q in found if q][:limit]


def generate_corpus(folder: Path, files: int, pool: list[Paragraph], seed: int = 11) -> None:
    """`files` report-like .txt files of ~CHUNKS_PER_FILE chunks, 1,000 to a subfolder.

    Each file takes one paragraph's title as its subject and 4 paragraphs, each a
    pool paragraph with about a fifth of its sentences dropped, so that chunks
    are nearly all distinct while every sentence stays a real one.
    """
    rng = random.Random(seed)
    for i in range(files):
        paragraphs = [rng.choice(pool) for _ in range(PARAGRAPHS_PER_FILE)]
        body = []
        for paragraph in paragraphs:
            kept = [s for s in paragraph.sentences if rng.random() > 0.2] or list(paragraph.sentences[:1])
            body.append(" ".join(kept))
        sub = folder / f"part-{i // FILES_PER_FOLDER:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        text = f"Report {i}: {paragraphs[0].title}\n\n" + "\n\n".join(body) + "\n"
        (sub / f"report-{i:07d}.txt").write_text(text, encoding="utf-8")


class ClusteredEmbedder:
    """Deterministic unit vectors with nested cluster structure, in microseconds per text.

    A hash of the text picks a path down a tree of `levels` levels, 8 branches
    each; the vector is one random direction per level along that path, each
    level 0.75x the weight of the one above, plus noise of the text's own, then
    normalised. Neighbours come at every distance, as with a sentence model: a
    text's closest (cosine ~0.75) share the deepest branch, then come more and
    more texts sharing shallower ones (~0.33 for the same top branch, 0 else).
    Flat clusters would give hundreds of equidistant neighbours, which neither a
    real model makes nor any index can rank; uniform random vectors have no
    neighbours at all.
    """

    def __init__(self, model_id: str, dimension: int = 384, max_tokens: int = 256, levels: int = 8, seed: int = 0):
        self.model_id = model_id
        self.dimension = dimension
        self.max_tokens = max_tokens
        self._levels = levels
        rng = np.random.default_rng(seed)
        # One table of directions per level; deep levels share 4,096 rows through a hash.
        self._tables = [_unit_rows(rng, min(8**level, 4096), dimension) * 0.75**level for level in range(levels)]
        self._noise = _unit_rows(rng, 4096, dimension) * np.sqrt(0.75 / 2)  # two rows summed: norm^2 ~0.75
        self.seconds = 0.0  # time spent embedding, for build overhead figures

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        keys = np.array([_text_hash(t) for t in texts], dtype=np.uint64)
        vectors = self._noise[keys % np.uint64(4096)] + self._noise[(keys >> np.uint64(12)) % np.uint64(4096)]
        for level, table in enumerate(self._tables):
            prefix = keys >> np.uint64(64 - 3 * level) if level else np.zeros_like(keys)
            rows = prefix if len(table) == 8**level else (prefix * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(52)
            vectors = vectors + table[rows % np.uint64(len(table))]
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        self.seconds += time.perf_counter() - started
        return vectors.astype(np.float32)


def _unit_rows(rng, rows: int, dimension: int) -> np.ndarray:
    table = rng.standard_normal((rows, dimension)).astype(np.float32)
    return table / np.linalg.norm(table, axis=1, keepdims=True)


def _text_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class SyntheticIndex:
    corpus_dir: Path
    index_dir: Path
    info: dict  # files, chunks, sentences, build seconds (total and embedding), cached


def build_synthetic_index(
    folder: Path,
    chunks: int,
    model_id: str,
    counter_factory: Callable[[], object],
    model_dir: Path,
    pool: list[Paragraph] | None = None,
) -> SyntheticIndex:
    """A synthetic index of about `chunks` chunks in `folder`, reused when already built.

    `folder/corpus` holds the generated files, `folder/index` the index,
    `folder/bench.json` what the build cost (kept so a rerun can still report it).
    """
    from qa.config import Settings
    from qa.index.generations import current_generation
    from qa.index.indexer import update_index

    folder = folder.absolute()  # the store opens read-only through a file: URI
    corpus_dir, index_dir, info_file = folder / "corpus", folder / "index", folder / "bench.json"
    if info_file.is_file() and current_generation(index_dir) is not None:
        info = json.loads(info_file.read_text(encoding="utf-8"))
        if (info.get("model_id"), info.get("target_chunks"), info.get("generator")) == (model_id, chunks, GENERATOR_VERSION):
            return SyntheticIndex(corpus_dir, index_dir, {**info, "cached": True})
    shutil.rmtree(folder, ignore_errors=True)
    files = max(1, round(chunks / CHUNKS_PER_FILE))
    started = time.perf_counter()
    generate_corpus(corpus_dir, files, pool if pool is not None else paragraph_pool())
    generated = time.perf_counter() - started
    embedder = ClusteredEmbedder(model_id)
    settings = Settings(corpus_dir=corpus_dir, index_dir=index_dir, model_dir=model_dir)
    report = update_index(settings, model_id, lambda: embedder, counter_factory, full=True)
    manifest = _manifest(index_dir)
    info = {
        "model_id": model_id,
        "target_chunks": chunks,
        "generator": GENERATOR_VERSION,
        "files": files,
        "chunks": manifest["chunks"],
        "sentences": manifest["sentences"],
        "generate_s": round(generated, 2),
        "build_s": round(report.seconds, 2),
        "build_embed_s": round(embedder.seconds, 2),  # the synthetic embedder: all else is reading, chunking, SQLite, FAISS
    }
    info_file.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return SyntheticIndex(corpus_dir, index_dir, {**info, "cached": False})


def _store_file(index_dir: Path) -> Path:
    from qa.index.generations import STORE_FILE, current_generation

    return current_generation(index_dir) / STORE_FILE


def _manifest(index_dir: Path) -> dict:
    """The manifest, without loading the vector files (gigabytes at 1M chunks)."""
    from qa.index.store import Store

    store = Store.open_readonly(_store_file(index_dir))
    try:
        return store.read_manifest()
    finally:
        store.close()


def install_encoder(index_dir: Path, source_index_dir: Path) -> None:
    """Copy the ONNX encoder(s) a real build stored, so `qa ask` embeds questions without torch."""
    target = index_dir / "encoders"
    if not target.is_dir():
        shutil.copytree(source_index_dir / "encoders", target)


def exact_chunk_vectors(index_dir: Path, embedder: ClusteredEmbedder) -> tuple[np.ndarray, np.ndarray]:
    """(chunk ids, vectors) recomputed from the stored texts: ground truth for recall,
    independent of how the index stores (or compresses) them."""
    import sqlite3

    from qa.index.indexer import embed_in_batches
    from qa.records import embedded_text

    db = sqlite3.connect(f"{_store_file(index_dir).absolute().as_uri()}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT id, heading_path, text FROM chunks ORDER BY id").fetchall()
    finally:
        db.close()
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    return ids, embed_in_batches(embedder, [embedded_text(h, t) for _, h, t in rows])


def refit_vectors(index_dir: Path, embedder: ClusteredEmbedder) -> dict:
    """Rewrite a built synthetic index's vector files with the current `qa.index.vectors`, in place.

    The vectors are recomputed from the stored texts (the synthetic embedder is
    a pure function of the text), so this writes what a rebuild would, without
    re-chunking a million chunks (25 minutes here) after a change to the vector
    search alone. Bench caches only: a real index is rebuilt by `qa index --full`.
    """
    import sqlite3

    from qa.index.generations import SENTENCE_VECTORS_FILE, STORE_FILE, VECTORS_FILE, current_generation
    from qa.index.indexer import embed_in_batches

    generation = current_generation(index_dir)
    ids, vectors = exact_chunk_vectors(index_dir, embedder)
    layouts = {"chunks": _refit(generation / VECTORS_FILE, ids, vectors)}
    db = sqlite3.connect(generation / STORE_FILE)
    try:
        texts = {chunk_id: text for chunk_id, text in db.execute("SELECT id, text FROM chunks")}
        rows = db.execute("SELECT id, chunk_id, start, end FROM sentences ORDER BY id").fetchall()
        sentence_ids = np.array([row[0] for row in rows], dtype=np.int64)
        sentence_vectors = embed_in_batches(embedder, [texts[c][s:e] for _, c, s, e in rows])
        del texts
        layouts["sentences"] = _refit(generation / SENTENCE_VECTORS_FILE, sentence_ids, sentence_vectors)
        db.execute("INSERT OR REPLACE INTO manifest (key, value) VALUES ('vector_index', ?)", (json.dumps(layouts),))
        db.commit()
    finally:
        db.close()
    return layouts


def _refit(path: Path, ids: np.ndarray, vectors: np.ndarray) -> dict:
    from qa.index.vectors import VectorIndex

    fitted = VectorIndex.for_size(vectors.shape[1], ids, vectors)
    fitted.save(path)
    return fitted.layout
