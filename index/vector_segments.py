"""The files of a segmented vector index: a base, small delta segments and a deletion set.

A state is a list of names in `<index>/vectors/`, each carrying the generation that wrote it:

* `g000007-base-003.faiss` — shard 3 of the base written by generation 7 (exact
  `IndexIDMap2(IndexFlatIP)` or `ivf-sq8`; `index/vector_shards.py`); `g000007-base.faiss`, the one
  base of format 8, reads as shard 0;
* `g000009-delta.faiss` — a delta: an exact `IndexIDMap2(IndexFlatIP)` of vectors added since;
* `g000010-deleted.npy` — the deletion set: an int64 array of (segment generation, shard, id) rows
  (shard -1 for a delta), ids removed from an older segment since it was written (`np.save`, no
  pickle); format 8 wrote (generation, id) rows, which name the one segment of that generation.

Files are immutable once written; a write adds new files and names the whole state.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

BASE = "base"
DELTA = "delta.faiss"
DELETED = "deleted.npy"
_NAME = re.compile(r"^g(\d{6,})-(?:(base)(?:-(\d{3,}))?\.faiss|(delta\.faiss|deleted\.npy))$")
# The shard number of a delta (and of the deletion set) in segment keys and deletion rows.
NO_SHARD = -1

# More delta files than this and a write merges them into one (each is searched apart).
MAX_DELTAS = 8
# Fold deltas and deletions into a new base when together they pass FOLD_FRACTION of the base,
# but never before FOLD_FLOOR changed vectors nor after FOLD_CAP: the cap bounds an ordinary
# write (a merged delta of 20,000 x 384 float32 is 31 MB), the floor keeps a small index from
# rewriting its base at every write.
FOLD_FRACTION = 0.05
FOLD_FLOOR = 1_000
FOLD_CAP = 20_000


def file_name(generation: int, kind: str, shard: int = NO_SHARD) -> str:
    if kind == BASE:
        return f"g{generation:06d}-base-{shard:03d}.faiss"
    return f"g{generation:06d}-{kind}"


def parse_name(name: str) -> tuple[int, str, int]:
    """(generation, kind, shard) of a segment file name; ValueError for anything else."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"not a vector segment file name: {name!r}")
    if match.group(2):
        return int(match.group(1)), BASE, int(match.group(3) or 0)
    return int(match.group(1)), match.group(4), NO_SHARD


def fold_limit(base_vectors: int) -> int:
    """Changed vectors (delta vectors + deletions) above which a write folds into the base."""
    return int(min(FOLD_CAP, max(FOLD_FLOOR, FOLD_FRACTION * base_vectors)))


class IdSet(set):
    """A set of ids that also hands them out as a sorted array, rebuilt only after it changed size
    (deletion sets only ever grow, so the size tells whether the array is current)."""

    _array: np.ndarray | None = None

    def array(self) -> np.ndarray:
        if self._array is None or len(self._array) != len(self):
            self._array = np.sort(np.fromiter(self, np.int64, len(self)))
        return self._array


@dataclass
class Delta:
    """One written delta segment: its exact index, its ids (sorted) and those deleted since."""

    generation: int
    index: faiss.IndexIDMap2
    ids: np.ndarray
    deleted: IdSet = field(default_factory=IdSet)

    @classmethod
    def of(cls, generation: int, index: faiss.IndexIDMap2) -> "Delta":
        return cls(generation, index, np.sort(faiss.vector_to_array(index.id_map).astype(np.int64)))

    def holds(self, ids: np.ndarray) -> np.ndarray:
        """Mask of `ids` that are live in this delta."""
        mask = np.isin(ids, self.ids)
        if self.deleted:
            mask &= ~np.isin(ids, self.deleted.array())
        return mask

    def live(self) -> int:
        return len(self.ids) - len(self.deleted)


def new_flat(dimension: int) -> faiss.IndexIDMap2:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def excluding(ids: set[int], ivf: bool, nprobe: int):
    """FAISS search parameters that skip `ids` (None when there are none), and the selectors
    they point to, which the caller must keep alive as long as the parameters."""
    if not ids:
        return None, ()
    batch = faiss.IDSelectorBatch(np.fromiter(ids, np.int64, len(ids)))
    invert = faiss.IDSelectorNot(batch)
    params = faiss.SearchParametersIVF(sel=invert, nprobe=nprobe) if ivf else faiss.SearchParameters(sel=invert)
    return params, (batch, invert)


def merge_top_k(results: list[tuple[np.ndarray, np.ndarray]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best `k` (scores, ids) of several segments' results, best first."""
    results = [(s, i) for s, i in results if len(i)]
    if not results:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    if len(results) == 1:
        return results[0][0][:k], results[0][1][:k]
    scores = np.concatenate([s for s, _ in results])
    ids = np.concatenate([i for _, i in results])
    order = np.argsort(-scores, kind="stable")[:k]
    return scores[order], ids[order]


def flat_vectors(index: faiss.IndexIDMap2) -> tuple[np.ndarray, np.ndarray]:
    """All (ids, vectors) of an exact ID-mapped index, in storage order."""
    ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    if not len(ids):
        return ids, np.zeros((0, index.d), dtype=np.float32)
    return ids, index.index.reconstruct_n(0, len(ids))


def read_deleted(path: Path) -> dict[tuple[int, int | None], IdSet]:
    """Deleted ids by segment key (generation, shard); shard None in a format-8 file, whose rows
    name a generation, which wrote exactly one segment."""
    rows = np.load(path, allow_pickle=False)
    columns = rows.shape[1] if rows.ndim == 2 else 2
    deleted: dict[tuple[int, int | None], IdSet] = {}
    for row in rows.reshape(-1, columns).tolist():
        key = (int(row[0]), int(row[1]) if columns == 3 else None)
        deleted.setdefault(key, IdSet()).add(int(row[-1]))
    return deleted


def write_index(index: faiss.Index, path: Path) -> int:
    """Write `path` (a new name) through a temporary file, fsynced; returns its size in bytes."""
    tmp = path.with_name(path.name + ".tmp")
    faiss.write_index(index, str(tmp))
    return _publish(tmp, path)


def write_deleted(deleted: dict[tuple[int, int], set[int]], path: Path) -> int:
    rows = [(*key, vector_id) for key, ids in sorted(deleted.items()) for vector_id in sorted(ids)]
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.save(handle, np.asarray(rows, dtype=np.int64).reshape(-1, 3), allow_pickle=False)
    return _publish(tmp, path)


def _publish(tmp: Path, path: Path) -> int:
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)  # only ever a name no committed state uses (see VectorIndex.write_files)
    return path.stat().st_size


def sync_folder(folder: Path) -> None:
    """Make the new files' directory entries durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
