"""FAISS vectors with explicit int64 ids: exact inner product on unit vectors (= cosine)."""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np


class VectorIndex:
    """An `IndexIDMap2` over `IndexFlatIP`: add, remove and search by id."""

    def __init__(self, index: faiss.Index):
        self._index = index

    @classmethod
    def create(cls, dimension: int) -> "VectorIndex":
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        """Write to `path` via a temporary file, fsynced, then renamed into place."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        faiss.write_index(self._index, str(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: list[int]) -> int:
        """Remove vectors by id; returns how many were really removed."""
        if not ids:
            return 0
        return int(self._index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def ids(self) -> np.ndarray:
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def similarities(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Inner products of `query` with the stored vectors of `ids`."""
        if len(ids) == 0:
            return np.zeros(0, dtype=np.float32)
        vectors = np.vstack([self._index.reconstruct(int(i)) for i in ids])
        return vectors @ query.reshape(-1).astype(np.float32)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) for one query vector; ids are -1 past the end."""
        k = max(1, min(k, len(self)))
        if len(self) == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]
