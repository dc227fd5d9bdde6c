"""FAISS vectors with explicit int64 ids: inner product on unit vectors (= cosine).

Small collections use exact search (`IndexIDMap2` over `IndexFlatIP`). Above a
size threshold, `fit()` moves the vectors into an inverted-file index with 8-bit
scalar quantisation (`IndexIVFScalarQuantizer`): a quarter of the memory, search
that visits only `nprobe` of the lists, and still real deletes (`remove_ids`
with a hash-table direct map, which also serves `reconstruct` by id). HNSW was
measured too (README, "Backends and scale"); FAISS cannot remove from it.

On disk the vectors are immutable segments (`index/vector_segments.py`): the base
index, small exact delta segments of vectors added since, and a deletion set, so a
write costs what it changes; `write_files` folds them into a new base when they grow.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from index import vector_segments as seg
from index.vector_ivf import NPROBE, TRAIN_POINTS_PER_LIST, build_ivf, ivf_ids, ivf_lists  # noqa: F401

FLAT = "flat"
IVF = "ivf-sq8"
# Retrain the coarse clustering when the collection has grown this much since.
RETRAIN_GROWTH = 4


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
    """Unit vectors by int64 id: add, remove, search and look up, exact or approximate.

    The vectors live in a base index plus delta segments and a deletion set (see the module
    docstring); every method answers for the whole collection, deleted ids excluded.
    """

    def __init__(self, index: faiss.Index):
        self._set_base(index)
        self._written: int = 0  # the newest generation among the files this state came from

    def _set_base(self, index: faiss.Index) -> None:
        """Make `index` the whole collection: a base not yet written, no deltas, no deletions."""
        self._index = index
        if isinstance(index, faiss.IndexIDMap2):
            self._ivf = None
        else:  # read_index returns the concrete class (with `sq`); keep it when it is one
            self._ivf = index if isinstance(index, faiss.IndexIVF) else faiss.try_extract_index_ivf(index)
        self._base_generation: int | None = None
        self._base_ids: np.ndarray | None = None  # sorted, computed when first needed
        self._base_deleted = seg.IdSet()
        self._deltas: list[seg.Delta] = []
        self._pending = seg.new_flat(int(index.d))
        self._pending_ids: set[int] = set()
        self._deleted_name: str | None = None
        self._deleted_dirty = False
        self._params: dict[int, tuple] = {}
        self._params_lock = threading.Lock()

    @property
    def kind(self) -> str:
        """`flat` (exact) or `ivf-sq8` (approximate)."""
        return IVF if self._ivf is not None else FLAT

    @classmethod
    def create(cls, dimension: int) -> "VectorIndex":
        return cls(seg.new_flat(dimension))

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        """Open a single-file index: a generation's `vectors.faiss` as written before segments, or `save`'s."""
        return cls(faiss.read_index(str(path)))

    @classmethod
    def open_files(cls, folder: Path, names: Sequence[str]) -> "VectorIndex":
        """Open the state made of these segment files (names relative to `folder`).

        Changes are held in memory until `write_files`.

        Raises:
            ValueError: `names` is not one base plus deltas and at most one deletion set.
        """
        parsed = sorted((seg.parse_name(name), name) for name in names)
        bases = [(g, name) for (g, kind), name in parsed if kind == seg.BASE]
        deleted = [name for (_, kind), name in parsed if kind == seg.DELETED]
        if len(bases) != 1 or len(deleted) > 1:
            raise ValueError(f"a vector state needs one base and at most one deletion set: {list(names)}")
        state = cls(faiss.read_index(str(Path(folder) / bases[0][1])))
        state._base_generation = bases[0][0]
        for (generation, kind), name in parsed:
            if kind == seg.DELTA:
                state._deltas.append(seg.Delta.of(generation, faiss.read_index(str(Path(folder) / name))))
        if deleted:
            by_segment = seg.read_deleted(Path(folder) / deleted[0])
            state._base_deleted = by_segment.pop(state._base_generation, seg.IdSet())
            for delta in state._deltas:
                delta.deleted = by_segment.pop(delta.generation, seg.IdSet())
            state._deleted_name = deleted[0]
        state._written = parsed[-1][0][0]
        return state

    def write_files(self, folder: Path, generation: int) -> list[str]:
        """Write and fsync only the new files this state needs; return the names of all its files.

        Never modifies, replaces or deletes a file the state was opened from or wrote before:
        `generation` must be newer than all of them. Deltas are merged when there are more
        than `MAX_DELTAS`; deltas and deletions are folded into a new base (the one write
        that costs the size of the vectors) when they pass `fold_limit` of the base.

        Raises:
            ValueError: `generation` is not newer than the state's files.
        """
        if generation <= self._written:
            raise ValueError(f"generation {generation} is not newer than this state's files (g{self._written:06d})")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if self._base_generation is not None and self._changed() > seg.fold_limit(int(self._index.ntotal)):
            self.fold()
        if self._base_generation is not None and len(self._deltas) + (self._pending.ntotal > 0) > seg.MAX_DELTAS:
            self._merge_deltas()
        wrote = False
        if self._base_generation is None:
            self.fold()
            seg.write_index(self._index, folder / seg.file_name(generation, seg.BASE))
            self._base_generation, wrote = generation, True
        elif self._pending.ntotal:
            seg.write_index(self._pending, folder / seg.file_name(generation, seg.DELTA))
            self._deltas.append(seg.Delta.of(generation, self._pending))
            self._pending, self._pending_ids, wrote = seg.new_flat(self.dimension), set(), True
        if self._deleted_dirty:
            deleted = self._deletions()
            self._deleted_name = seg.file_name(generation, seg.DELETED) if deleted else None
            if deleted:
                seg.write_deleted(deleted, folder / self._deleted_name)
                wrote = True
            self._deleted_dirty = False
        if wrote:
            seg.sync_folder(folder)
            self._written = generation
        return self.file_names()

    def file_names(self) -> list[str]:
        """The written files that make up this state (unwritten changes not included)."""
        names = [] if self._base_generation is None else [seg.file_name(self._base_generation, seg.BASE)]
        names += [seg.file_name(delta.generation, seg.DELTA) for delta in self._deltas]
        return names + ([self._deleted_name] if self._deleted_name else [])

    def fold(self) -> None:
        """Fold the deltas and deletions into a new base (written whole by the next `write_files`)."""
        if self._base_deleted:
            self._index.remove_ids(self._base_deleted.array())  # hash-table IVF takes only id arrays
        for delta in self._deltas:
            ids, vectors = seg.flat_vectors(delta.index)
            keep = delta.holds(ids)
            if keep.any():
                self._index.add_with_ids(np.ascontiguousarray(vectors[keep]), ids[keep])
        if self._pending.ntotal:
            self._index.add_with_ids(*reversed(seg.flat_vectors(self._pending)))
        self._set_base(self._index)

    def _merge_deltas(self) -> None:
        """Move every delta's live vectors into the unwritten delta (written as one file)."""
        merged = seg.new_flat(self.dimension)
        for delta in self._deltas:
            ids, vectors = seg.flat_vectors(delta.index)
            keep = delta.holds(ids)
            if keep.any():
                merged.add_with_ids(np.ascontiguousarray(vectors[keep]), ids[keep])
        if self._pending.ntotal:
            merged.add_with_ids(*reversed(seg.flat_vectors(self._pending)))
        self._pending_ids |= {int(i) for delta in self._deltas for i in delta.ids[delta.holds(delta.ids)]}
        self._pending = merged
        self._deleted_dirty = self._deleted_dirty or any(delta.deleted for delta in self._deltas)
        self._deltas, self._params = [], {}

    def _changed(self) -> int:
        return (self._pending.ntotal + sum(len(d.ids) for d in self._deltas)
                + len(self._base_deleted) + sum(len(d.deleted) for d in self._deltas))

    def _deletions(self) -> dict[int, set[int]]:
        deleted = {delta.generation: delta.deleted for delta in self._deltas if delta.deleted}
        if self._base_deleted:
            deleted[self._base_generation] = self._base_deleted
        return deleted

    def save(self, path: Path) -> None:
        """Write the whole collection as one file at `path` via a temporary file, fsynced, then renamed."""
        self.fold()
        tmp = path.with_suffix(path.suffix + ".tmp")
        faiss.write_index(self._index, str(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return (int(self._index.ntotal) - len(self._base_deleted)
                + sum(delta.live() for delta in self._deltas) + int(self._pending.ntotal))

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        if len(ids):
            ids = np.asarray(ids).astype(np.int64)
            if self._base_generation is None:  # a base not yet written is written whole anyway
                self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
                self._base_ids = None
                return
            self._pending.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
            self._pending_ids.update(ids.tolist())

    def remove(self, ids: list[int]) -> int:
        """Remove vectors by id; returns how many were really removed."""
        if not len(ids):
            return 0
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        removed = 0
        pending = np.isin(ids, np.fromiter(self._pending_ids, np.int64, len(self._pending_ids)))
        if pending.any():
            removed += int(self._pending.remove_ids(ids[pending]))
            self._pending_ids.difference_update(ids[pending].tolist())
        rest = ids[~pending]
        for delta in reversed(self._deltas):
            held = delta.holds(rest)
            if held.any():
                delta.deleted.update(rest[held].tolist())
                removed += int(held.sum())
                rest = rest[~held]
                self._deleted_dirty, self._params = True, {}
        if len(rest) and self._base_generation is None:
            removed += int(self._index.remove_ids(rest))
            self._base_ids = None
        elif len(rest):
            base = self._base_live_mask(rest)
            self._base_deleted.update(rest[base].tolist())
            removed += int(base.sum())
            self._deleted_dirty, self._params = self._deleted_dirty or bool(base.any()), {}
        return removed

    def _base_live_mask(self, ids: np.ndarray) -> np.ndarray:
        if self._base_ids is None:
            self._base_ids = np.sort(self._base_all_ids())
        where = np.minimum(np.searchsorted(self._base_ids, ids), max(len(self._base_ids) - 1, 0))
        mask = (self._base_ids[where] == ids) if len(self._base_ids) else np.zeros(len(ids), bool)
        if self._base_deleted:
            mask &= ~np.isin(ids, self._base_deleted.array())
        return mask

    def _base_all_ids(self) -> np.ndarray:
        if self._ivf is None:
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        return ivf_ids(self._ivf)

    def ids(self) -> np.ndarray:
        return self.vectors(decode=False)[0]

    def vectors(self, decode: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """All (ids, vectors); the base's are decoded, so approximate in an IVF index."""
        ids = self._base_all_ids()
        if self._base_deleted:
            ids = ids[~np.isin(ids, self._base_deleted.array())]
        id_parts, parts = [ids], []
        if decode:
            if self._ivf is None:
                everything = seg.flat_vectors(self._index)
                parts.append(everything[1][np.isin(everything[0], ids)] if self._base_deleted else everything[1])
            else:
                empty = np.zeros((0, self.dimension), np.float32)
                parts.append(self._index.reconstruct_batch(ids) if len(ids) else empty)
        for index, keep in [(d.index, d.holds) for d in self._deltas] + [(self._pending, None)]:
            segment_ids, segment_vectors = seg.flat_vectors(index)
            mask = keep(segment_ids) if keep else np.ones(len(segment_ids), bool)
            id_parts.append(segment_ids[mask])
            parts.append(segment_vectors[mask])
        all_ids = np.concatenate(id_parts).astype(np.int64)
        if not decode:
            return all_ids, np.zeros((0, self.dimension), np.float32)
        return all_ids, np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)

    def fit(self, threshold: int) -> bool:
        """Switch to (or retrain) the approximate index when the collection calls for it.

        Above `threshold` vectors a flat index becomes IVF; an IVF index whose
        collection has grown or shrunk `RETRAIN_GROWTH` times since its clustering
        was trained is re-clustered; one that has shrunk to half the threshold
        becomes flat again (the half keeps a collection near the threshold from
        switching at every write). Returns True when the index was rebuilt (as a new
        base, with no deltas or deletions).
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
            flat = seg.new_flat(self.dimension)
            if len(ids):
                flat.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
            self._set_base(flat)
            return True
        trained_for = (self._ivf.nlist / 4) ** 2
        if trained_for / RETRAIN_GROWTH < n < RETRAIN_GROWTH * trained_for:
            return False
        ids, vectors = self.vectors()
        # Keep the scalar quantiser's ranges: decoded vectors then re-encode losslessly.
        self._become_ivf(ids, vectors, sq=faiss.vector_to_array(self._ivf.sq.trained))
        return True

    def _become_ivf(self, ids: np.ndarray, vectors: np.ndarray, sq: np.ndarray | None) -> None:
        self._set_base(build_ivf(ids, vectors, sq))

    def similarities(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Inner products of `query` with the stored vectors of `ids`.

        Raises:
            KeyError: an id is not in the collection (never stored, or deleted).
        """
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return np.zeros(0, dtype=np.float32)
        vectors = np.zeros((len(ids), self.dimension), dtype=np.float32)
        found = np.zeros(len(ids), dtype=bool)
        pending = np.fromiter(self._pending_ids, np.int64, len(self._pending_ids))
        segments = [(self._pending, lambda wanted: np.isin(wanted, pending))]
        segments += [(delta.index, delta.holds) for delta in reversed(self._deltas)]
        for index, holds in segments:
            mask = ~found & holds(ids)
            if mask.any():
                vectors[mask] = index.reconstruct_batch(ids[mask])
                found |= mask
        if not found.all():
            rest = ~found
            try:
                if self._base_deleted and np.isin(ids[rest], self._base_deleted.array()).any():
                    raise RuntimeError("deleted")
                vectors[rest] = self._index.reconstruct_batch(ids[rest])
            except RuntimeError:  # FAISS's "key not found"
                raise KeyError(f"vector ids not in the index among {ids[rest][:5].tolist()}") from None
        return vectors @ query.reshape(-1).astype(np.float32)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) for one query vector over every segment, deleted ids excluded."""
        total = len(self)
        if total == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        k = max(1, min(k, total))
        x = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        segments = [(self._base_generation, self._index, self._base_deleted, self._ivf is not None)]
        segments += [(delta.generation, delta.index, delta.deleted, False) for delta in self._deltas]
        results = []
        with _one_thread():
            for generation, index, deleted, ivf in segments:
                if index.ntotal:
                    results.append(self._search_one(generation, index, deleted, ivf, x, k))
            if self._pending.ntotal:
                results.append(self._pending.search(x, min(k, int(self._pending.ntotal))))
        scores, ids = seg.merge_top_k([(s[0][i[0] >= 0], i[0][i[0] >= 0]) for s, i in results], k)
        return scores, ids.astype(np.int64)

    def _search_one(self, generation, index, deleted: set[int], ivf: bool, x: np.ndarray, k: int):
        k = min(k, int(index.ntotal))
        if not deleted:
            return index.search(x, k)
        # Threads of one snapshot share these parameters; concurrent FAISS searches with a shared
        # selector crashed the process (tests/test_concurrency.py), so they take turns.
        with self._params_lock:
            entry = self._params.get(generation)
            if entry is None:
                entry = self._params[generation] = seg.excluding(deleted, ivf, self._ivf.nprobe if ivf else 0)
            return index.search(x, k, params=entry[0])
