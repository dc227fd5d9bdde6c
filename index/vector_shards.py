"""The base of the vectors as shards: standalone FAISS indexes over id ranges that together hold it.

A fold used to rewrite the whole base, and the new base had to sit beside the old one until the
commit after next (the previous generation names it), so that write's peak extra disk was the
base's size: 10.7–11% of the index. With shards a write rewrites at most one of them — the tail,
which takes the deltas' vectors (sealed when full, a new tail then starts), or one shard whose
deleted share passed `fold_limit` — so its peak is a shard's size.

A shard holds at most `capacity()` vectors: a sixteenth of the collection (`SHARDS`), at least
`SHARD_FLOOR_BYTES` of them. The vectors are about 11% (ivf-sq8) to 31% (flat) of an index (the
store holds the rest, README "One-document writes to segmented vectors"), so a shard is 0.7–1.9%
of the index, and a write that seals a full tail and starts the next stays within two shards.

Every `ivf-sq8` shard of one training is cloned from one trained index (`vector_ivf.empty_clone`):
the same coarse centroids and quantiser ranges, so a search computes the coarse lists once and
scans them in each shard (`vector_ivf.search_assigned`), the same codes as one base would hold.
After `fit()` trains anew, shards of the old training (or flat ones) are converted one a write
(`target`, `mixed`, `convert`); each shard is a standalone index, so the mixed state searches right.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import faiss
import numpy as np

from index import vector_segments as seg
from index.vector_ivf import empty_clone, ivf_ids, train_ivf
from index.vector_recluster import add_assigned, assign_from

# 16, not 8: at 1M ivf-sq8 vectors a shard file is then ~30 MB, so a fold that seals a full tail and
# starts the next writes 38 MB, under issue 17's 50 MB a one-document write (8 shards: 63.6 MB).
SHARDS = 16
# Below this a shard is not split further: 2 MiB is 1,358 flat or 5,140 ivf-sq8 vectors at 384
# dimensions; smaller shards would only add per-shard search calls.
SHARD_FLOOR_BYTES = 2 << 20


def bytes_per_vector(dimension: int, ivf: bool) -> int:
    """A stored vector's bytes: its code (float32 or 8-bit), its int64 id, and for IVF the direct map's entry."""
    return dimension + 8 + 16 if ivf else 4 * dimension + 8


def capacity(total: int, dimension: int, ivf: bool) -> int:
    """The most vectors a shard takes in a collection of `total`."""
    return max(1, SHARD_FLOOR_BYTES // bytes_per_vector(dimension, ivf), -(-total // SHARDS))


def ivf_of(index: faiss.Index) -> faiss.IndexIVF | None:
    if isinstance(index, faiss.IndexIDMap2):
        return None
    # read_index returns the concrete class (with `sq`); keep it when it is one
    return index if isinstance(index, faiss.IndexIVF) else faiss.try_extract_index_ivf(index)


@dataclass(eq=False)
class Shard:
    """One base shard: its index, the generation that wrote it (None: not written yet), its number
    within that generation's files, and the ids deleted from it since."""

    index: faiss.Index
    generation: int | None = None
    number: int = 0
    deleted: seg.IdSet = field(default_factory=seg.IdSet)
    file: str | None = None  # the name it was read from or written as (format 8's base has no number)
    _ids: np.ndarray | None = None
    _training: tuple | None = None

    def __post_init__(self):
        self.ivf = ivf_of(self.index)

    def training(self) -> tuple:
        """What this shard's codes depend on: `("flat",)`, or an IVF training's list count and a hash
        of its first centroids and quantiser ranges (shards with the same one share a coarse look-up)."""
        if self._training is None:
            if self.ivf is None:
                self._training = ("flat",)
            else:
                head = self.ivf.quantizer.reconstruct_n(0, min(8, self.ivf.nlist)).tobytes()
                ranges = faiss.vector_to_array(self.ivf.sq.trained).tobytes()
                self._training = (self.ivf.nlist, hashlib.sha1(head + ranges).hexdigest())
        return self._training

    @property
    def key(self) -> tuple[int | None, int]:
        return self.generation, self.number

    def name(self) -> str:
        return self.file or seg.file_name(self.generation, seg.BASE, self.number)

    def changed(self) -> None:
        """The index itself changed (vectors added or removed in place): no longer the written file."""
        self._ids, self.generation, self.file = None, None, None

    def all_ids(self) -> np.ndarray:
        """Every id in the index, deleted ones included, sorted (computed once)."""
        if self._ids is None:
            ids = faiss.vector_to_array(self.index.id_map) if self.ivf is None else ivf_ids(self.ivf)
            self._ids = np.sort(ids.astype(np.int64))
        return self._ids

    def holds(self, ids: np.ndarray) -> np.ndarray:
        """Mask of `ids` that are live in this shard."""
        mask = member(self.all_ids(), ids)
        if self.deleted:
            mask &= ~member(self.deleted.array(), ids)
        return mask

    def live(self) -> int:
        return int(self.index.ntotal) - len(self.deleted)

    def live_ids(self) -> np.ndarray:
        ids = self.all_ids()
        return ids[~np.isin(ids, self.deleted.array())] if self.deleted else ids

    def live_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of the live vectors; decoded from 8 bits in an IVF shard."""
        if self.ivf is None:
            ids, vectors = seg.flat_vectors(self.index)
            if self.deleted:
                keep = ~np.isin(ids, self.deleted.array())
                ids, vectors = ids[keep], vectors[keep]
            return ids, vectors
        ids = self.live_ids()
        if not len(ids):
            return ids, np.zeros((0, self.index.d), np.float32)
        return ids, self.index.reconstruct_batch(ids)

    def drop_deleted(self) -> None:
        """Remove the deleted ids from the index itself (the shard is then rewritten)."""
        if self.deleted:
            self.index.remove_ids(self.deleted.array())  # hash-table IVF takes only id arrays
            self.deleted = seg.IdSet()
        self.changed()


def member(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Mask of `ids` found in `sorted_ids`: a binary search each, where `np.isin` would sort both
    (a hybrid query asks every shard for its 50-odd candidates' vectors)."""
    where = np.searchsorted(sorted_ids, ids)
    found = where < len(sorted_ids)
    found[found] = sorted_ids[where[found]] == ids[found]
    return found


def empty_like(index: faiss.Index) -> faiss.Index:
    """An empty shard that searches like `index` (same trained quantiser for IVF)."""
    ivf = ivf_of(index)
    return seg.new_flat(int(index.d)) if ivf is None else empty_clone(ivf)


def build(ids: np.ndarray, vectors: np.ndarray, template: faiss.Index | None, sq: np.ndarray | None,
          ivf: bool, total: int | None = None, lists: np.ndarray | None = None) -> list[Shard]:
    """Shards of these vectors by id range, each at most `capacity()`; IVF ones cloned from one index
    trained on all of them (with `sq`, reusing those quantiser ranges), flat ones exact.

    `template`, when given, is an empty index to clone instead of training one; `total` is the
    collection's size when these are part of it; `lists`, each vector's IVF list when already known."""
    d = vectors.shape[1]
    if template is None:
        template = train_ivf(vectors, sq) if ivf else seg.new_flat(d)
    order = np.argsort(ids, kind="stable")
    ids, vectors = ids[order].astype(np.int64), vectors[order]
    lists = None if lists is None else lists[order]
    size = capacity(total or len(ids), d, ivf)
    shards = []
    for start in range(0, max(len(ids), 1), size):
        index = empty_like(template)
        part = slice(start, start + size)
        if len(ids) and lists is not None:
            add_assigned(index, ids[part], vectors[part], lists[part])
        elif len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors[part], dtype=np.float32), ids[part])
        shards.append(Shard(index))
    return shards


def target(shards: list[Shard]) -> Shard:
    """The newest shard (unwritten ones newest of all): its training is the one every shard takes
    when rewritten; older trainings are left from before a `fit()` and converted one a write."""
    return max(shards, key=lambda s: (s.generation is None, s.generation or 0))


def mixed(shards: list[Shard]) -> list[Shard]:
    """The shards whose training is not the target's, oldest first."""
    training = target(shards).training()
    return sorted((s for s in shards if s.training() != training), key=lambda s: s.generation or 0)


def convert(shard: Shard, like: Shard, total: int) -> list[Shard]:
    """`shard`'s live vectors as new shards in `like`'s training (decoded first, if IVF); from an older
    IVF training, each vector goes to the best of the new lists nearest its old list (`assign_from`)."""
    ids, vectors = shard.live_vectors()
    if not len(ids):
        return []
    lists = assign_from(shard.ivf, ids, vectors, like.ivf) if shard.ivf is not None and like.ivf is not None else None
    return build(ids, vectors, empty_like(like.index), None, like.ivf is not None, total, lists)


def coarse(shard: Shard | None, x: np.ndarray, looked_up: dict) -> tuple | None:
    """The coarse (distances, lists) of query `x` for an IVF shard, looked up once per training in
    `looked_up`; None for a flat shard or a delta (None)."""
    if shard is None or shard.ivf is None:
        return None
    training = shard.training()
    if training not in looked_up:
        looked_up[training] = shard.ivf.quantizer.search(x, shard.ivf.nprobe)
    return looked_up[training]


def fill_tail(shards: list[Shard], ids: np.ndarray, vectors: np.ndarray, total: int) -> list[Shard]:
    """Add vectors to the tail (the smallest shard below `capacity()` in the target's training,
    rewritten without its deleted ids), sealing it when full and starting new shards for the rest;
    returns the shards."""
    if not len(ids):
        return shards
    like = target(shards)
    first = like.index
    size = capacity(total, int(first.d), like.ivf is not None)
    open_shards = [shard for shard in shards if shard.live() < size and shard.training() == like.training()]
    if open_shards:
        tail = min(open_shards, key=Shard.live)
        tail.drop_deleted()
    else:
        tail = Shard(empty_like(first))
        shards = [*shards, tail]
    start = 0
    while start < len(ids):
        room = max(size - int(tail.index.ntotal), 0)
        if room == 0:
            tail = Shard(empty_like(first))
            shards = [*shards, tail]
            continue
        tail.index.add_with_ids(np.ascontiguousarray(vectors[start:start + room], dtype=np.float32),
                                ids[start:start + room])
        tail.changed()
        start += room
    return shards


def most_deleted(shards: list[Shard]) -> Shard | None:
    """The written shard with the largest deleted share among those past `fold_limit`, if any."""
    due = [s for s in shards if s.generation is not None and len(s.deleted) > seg.fold_limit(int(s.index.ntotal))]
    return max(due, key=lambda s: len(s.deleted) / max(int(s.index.ntotal), 1), default=None)


def oversized(shards: list[Shard], total: int, factor: int) -> list[Shard]:
    """The shards that hold more than `factor` times `capacity()` vectors."""
    return [s for s in shards if int(s.index.ntotal) > factor * capacity(total, int(s.index.d), s.ivf is not None)]


def split_oversized(shards: list[Shard], total: int, factor: int) -> list[Shard] | None:
    """The shards with those holding more than `factor` times `capacity()` split into shards of
    `capacity()` (their live vectors, by id), or None when none does."""
    big = oversized(shards, total, factor)
    if not big:
        return None
    parts = [shard.live_vectors() for shard in big]
    ids, vectors = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    kept = [shard for shard in shards if shard not in big]
    return kept + build(ids, vectors, empty_like(big[0].index), None, big[0].ivf is not None, total)


def delta_vectors(deltas: list[seg.Delta], pending: faiss.IndexIDMap2) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) live in the deltas and in the pending (unwritten) delta."""
    id_parts, parts = [np.zeros(0, np.int64)], [np.zeros((0, pending.d), np.float32)]
    for delta in deltas:
        ids, vectors = seg.flat_vectors(delta.index)
        keep = delta.holds(ids)
        id_parts.append(ids[keep])
        parts.append(vectors[keep])
    ids, vectors = seg.flat_vectors(pending)
    return np.concatenate([*id_parts, ids]), np.ascontiguousarray(np.concatenate([*parts, vectors]))


def merge_all(shards: list[Shard], deltas: list[seg.Delta], pending: faiss.IndexIDMap2) -> faiss.Index:
    """One index of the whole collection: IVF shards' lists merged code for code (they share one
    training), flat ones and the deltas added as vectors."""
    first = target(shards)
    base = empty_like(first.index)
    if first.ivf is not None and not mixed(shards):
        base.set_direct_map_type(faiss.DirectMap.NoMap)  # FAISS merges lists only without a direct map
        for shard in shards:
            part = faiss.clone_index(shard.index)
            part.set_direct_map_type(faiss.DirectMap.NoMap)
            if shard.deleted:
                part.remove_ids(faiss.IDSelectorBatch(shard.deleted.array()))
            base.merge_from(part, 0)
        base.set_direct_map_type(faiss.DirectMap.Hashtable)
        parts = [delta_vectors(deltas, pending)]
    else:
        parts = [shard.live_vectors() for shard in shards] + [delta_vectors(deltas, pending)]
    for ids, vectors in parts:
        if len(ids):
            base.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
    return base
