"""FAISS vectors with explicit int64 ids: inner product on unit vectors (= cosine).

Small collections use exact search (`IndexIDMap2` over `IndexFlatIP`). Above a
size threshold, `fit()` moves the vectors into an inverted-file index with 8-bit
scalar quantisation (`IndexIVFScalarQuantizer`): a quarter of the memory, search
that visits only `nprobe` of the lists, and still real deletes (`remove_ids`
with a hash-table direct map, which also serves `reconstruct` by id). HNSW was
measured too (README, "Backends and scale"); FAISS cannot remove from it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

FLAT = "flat"
IVF = "ivf-sq8"
# Retrain the coarse clustering when the collection has grown this much since.
RETRAIN_GROWTH = 4
# Inverted lists visited per query: recall@10 >= 0.95 at 1M vectors (benchmarks/scale.py).
NPROBE = 48
# Faiss warns below 39 training points per centroid; more only slows training.
TRAIN_POINTS_PER_LIST = 40


def ivf_lists(n: int) -> int:
    """Number of inverted lists for `n` vectors: about 4 * sqrt(n), the usual rule."""
    return max(16, int(4 * np.sqrt(n)))


@contextmanager
def _one_thread():
    """Run one query on one OpenMP thread.

    For a single query, FAISS's threads mostly wait for each other: flat search
    over 100,000 vectors took 16 ms on one thread and 105 ms on two on this
    project's 2-core machine under load (README, "Backends and scale").
    """
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


class VectorIndex:
    """Unit vectors by int64 id: add, remove, search and look up, exact or approximate."""

    def __init__(self, index: faiss.Index):
        self._index = index
        self._ivf = faiss.try_extract_index_ivf(index) if not isinstance(index, faiss.IndexIDMap2) else None

    @property
    def kind(self) -> str:
        """`flat` (exact) or `ivf-sq8` (approximate)."""
        return IVF if self._ivf is not None else FLAT

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
        if self._ivf is None:
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        lists = self._ivf.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(lists.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """All (ids, vectors); the vectors are decoded, so approximate in an IVF index."""
        ids = self.ids()
        if self._ivf is None:
            return ids, self._index.index.reconstruct_n(0, len(ids))
        return ids, self._index.reconstruct_batch(ids) if len(ids) else np.zeros((0, self.dimension), np.float32)

    def fit(self, threshold: int) -> bool:
        """Switch to (or retrain) the approximate index when the collection calls for it.

        Above `threshold` vectors a flat index becomes IVF; an IVF index whose
        collection has grown or shrunk `RETRAIN_GROWTH` times since its clustering
        was trained is re-clustered; one that has shrunk to half the threshold
        becomes flat again (the half keeps a collection near the threshold from
        switching at every write). Returns True when the index was rebuilt.
        """
        n = len(self)
        if self._ivf is None:
            if n <= threshold:
                return False
            ids, vectors = self.vectors()
            self._become_ivf(ids, vectors, sq=None)
            return True
        if n <= threshold // 2:
            ids, vectors = self.vectors()  # decoded from 8 bits: as exact as the IVF index was
            flat = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
            if len(ids):
                flat.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
            self._index, self._ivf = flat, None
            return True
        trained_for = (self._ivf.nlist / 4) ** 2
        if trained_for / RETRAIN_GROWTH < n < RETRAIN_GROWTH * trained_for:
            return False
        ids, vectors = self.vectors()
        # Keep the scalar quantiser's ranges: decoded vectors then re-encode losslessly.
        self._become_ivf(ids, vectors, sq=faiss.vector_to_array(self._ivf.sq.trained))
        return True

    def _become_ivf(self, ids: np.ndarray, vectors: np.ndarray, sq: np.ndarray | None) -> None:
        d = vectors.shape[1]
        nlist = ivf_lists(len(ids))
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(len(vectors), min(len(vectors), TRAIN_POINTS_PER_LIST * nlist), replace=False)]
        sample = np.ascontiguousarray(sample, dtype=np.float32)
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        if sq is None:
            index.train(sample)
        else:
            kmeans = faiss.Clustering(d, nlist)
            kmeans.spherical = True
            kmeans.train(sample, quantizer)
            faiss.copy_array_to_vector(sq.astype(np.float32), index.sq.trained)
            index.is_trained = True
        index.own_fields = True
        quantizer.this.disown()
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
        index.nprobe = NPROBE
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
        self._index = index
        self._ivf = index

    def similarities(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Inner products of `query` with the stored vectors of `ids`."""
        if len(ids) == 0:
            return np.zeros(0, dtype=np.float32)
        vectors = self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))
        return vectors @ query.reshape(-1).astype(np.float32)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) for one query vector; ids are -1 past the end."""
        k = max(1, min(k, len(self)))
        if len(self) == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        with _one_thread():
            scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]


# Vector files of a generation (index/directory.py codes against this interface). A naive stand-in:
# one whole file per generation, written with `save`; the segment files replace it.


def _open_files(cls, folder: Path, names: list[str]) -> "VectorIndex":
    """The vectors of a generation whose files under `folder` are `names`."""
    if not names:
        raise FileNotFoundError(f"no vector files named in {folder}")
    return cls.load(Path(folder) / names[0])


def _write_files(self, folder: Path, generation: int) -> list[str]:
    """Write (and fsync) the files of generation `generation` under `folder`; returns every name of the state."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    name = f"g{generation:06d}.faiss"
    self.save(Path(folder) / name)
    return [name]


VectorIndex.open_files = classmethod(_open_files)
VectorIndex.write_files = _write_files
