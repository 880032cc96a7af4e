"""The FAISS side of an index: unit vectors keyed by id, searched by inner product.

On unit vectors inner product is cosine similarity. Up to `EXACT_MAX` vectors
the search is exact (flat): it answers in milliseconds and loses nothing.
Above that a flat scan costs tens of milliseconds and 1.5 KB of memory per
vector, so the file becomes an inverted-file index with compressed codes
(IVF-PQ, 48 bytes per vector in memory, or IVF-SQ8, 384 bytes, when PQ cannot
reach the recall; only a few lists are scanned per query). Its shortlist is
re-scored exactly from the vectors kept in a side file (`<name>.rows`, row i =
the vector of id i) that is read with pread, a few hundred rows per query, so
it never counts against process memory. 8-bit codes are within about 0.001 of
the exact cosine, so an IVF-SQ8 file is scored from its codes in memory and
reads no rows when answering (at a million chunks those reads were random disk
reads, most of a question's time); its rows serve re-training only.
The number of probed lists is tuned at build time until recall@10 against
exact search reaches `TARGET_RECALL`, and the layout is recorded in the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from qa.errors import IndexCorruptError

EXACT_MAX = 65_536  # vectors; above this a file is searched through IVF
TARGET_RECALL = 0.98  # on the tuning queries; a margin over the 0.95 promised
# IVF fetches this many more than asked and re-scores them exactly: reading 300
# float32 rows costs well under a millisecond, and PQ codes that rank the true
# 10th-best only 200th still find it (recall@10 0.92 -> 0.99 on clustered data).
_RESCORE_EXTRA = 300
_TUNING_QUERIES = 200
_QUERY_OFFSET = 2.0  # how far tuning queries sit from the stored vector they start at
_NPROBES = (4, 8, 16, 32, 64, 128, 256, 512)
CODE_KINDS = ("ivf-pq", "ivf-sq8")  # tried in this order: the first to reach TARGET_RECALL is kept
_ROWS_SUFFIX = ".rows"
_LAYOUT_SUFFIX = ".json"
_ROW_DTYPE = np.float32
_ROW_ERROR = 1e-5  # float32 rounding between two ways of computing one cosine
# A scope of at most this many vectors is searched by scoring each of them (its rows are
# read as runs of consecutive ids: a document's vectors are stored together); above, FAISS
# searches with an id selector, probing up to _MAX_PROBE_GROWTH times the lists.
SCOPED_EXACT_MAX = 8_192
_MAX_PROBE_GROWTH = 4
_ADD_SLICE = 65_536  # vectors handed to FAISS at a time


def rows_path(path: Path) -> Path:
    return path.with_name(path.name + _ROWS_SUFFIX)


def layout_path(path: Path) -> Path:
    return path.with_name(path.name + _LAYOUT_SUFFIX)


class VectorIndex:
    """Flat (exact) or IVF search over vectors with integer ids: IVF-PQ shortlists re-scored from the rows, IVF-SQ8 scored from its codes."""

    def __init__(self, index, rows: "_RowFile | None" = None, layout: dict | None = None):
        self._index = index
        self._rows = rows  # only IVF: float32 copies by id, for re-scoring and reconstruct
        self._layout = layout or {"kind": "flat"}
        self._direct_map = False  # IVF-SQ8: id -> code lookup, made on first use

    @classmethod
    def build(cls, dimension: int, ids: np.ndarray, vectors: np.ndarray) -> "VectorIndex":
        import faiss

        built = cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))
        built.add(ids, vectors)
        return built

    @classmethod
    def for_size(cls, dimension: int, ids: np.ndarray, vectors: np.ndarray) -> "VectorIndex":
        """A new index in the layout this many vectors call for (no flat copy of millions first)."""
        if len(ids) <= EXACT_MAX:
            return cls.build(dimension, ids, vectors)
        return build_ivf(np.asarray(ids, dtype=np.int64), np.ascontiguousarray(vectors, dtype=np.float32))

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        import faiss

        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexCorruptError(f"the vector file {path} cannot be read: run `qa index` to rebuild it") from exc
        if not isinstance(index, faiss.IndexIVF):
            return cls(index)
        try:
            rows = _RowFile.open(rows_path(path), index.d)
            layout = json.loads(layout_path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(
                f"the files beside {path} cannot be read ({getattr(exc, 'strerror', None) or exc}): run `qa index` to rebuild it"
            ) from exc
        if layout.get("rows") != np.dtype(_ROW_DTYPE).name:
            raise IndexCorruptError(f"the vector files beside {path} were written by an earlier qa: run `qa index --full`")
        layout["nprobe"] = int(index.nprobe)
        return cls(index, rows, layout)

    @property
    def layout(self) -> dict:
        """What kind of index this is and how it was tuned, for the manifest."""
        return dict(self._layout, vectors=len(self))

    @property
    def is_exact(self) -> bool:
        return self._rows is None

    @property
    def ranks_exactly(self) -> bool:
        """Whether `search(rescore=False)` still ranks by (near-)exact cosines: flat or IVF-SQ8."""
        return self._rows is None or self._scores_from_codes

    @property
    def _scores_from_codes(self) -> bool:
        """IVF-SQ8: its codes score within ~0.001 of exact, closer than re-scoring needs."""
        return self._layout.get("kind") == "ivf-sq8"

    def _decoded(self, ids: np.ndarray) -> np.ndarray:
        """The vectors an IVF-SQ8 file's codes hold for these ids, from memory."""
        import faiss

        if not self._direct_map:
            # A hash table (ids have gaps after removals): about 0.02 s per 100k vectors, once.
            self._index.set_direct_map_type(faiss.DirectMap.Hashtable)
            self._direct_map = True
        return self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            ids = np.asarray(ids, dtype=np.int64)
            # In slices: FAISS encodes an IVF-PQ batch from residuals as large as the batch
            # (4.4 GB for the 2.85M sentence vectors of a 1M-chunk index, all at once).
            for start in range(0, len(ids), _ADD_SLICE):
                self._index.add_with_ids(vectors[start : start + _ADD_SLICE], ids[start : start + _ADD_SLICE])
            if self._rows is not None:
                self._rows.put(ids, vectors)

    def remove(self, ids: list[int]) -> None:
        if ids:
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def reconstruct(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of the given ids, in order."""
        if self._rows is not None:
            return self._rows.get(np.asarray(ids, dtype=np.int64))
        return self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))

    def all_ids(self) -> np.ndarray:
        import faiss

        if self._rows is None:
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        lists = self._index.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(lists.nlist)
            if lists.list_size(i)
        ]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def save(self, path: Path) -> None:
        import faiss

        try:
            faiss.write_index(self._index, str(path))
            if self._rows is not None:
                self._rows.save(rows_path(path))
                layout_path(path).write_text(json.dumps(self._layout), encoding="utf-8")
        except RuntimeError as exc:  # FAISS reports I/O failures (a full disk) this way
            raise OSError(f"writing {path.name} failed: {exc}") from exc

    @property
    def dimension(self) -> int:
        return self._index.d

    def __len__(self) -> int:
        return self._index.ntotal

    def search(
        self, query: np.ndarray, limit: int, allowed: np.ndarray | None = None, rescore: bool = True
    ) -> list[tuple[int, float]]:
        """(id, cosine) of the nearest vectors, best first; only ids in `allowed` (sorted) when given.

        `rescore=False`: an IVF-PQ file returns its codes' rough order and scores
        and reads no rows, for a caller that scores what it keeps exactly itself.
        """
        if len(self) == 0 or (allowed is not None and not len(allowed)):
            return []
        query = query.reshape(1, -1).astype(np.float32)
        params = None
        if allowed is not None:
            if len(allowed) <= SCOPED_EXACT_MAX:
                return self._exact_among(query, limit, allowed)
            params = self._selecting(allowed)
        if self._rows is None or self._scores_from_codes or not rescore:
            with _one_thread():
                scores, ids = self._index.search(query, min(limit, len(self)), params=params)
            return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]
        # Compressed codes rank roughly; the exact rows decide the order.
        with _one_thread():
            _, ids = self._index.search(query, min(limit + _RESCORE_EXTRA, len(self)), params=params)
        found = [int(i) for i in ids[0] if i != -1]
        exact = self.similarities(query, found)
        return sorted(exact.items(), key=lambda item: -item[1])[:limit]

    def _exact_among(self, query: np.ndarray, limit: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        """A scope of few vectors: score every one of them (exact, and cheaper than probing lists)."""
        scores = self._scored_vectors(allowed) @ query.ravel()
        top = np.argsort(-scores, kind="stable")[:limit] if len(scores) <= limit else np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(allowed[i]), float(scores[i])) for i in top]

    def _selecting(self, allowed: np.ndarray):
        """FAISS search parameters that visit only `allowed` ids (a bitmap: one bit per id).

        An IVF index probes more lists the smaller the share of vectors a scope
        keeps, so about as many of the scope's vectors are compared as an unscoped
        search compares in all (recall within the scope as without one).
        """
        import faiss

        mask = np.zeros(int(allowed[-1]) + 1, dtype=bool)
        mask[allowed] = True
        bitmap = np.packbits(mask, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
        selector.qa_bitmap = bitmap  # FAISS reads the array through a pointer: keep it alive with the selector
        if self._rows is None:
            params = faiss.SearchParameters(sel=selector)
        else:
            share = len(allowed) / max(len(self), 1)
            nprobe = min(self._index.nlist, int(np.ceil(self._index.nprobe / max(share, 1 / _MAX_PROBE_GROWTH))))
            params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        params.qa_selector = selector
        return params

    def similarities(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine between the query and each given id's stored vector."""
        if not ids:
            return {}
        scores = self._scored_vectors(ids) @ query.astype(np.float32).ravel()
        return {int(i): float(s) for i, s in zip(ids, scores)}

    def _scored_vectors(self, ids) -> np.ndarray:
        """The vectors a query is scored against: decoded codes for IVF-SQ8, else the stored ones."""
        if self._scores_from_codes:
            return self._decoded(np.asarray(ids, dtype=np.int64))
        return self.reconstruct(ids)

    def fitted(self) -> "VectorIndex":
        """This index in the layout its size calls for: flat up to EXACT_MAX, else IVF.

        An IVF index is re-trained when it has grown to four times the
        number it was trained on (its lists would be too long) and turns back
        into a flat one when it shrinks to half of EXACT_MAX.
        """
        n = len(self)
        if self.is_exact:
            if n <= EXACT_MAX:
                return self
        elif n > EXACT_MAX // 2 and n <= 4 * self._layout.get("trained_on", n):
            return self
        ids = self.all_ids()
        vectors = self.reconstruct(list(ids)).astype(np.float32) if len(ids) else np.zeros((0, self.dimension), np.float32)
        return VectorIndex.for_size(self.dimension, ids, vectors)


def describe_search(layouts: dict | None) -> str:
    """One line on how an index's vectors are searched, from its manifest's `vector_index`."""
    if not layouts:
        return "exact"  # indexes built before the layout was recorded are all flat
    if layouts.get("kind") == "milvus":
        exact = " (exact)" if layouts.get("index") == "FLAT" else ""
        return f"Milvus {layouts.get('index')}{exact} in {layouts.get('store')}"
    parts = []
    for name, layout in layouts.items():
        if layout.get("kind") == "flat":
            parts.append(f"{name} exact ({layout.get('vectors', 0):,} vectors)")
        else:
            parts.append(
                f"{name} {layout['kind'].upper()} ({layout.get('vectors', 0):,} vectors, {layout.get('nprobe')} of "
                f"{layout.get('nlist')} lists probed, recall@10 {layout.get('recall_at_10', 0):.3f} at build)"
            )
    return "; ".join(parts)


@contextmanager
def _one_thread():
    """One query is one thread's work: a second OpenMP thread only spins, and on a
    busy 2-core machine that made a 30k-vector search 4x slower (8.4 ms vs 1.8 ms)."""
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def build_ivf(ids: np.ndarray, vectors: np.ndarray, seed: int = 0) -> VectorIndex:
    """An IVF index over these vectors, its codes and probe count chosen for TARGET_RECALL.

    Product-quantized codes first (48 bytes for 384 dimensions, 32x smaller
    than float32); if no probe count reaches the recall with them (vectors
    whose neighbours are all nearly as close), 8-bit scalar codes (4x smaller).
    """
    import faiss

    n, dimension = vectors.shape
    nlist = _list_count(n)
    rng = np.random.default_rng(seed)
    sample = vectors[rng.choice(n, size=min(n, 40 * nlist), replace=False)]
    quantizer = faiss.IndexFlatIP(dimension)  # trained once, shared by both attempts
    for kind in CODE_KINDS:
        if kind == "ivf-pq":
            index = faiss.IndexIVFPQ(quantizer, dimension, nlist, dimension // 8, 8, faiss.METRIC_INNER_PRODUCT)
            index.pq.cp.seed = seed
        else:
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
        index.cp.seed = seed
        index.cp.niter = 10  # k-means converges enough for search in 10 rounds; the default 25 costs minutes at 1M
        index.train(sample)
        layout = {"kind": kind, "nlist": nlist, "trained_on": n, "rows": np.dtype(_ROW_DTYPE).name}
        built = VectorIndex(index, _RowFile.empty(dimension), layout)
        built.add(ids, vectors)
        built._layout.update(_tune_nprobe(built, ids, vectors, rng))
        if built._layout["recall_at_10"] >= TARGET_RECALL:
            break
    return built


def _list_count(n: int) -> int:
    """About 2 sqrt(n) lists, a power of two: lists of a few hundred vectors.

    Scanning a list of 48-byte codes is cheap; training more lists is not
    (k-means over millions of vectors), so the lists are long rather than many.
    """
    return int(2 ** round(np.log2(2 * np.sqrt(n))))


def _tune_nprobe(index: VectorIndex, ids: np.ndarray, vectors: np.ndarray, rng) -> dict:
    """The fewest probed lists whose recall@10 against exact search reaches TARGET_RECALL.

    Queries are stored vectors moved off in random directions: near the data,
    like a question near the passages it is about, never a stored vector itself.
    A returned vector counts when its exact score is at least the exact 10th
    best: texts repeat (overlapping chunks share sentences), and of ten
    identical vectors any one is a right answer. (Its exact score, not the one
    search returns: an IVF-SQ8 search returns its codes' approximate scores.)
    """
    n = len(vectors)
    # A stored vector pushed off in a random direction as far as it is long: cosine ~0.7 to
    # it, like a question to the passage that answers, with the crowd of near-equals real
    # questions have around their best match (midpoints of two vectors had two clear winners
    # and promised 0.98 where questions got 0.90).
    noise = rng.standard_normal((_TUNING_QUERIES, vectors.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    queries = vectors[rng.integers(0, n, size=_TUNING_QUERIES)] + _QUERY_OFFSET * noise
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    tenth = _exact_tenth(queries, vectors)
    order = np.argsort(ids, kind="stable")  # position of an id among `vectors`, by binary search
    recall = 0.0
    for nprobe in _NPROBES:
        if nprobe > index._index.nlist:
            break
        index._index.nprobe = nprobe
        hits = 0
        for query, floor in zip(queries, tenth):
            returned = np.array([i for i, _ in index.search(query, 10)], dtype=np.int64)
            positions = order[np.searchsorted(ids, returned, sorter=order)]
            hits += int(np.sum(vectors[positions] @ query >= floor - _ROW_ERROR))
        recall = hits / (10 * len(queries))
        if recall >= TARGET_RECALL:
            break
    return {"nprobe": int(index._index.nprobe), "recall_at_10": round(recall, 4)}


def _exact_tenth(queries: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Each query's exact 10th-best score, in blocks: no second copy of millions of vectors."""
    best = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    for start in range(0, len(vectors), 100_000):
        merged = np.concatenate([best, queries @ vectors[start : start + 100_000].T], axis=1)
        best = np.partition(merged, merged.shape[1] - 10, axis=1)[:, -10:]
    return best.min(axis=1)


class _RowFile:
    """float32 vectors by id: row i of the file is the vector with id i.

    New rows wait in memory until `save`, which copies the file it was opened
    from (a generation is never written in place) and writes them at their
    offsets. Reads use pread, so rows leave no file pages mapped into the
    process: a few hundred per query cost microseconds from the page cache,
    but a disk read each (~0.14 ms here) when the cache cannot hold the file.
    """

    def __init__(self, dimension: int, source: Path | None, fd: int | None):
        self._dimension = dimension
        self._row_bytes = dimension * np.dtype(_ROW_DTYPE).itemsize
        self._source = source
        self._fd = fd
        self._added_ids: list[np.ndarray] = []
        self._added_rows: list[np.ndarray] = []
        self._merged: tuple[np.ndarray, np.ndarray] | None = None  # sorted ids and their rows, built on demand

    @classmethod
    def empty(cls, dimension: int) -> "_RowFile":
        return cls(dimension, None, None)

    @classmethod
    def open(cls, path: Path, dimension: int) -> "_RowFile":
        fd = os.open(path, os.O_RDONLY)
        if hasattr(os, "posix_fadvise"):
            # Rows are read a few at a time anywhere in the file: without this hint the
            # kernel reads ahead on every miss, 3.3 MB from disk a question at 1M chunks.
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        return cls(dimension, path, fd)

    def put(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        # No copy: at a million chunks the sentence rows alone are 4.4 GB, and a copy here,
        # another when merging and a third when de-duplicating OOM-killed a 24 GB build.
        self._added_ids.append(np.asarray(ids, dtype=np.int64))
        self._added_rows.append(np.asarray(vectors, dtype=_ROW_DTYPE))
        self._merged = None

    def _pending(self) -> tuple[np.ndarray, np.ndarray]:
        if self._merged is None:
            if not self._added_ids:
                self._merged = np.zeros(0, np.int64), np.zeros((0, self._dimension), _ROW_DTYPE)
            elif len(self._added_ids) == 1 and np.all(np.diff(self._added_ids[0]) > 0):
                self._merged = self._added_ids[0], self._added_rows[0]  # a full build: already sorted and unique
            else:
                ids = np.concatenate(self._added_ids)
                rows = np.concatenate(self._added_rows)
                # A later row for the same id wins: keep the last occurrence of each id.
                last = len(ids) - 1 - np.unique(ids[::-1], return_index=True)[1]
                self._merged = ids[last], rows[last]
                del ids, rows
                # The merged rows replace the parts, so they are held once.
                self._added_ids, self._added_rows = [self._merged[0]], [self._merged[1]]
        return self._merged

    def get(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        out = np.zeros((len(ids), self._dimension), dtype=_ROW_DTYPE)
        pending_ids, pending_rows = self._pending()
        slots = np.minimum(np.searchsorted(pending_ids, ids), max(len(pending_ids) - 1, 0))
        pending = (pending_ids[slots] == ids) if len(pending_ids) else np.zeros(len(ids), dtype=bool)
        out[pending] = pending_rows[slots[pending]]
        if self._fd is None:
            return out
        on_disk = np.flatnonzero(~pending)
        # Runs of consecutive ids (a document's vectors, a scope's) are read with one pread each.
        breaks = np.flatnonzero(np.diff(ids[on_disk]) != 1) + 1
        for run in np.split(on_disk, breaks):
            if not len(run):
                continue
            first, count = int(ids[run[0]]), len(run)
            raw = os.pread(self._fd, self._row_bytes * count, first * self._row_bytes)
            if len(raw) != self._row_bytes * count:
                raise IndexCorruptError(f"the vector file {self._source} is truncated: run `qa index` to rebuild it")
            out[run] = np.frombuffer(raw, dtype=_ROW_DTYPE).reshape(count, self._dimension)
        return out

    def save(self, path: Path) -> None:
        if self._source is not None:
            shutil.copyfile(self._source, path)
        else:
            path.write_bytes(b"")
        ids, rows = self._pending()
        if not len(ids):
            return
        with open(path, "r+b") as handle:
            if ids[-1] - ids[0] + 1 == len(ids):
                # One contiguous run of ids (a full build): one write.
                handle.seek(int(ids[0]) * self._row_bytes)
                handle.write(memoryview(np.ascontiguousarray(rows)).cast("B"))  # tobytes() would copy 4.4 GB at 1M
            else:
                for i, row in zip(ids.tolist(), rows):
                    handle.seek(i * self._row_bytes)
                    handle.write(row.tobytes())
