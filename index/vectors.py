"""FAISS vectors with explicit int64 ids: inner product on unit vectors (= cosine).

Small collections use exact search (`IndexIDMap2` over `IndexFlatIP`). Above a
size threshold, `fit()` moves the vectors into an inverted-file index with 8-bit
scalar quantisation (`IndexIVFScalarQuantizer`): a quarter of the memory, search
that visits only `nprobe` of the lists, and still real deletes (`remove_ids`
with a hash-table direct map, which also serves `reconstruct` by id). HNSW was
measured too (README, "Backends and scale"); FAISS cannot remove from it.

On disk the vectors are immutable segments (`index/vector_segments.py`): the base
as id-range shards (`index/vector_shards.py`), small exact delta segments of vectors
added since, and a deletion set, so a write costs what it changes; `write_files` folds
the deltas into the tail shard when they grow, and rewrites a shard whose deletions do.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from index import vector_segments as seg
from index import vector_recluster as recluster
from index import vector_shards as shards_
from index.vector_ivf import search_assigned, train_ivf
from index.vector_shards import Shard

FLAT = "flat"
IVF = "ivf-sq8"
# Retrain the coarse clustering when the collection has grown this much since.
RETRAIN_GROWTH = 4


@contextmanager
def _one_thread():
    """Run one query on one OpenMP thread: for a single query FAISS's threads mostly wait for each
    other (flat search over 100,000 vectors: 16 ms on one thread, 105 ms on two under load)."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


class VectorIndex:
    """Unit vectors by int64 id: add, remove, search and look up, exact or approximate.

    The vectors live in base shards plus delta segments and a deletion set (see the module
    docstring); every method answers for the whole collection, deleted ids excluded.
    """

    def __init__(self, index: faiss.Index):
        self._set_shards([Shard(index)])
        self._written: int = 0  # the newest generation among the files this state came from

    def _set_shards(self, shards: list[Shard]) -> None:
        """Make `shards` the whole collection: not yet written, no deltas, no deletions."""
        self._shards = shards
        self._deltas: list[seg.Delta] = []
        self._pending = seg.new_flat(int(shards[0].index.d))
        self._pending_ids: set[int] = set()
        self._deleted_name: str | None = None
        self._deleted_dirty = False
        self._params: dict[tuple, tuple] = {}
        self._params_lock = threading.Lock()

    @property
    def _ivf(self) -> faiss.IndexIVF | None:
        """An IVF shard (all of a state's share its training), or None for a flat collection."""
        return shards_.target(self._shards).ivf

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
            ValueError: `names` is not one or more base shards plus deltas and at most one deletion set.
        """
        parsed = sorted((seg.parse_name(name), name) for name in names)
        bases = [(g, n, name) for (g, kind, n), name in parsed if kind == seg.BASE]
        deleted = [name for (_, kind, _), name in parsed if kind == seg.DELETED]
        if not bases or len(deleted) > 1:
            raise ValueError(f"a vector state needs a base and at most one deletion set: {list(names)}")
        folder = Path(folder)
        shards = [Shard(faiss.read_index(str(folder / name)), g, n, file=name) for g, n, name in bases]
        state = cls.__new__(cls)
        state._set_shards(shards)
        for (generation, kind, _), name in parsed:
            if kind == seg.DELTA:
                state._deltas.append(seg.Delta.of(generation, faiss.read_index(str(folder / name))))
        if deleted:
            by_key = seg.read_deleted(folder / deleted[0])
            segments = [(shard.key, shard) for shard in shards]
            segments += [((delta.generation, seg.NO_SHARD), delta) for delta in state._deltas]
            for (generation, number), segment in segments:  # format 8's rows name a generation only
                segment.deleted = by_key.pop((generation, number), None) or by_key.pop((generation, None), seg.IdSet())
            state._deleted_name = deleted[0]
        state._written = parsed[-1][0][0]
        return state

    def write_files(self, folder: Path, generation: int) -> list[str]:
        """Write and fsync only the new files this state needs; return the names of all its files.

        Never modifies, replaces or deletes a file the state was opened from or wrote before:
        `generation` must be newer than all of them. Deltas are merged when there are more than
        `MAX_DELTAS`; past `fold_limit` of the collection they are folded into the tail shard; else the
        shard with the largest deleted share past `fold_limit` of its size is rewritten without them, or
        one shard of a training from before `fit()` converted. A write rewrites one shard at most.

        Raises:
            ValueError: `generation` is not newer than the state's files.
        """
        if generation <= self._written:
            raise ValueError(f"generation {generation} is not newer than this state's files (g{self._written:06d})")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if self._written_shards():
            if self._delta_changes() > seg.fold_limit(len(self)):
                self.fold()
            else:
                if len(self._deltas) + (self._pending.ntotal > 0) > seg.MAX_DELTAS:
                    self._merge_deltas()
                if all(shard.generation is not None for shard in self._shards):  # fit() may have added one
                    self._rewrite(shards_.most_deleted(self._shards) or next(iter(shards_.mixed(self._shards)), None))
        else:  # nothing written yet: written whole anyway, in shards of capacity()
            self.reshard(factor=1)
        wrote = False
        unwritten = [shard for shard in self._shards if shard.generation is None]
        for number, shard in enumerate(unwritten):
            shard.generation, shard.number = generation, number
            shard.file = shard.name()
            seg.write_index(shard.index, folder / shard.file)
            wrote = True
        if self._pending.ntotal:
            seg.write_index(self._pending, folder / seg.file_name(generation, seg.DELTA))
            self._deltas.append(seg.Delta.of(generation, self._pending))
            self._pending, self._pending_ids, wrote = seg.new_flat(self.dimension), set(), True
        if self._deleted_dirty or unwritten:  # a rewritten shard's rows leave the deletion set
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
        names = [shard.name() for shard in self._written_shards()]
        names += [seg.file_name(delta.generation, seg.DELTA) for delta in self._deltas]
        return names + ([self._deleted_name] if self._deleted_name else [])

    def _written_shards(self) -> list[Shard]:
        return [shard for shard in self._shards if shard.generation is not None]

    def fold(self) -> None:
        """Fold the deltas (live vectors, and the pending ones) into the tail shard, written by the next
        `write_files` (with any shard that fills up); `merged` makes one base instead."""
        ids, vectors = shards_.delta_vectors(self._deltas, self._pending)
        self._deleted_dirty = self._deleted_dirty or any(delta.deleted for delta in self._deltas)
        self._deltas, self._params = [], {}
        self._pending, self._pending_ids = seg.new_flat(self.dimension), set()
        self._shards = shards_.fill_tail(self._shards, ids, vectors, len(self) + len(ids))

    def _rewrite(self, shard: Shard | None) -> None:
        """Write `shard` again without its deleted ids, in the target's training (`vector_shards.target`)."""
        if shard is None:
            return
        like = shards_.target(self._shards)
        if shard.training() == like.training():
            shard.drop_deleted()
            new = [shard] if shard.index.ntotal or len(self._shards) == 1 else []
        else:
            new = shards_.convert(shard, like, len(self))
        where = self._shards.index(shard)
        self._shards[where:where + 1] = new
        self._deleted_dirty, self._params = True, {}

    def reshard(self, factor: int = 2) -> bool:
        """Split the shards that hold more than `factor` times `capacity()` (a format-8 base) into shards
        of `capacity()`, written whole by the next `write_files`. Returns True if it split any."""
        shards = shards_.split_oversized(self._shards, len(self), factor)
        if shards is not None:
            self._shards, self._deleted_dirty, self._params = shards, True, {}
        return shards is not None

    def shard_sizes(self) -> list[int]:
        """Live vectors in each base shard."""
        return [shard.live() for shard in self._shards]

    def _merge_deltas(self) -> None:
        """Move every delta's live vectors into the unwritten delta (written as one file)."""
        merged = seg.new_flat(self.dimension)
        ids, vectors = shards_.delta_vectors(self._deltas, self._pending)
        if len(ids):
            merged.add_with_ids(vectors, ids)
        self._pending_ids = set(ids.tolist())
        self._pending = merged
        self._deleted_dirty = self._deleted_dirty or any(delta.deleted for delta in self._deltas)
        self._deltas, self._params = [], {}

    def _delta_changes(self) -> int:
        return self._pending.ntotal + sum(len(d.ids) + len(d.deleted) for d in self._deltas)

    def _deletions(self) -> dict[tuple[int, int], set[int]]:
        deleted = {(delta.generation, seg.NO_SHARD): delta.deleted for delta in self._deltas if delta.deleted}
        deleted.update({shard.key: shard.deleted for shard in self._written_shards() if shard.deleted})
        return deleted

    def merged(self) -> "VectorIndex":
        """The same collection as one in-memory base (what a single-file index holds)."""
        return VectorIndex(shards_.merge_all(self._shards, self._deltas, self._pending))

    def save(self, path: Path) -> None:
        """Write the whole collection as one file at `path` via a temporary file, fsynced, then renamed."""
        seg.write_index(shards_.merge_all(self._shards, self._deltas, self._pending), Path(path))

    @property
    def dimension(self) -> int:
        return int(self._pending.d)

    def __len__(self) -> int:
        return (sum(shard.live() for shard in self._shards)
                + sum(delta.live() for delta in self._deltas) + int(self._pending.ntotal))

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        if len(ids):
            ids = np.asarray(ids).astype(np.int64)
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            if not self._written_shards():  # nothing written yet: written whole anyway
                self._shards[-1].index.add_with_ids(vectors, ids)
                self._shards[-1].changed()
                return
            self._pending.add_with_ids(vectors, ids)
            self._pending_ids.update(ids.tolist())

    def remove(self, ids: list[int]) -> int:
        """Remove vectors by id; returns how many were really removed."""
        if not len(ids):
            return 0
        rest = np.unique(np.asarray(ids, dtype=np.int64))
        removed = 0
        pending = np.isin(rest, np.fromiter(self._pending_ids, np.int64, len(self._pending_ids)))
        if pending.any():
            removed += int(self._pending.remove_ids(rest[pending]))
            self._pending_ids.difference_update(rest[pending].tolist())
        rest = rest[~pending]
        for segment in [*reversed(self._deltas), *self._shards]:
            if not len(rest):
                break
            held = segment.holds(rest)
            if not held.any():
                continue
            if isinstance(segment, Shard) and segment.generation is None:  # not written: remove for real
                segment.index.remove_ids(rest[held])
                segment.changed()
            else:
                segment.deleted.update(rest[held].tolist())
                self._deleted_dirty, self._params = True, {}
            removed += int(held.sum())
            rest = rest[~held]
        return removed

    def ids(self) -> np.ndarray:
        return self.vectors(decode=False)[0]

    def vectors(self, decode: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """All (ids, vectors); the shards' are decoded, so approximate in an IVF index."""
        parts = [shard.live_vectors() if decode else (shard.live_ids(), None) for shard in self._shards]
        ids, vectors = shards_.delta_vectors(self._deltas, self._pending)
        all_ids = np.concatenate([*(p[0] for p in parts), ids]).astype(np.int64)
        if not decode:
            return all_ids, np.zeros((0, self.dimension), np.float32)
        return all_ids, np.ascontiguousarray(np.concatenate([*(p[1] for p in parts), vectors]), dtype=np.float32)

    def fit(self, threshold: int) -> bool:
        """Switch to (or retrain) the approximate index when the collection calls for it.

        Above `threshold` vectors a flat index becomes IVF; an IVF index whose collection has grown
        `RETRAIN_GROWTH` times since its training splits each list in two (`vector_recluster`), one
        that shrank as much is trained as at the switch, and one that shrank to half the threshold becomes flat
        again (the half keeps a collection near the threshold from switching at every write). Returns True
        when it trained anew. A collection not yet written is rebuilt whole, one of one shard converted at
        once; a larger one gets an empty shard of the new training, and a shard converted to it a write.
        """
        n = len(self)
        if self._ivf is None:
            return n > threshold and self._retrain(ivf=True, sq=None)
        if n <= threshold // 2:
            return self._retrain(ivf=False, sq=None)  # decoded from 8 bits: as exact as the IVF index was
        trained_for = (self._ivf.nlist / 4) ** 2
        if trained_for / RETRAIN_GROWTH < n < RETRAIN_GROWTH * trained_for:
            return False
        # Keep the scalar quantiser's ranges: decoded vectors then re-encode losslessly.
        sq = faiss.vector_to_array(self._ivf.sq.trained)
        return self._retrain(ivf=True, sq=sq, split=n >= RETRAIN_GROWTH * trained_for)

    def _retrain(self, ivf: bool, sq: np.ndarray | None, split: bool = False, nlist: int | None = None) -> bool:
        """Train anew (`split`: each current list in two, `vector_recluster`; else `nlist` lists); see `fit`."""
        if not self._written_shards():  # written whole anyway
            self._set_shards(shards_.build(*self.vectors(), None, sq, ivf))
            return True
        like = shards_.target(self._shards)
        if split:  # from a uniform sample of every shard and delta
            shards = [(s.index, s.deleted.array() if s.deleted else None, s.training() == like.training())
                      for s in self._shards]
            loose = shards_.delta_vectors(self._deltas, self._pending)
            template = recluster.split_training(like.ivf, shards, loose, len(self), sq)
        else:  # `nlist`: k-means afresh for that many lists, to compare (benchmarks/scale_writes.py)
            train = (lambda v, q: train_ivf(v, q, nlist)) if nlist else recluster.train_by_splitting
            template = train(self.vectors()[1], sq) if ivf else None
        new = Shard(shards_.empty_like(template or seg.new_flat(self.dimension)))
        whole = len(self._shards) == 1 and shards_.convert(self._shards[0], new, len(self))  # small: at once
        self._shards = whole or [*self._shards, new]
        self._deleted_dirty, self._params = True, {}
        return True

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
        segments += [(shard.index, shard.holds) for shard in self._shards]
        for index, holds in segments:
            if found.all():
                break
            mask = ~found & holds(ids)
            if mask.any():
                vectors[mask] = index.reconstruct_batch(ids[mask])
                found |= mask
        if not found.all():
            raise KeyError(f"vector ids not in the index among {ids[~found][:5].tolist()}")
        return vectors @ query.reshape(-1).astype(np.float32)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) for one query vector over every segment, deleted ids excluded."""
        total = len(self)
        if total == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        k = max(1, min(k, total))
        x = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        segments = [(shard.key, shard.index, shard.deleted, shard) for shard in self._shards]
        segments += [((delta.generation, seg.NO_SHARD), delta.index, delta.deleted, None) for delta in self._deltas]
        results, looked_up = [], {}
        with _one_thread():
            for key, index, deleted, shard in segments:
                if index.ntotal:
                    coarse = shards_.coarse(shard, x, looked_up) if len(self._shards) > 1 else None
                    results.append(self._search_one(key, index, deleted, shard and shard.ivf, x, k, coarse))
            if self._pending.ntotal:
                results.append(self._pending.search(x, min(k, int(self._pending.ntotal))))
        scores, ids = seg.merge_top_k([(s[0][i[0] >= 0], i[0][i[0] >= 0]) for s, i in results], k)
        return scores, ids.astype(np.int64)

    def _search_one(self, key, index, deleted: set[int], ivf, x: np.ndarray, k: int, coarse):
        k = min(k, int(index.ntotal))
        if not deleted:
            return index.search(x, k) if coarse is None else search_assigned(ivf, x, k, coarse, None)
        # Threads of one snapshot share these parameters; concurrent FAISS searches with a shared
        # selector crashed the process (tests/test_concurrency.py), so they take turns.
        with self._params_lock:
            entry = self._params.get(key)
            if entry is None:
                entry = self._params[key] = seg.excluding(deleted, ivf is not None, ivf.nprobe if ivf else 0)
            params = entry[0]
            return index.search(x, k, params=params) if coarse is None else search_assigned(ivf, x, k, coarse, params)
