"""The FAISS side of an index: unit vectors keyed by chunk id, searched by inner product.

On unit vectors inner product is cosine similarity. Exact (flat) search: at the
sizes `qa` is built for it answers in milliseconds and loses nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.errors import IndexCorruptError


class VectorIndex:
    def __init__(self, index):
        self._index = index

    @classmethod
    def build(cls, dimension: int, ids: np.ndarray, vectors: np.ndarray) -> "VectorIndex":
        import faiss

        built = cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))
        built.add(ids, vectors)
        return built

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        import faiss

        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexCorruptError(f"the vector file {path} cannot be read: run `qa index` to rebuild it") from exc
        return cls(index)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids: list[int]) -> None:
        if ids:
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def reconstruct(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of the given ids, in order."""
        return self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))

    def save(self, path: Path) -> None:
        import faiss

        try:
            faiss.write_index(self._index, str(path))
        except RuntimeError as exc:  # FAISS reports I/O failures (a full disk) this way
            raise OSError(f"writing {path.name} failed: {exc}") from exc

    @property
    def dimension(self) -> int:
        return self._index.d

    def __len__(self) -> int:
        return self._index.ntotal

    def search(self, query: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """(chunk id, cosine) of the nearest vectors, best first."""
        if len(self) == 0:
            return []
        scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), min(limit, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def similarities(self, query: np.ndarray, chunk_ids: list[int]) -> dict[int, float]:
        """Cosine between the query and each given chunk's stored vector."""
        if not chunk_ids:
            return {}
        scores = self.reconstruct(chunk_ids) @ query.astype(np.float32).ravel()
        return {int(i): float(s) for i, s in zip(chunk_ids, scores)}
