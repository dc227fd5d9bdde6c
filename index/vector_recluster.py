"""Re-clustering an IVF collection at a cost that follows a sample and a shard, not the collection.

At 4x growth `fit()` trains anew. Training k-means for 4·√n lists afresh took 115 s at 1M
vectors on two cores (README, "One-document writes to segmented vectors"), and encoding each
125,000-vector shard against the new lists up to 16.8 s: one-document writes that cost minutes.
Two shortcuts bound both:

- growth splits each list of the current training in two, by spherical 2-means over a sample of
  the vectors in that list (`split_training`, `split_lists`), all lists at once in numpy: the new
  lists refine the clustering that exists instead of redoing it (a hierarchical k-means step); the
  switch to IVF and a retraining after 4x shrinkage train k-means for a quarter of the lists and
  split twice (`train_by_splitting`);
- a shard of an older IVF training is converted by assigning each vector among the `CANDIDATES`
  new lists nearest its old list's centroid (`assign_from`), not among all of them, and its codes are
  added with those assignments (`add_assigned`).

Both are approximations of flat k-means and exact assignment: recall@10 0.002-0.005 lower than
k-means afresh (`benchmarks/recluster_growth.py`, README "Re-clustering by splitting lists").
"""

from __future__ import annotations

import faiss
import numpy as np
from scipy import sparse

from index.vector_ivf import ivf_around, ivf_lists, list_members, train_ivf

# New lists searched for each old list's vectors when converting a shard.
CANDIDATES = 16
# Sample vectors a new list, and 2-means rounds. At 100,000 synthetic vectors (benchmarks/synthetic_index.py)
# splitting 1,264 lists took 0.4 s with 20 and 6, 1.1 s with 40 and 8, where k-means afresh for 2,528
# lists on 40 a list took 18.9 s; recall@10 after 0.989, 0.991 and 0.992 (0.992 before).
SPLIT_POINTS_PER_LIST = 20
SPLIT_ITERATIONS = 6
# Rows per numpy block, so that no temporary passes ~100 MB at 384 dimensions.
BLOCK = 65_536


def split_lists(x: np.ndarray, lists: np.ndarray, centroids: np.ndarray, sq: np.ndarray,
                seed: int = 0) -> faiss.Index:
    """An empty `ivf-sq8` index whose lists split each of `centroids`' in two: list `i`'s children are
    lists `2i` and `2i+1`, the spherical 2-means of the sample vectors `x` that lie in list `lists`.

    `sq` are the scalar quantiser's trained ranges, kept so that codes stay comparable."""
    nlist, d = centroids.shape
    rng = np.random.default_rng(seed)
    shuffle = rng.permutation(len(x))
    order = shuffle[np.argsort(lists[shuffle], kind="stable")]  # random order within each list
    x, lists = np.ascontiguousarray(x[order], dtype=np.float32), lists[order]
    counts = np.bincount(lists, minlength=nlist)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    children = np.repeat(centroids[:, None, :], 2, axis=1).astype(np.float32)
    two = counts >= 2
    children[two, 0] = x[starts[two]]
    children[two, 1] = x[starts[two] + counts[two] - 1]
    totals = _sums_by_list(x, starts, counts)
    for _ in range(SPLIT_ITERATIONS):
        side = _sides(x, lists, children[:, 1] - children[:, 0])
        ones = _sums_by_list(x, starts, counts, side)
        n_ones = np.bincount(lists, weights=side, minlength=nlist)
        for child, sums, n in ((0, totals - ones, counts - n_ones), (1, ones, n_ones)):
            keep = n > 0
            children[keep, child] = _unit(sums[keep])
    quantizer = faiss.IndexFlatIP(d)
    quantizer.add(np.ascontiguousarray(children.reshape(2 * nlist, d)))
    return ivf_around(quantizer, 2 * nlist, sq)


def split_training(like: faiss.IndexIVF, shards: list[tuple[faiss.Index, np.ndarray | None, bool]],
                   loose: tuple[np.ndarray, np.ndarray], total: int, sq: np.ndarray) -> faiss.Index:
    """`split_lists` of `like`'s lists, from a uniform sample of a collection of `total` vectors:
    (index, deleted ids, in `like`'s training) shards and the `loose` (ids, vectors) of the deltas.
    A sample vector's list is read from its shard's lists when the shard is in `like`'s training,
    found by `assign_from` from another IVF training, or looked up in `like`'s quantiser;
    `SPLIT_POINTS_PER_LIST` sample vectors a new list."""
    rng = np.random.default_rng(total)
    share = min(1.0, SPLIT_POINTS_PER_LIST * 2 * like.nlist / max(total, 1))
    list_parts, vector_parts = [np.zeros(0, np.int64)], [np.zeros((0, like.d), np.float32)]
    for index, deleted, same in shards:
        ivf = faiss.try_extract_index_ivf(index)
        ids, lists = list_members(ivf) if ivf is not None else (faiss.vector_to_array(index.id_map), None)
        keep = rng.random(len(ids)) < share
        if deleted is not None:
            keep &= ~np.isin(ids, deleted)
        if not keep.any():
            continue
        x = index.reconstruct_batch(np.ascontiguousarray(ids[keep], dtype=np.int64))
        if same:
            lists = lists[keep]
        elif ivf is not None:
            lists = assign_from(ivf, ids[keep], x, like)
        else:
            lists = like.quantizer.search(x, 1)[1][:, 0]
        list_parts.append(lists)
        vector_parts.append(x)
    x = loose[1][rng.random(len(loose[0])) < share]
    if len(x):
        list_parts.append(like.quantizer.search(np.ascontiguousarray(x, dtype=np.float32), 1)[1][:, 0])
        vector_parts.append(x)
    centroids = like.quantizer.reconstruct_n(0, like.nlist)
    return split_lists(np.concatenate(vector_parts), np.concatenate(list_parts).astype(np.int64), centroids, sq)


def train_by_splitting(vectors: np.ndarray, sq: np.ndarray | None, nlist: int | None = None,
                       rounds: int = 2) -> faiss.Index:
    """An empty `ivf-sq8` index of about `nlist` lists (by default those for `vectors`): k-means for
    `nlist / 2**rounds` lists on a sample (with `sq`, keeping those quantiser ranges; else trained with them), each list then
    split in two `rounds` times. k-means costs lists x sample points, so a quarter of the lists costs
    a sixteenth: at the switch to IVF at 200,000 vectors 1.99 s against 7.80 s for k-means afresh
    for 1,788 lists, recall@10 0.987 against 0.992 (benchmarks/recluster_growth.py)."""
    nlist = nlist or ivf_lists(len(vectors))
    if nlist < 16 << rounds:  # a small collection: k-means afresh is cheap
        return train_ivf(vectors, sq, nlist)
    coarse = nlist >> rounds
    index = train_ivf(vectors, sq, coarse)
    train_sq, sq = sq is None, faiss.vector_to_array(index.sq.trained)
    rng = np.random.default_rng(len(vectors))
    sample = vectors[rng.choice(len(vectors), min(len(vectors), SPLIT_POINTS_PER_LIST * coarse << rounds), replace=False)]
    sample = np.ascontiguousarray(sample, dtype=np.float32)
    for _ in range(rounds):
        lists = index.quantizer.search(sample, 1)[1][:, 0]
        index = split_lists(sample, lists, index.quantizer.reconstruct_n(0, index.nlist), sq)
    if train_sq:  # the ranges of the residuals from the final lists, narrower than from the coarse ones
        lists = np.ascontiguousarray(index.quantizer.search(sample, 1)[1][:, 0])
        index.train_encoder(len(sample), faiss.swig_ptr(sample), faiss.swig_ptr(lists))
    return index


def assign_from(old: faiss.IndexIVF, ids: np.ndarray, x: np.ndarray, new: faiss.IndexIVF) -> np.ndarray:
    """The list in `new` of each vector `x` (ids `ids`, stored in `old`): the best of the `CANDIDATES`
    lists of `new` whose centroids are nearest the centroid of the vector's list in `old`."""
    member_ids, member_lists = list_members(old)
    order = np.argsort(member_ids)
    where = np.searchsorted(member_ids, ids, sorter=order)
    old_lists = member_lists[order[where]]
    old_centroids = old.quantizer.reconstruct_n(0, old.nlist)
    new_centroids = new.quantizer.reconstruct_n(0, new.nlist)
    m = min(CANDIDATES, new.nlist)
    candidates = np.empty((old.nlist, m), dtype=np.int64)
    for start in range(0, old.nlist, 1024):
        scores = old_centroids[start:start + 1024] @ new_centroids.T
        candidates[start:start + 1024] = np.argpartition(-scores, m - 1, axis=1)[:, :m]
    assigned = np.empty(len(ids), dtype=np.int64)
    by_list = np.argsort(old_lists, kind="stable")
    bounds = np.searchsorted(old_lists[by_list], np.arange(old.nlist + 1))
    for lst in range(old.nlist):
        rows = by_list[bounds[lst]:bounds[lst + 1]]
        if len(rows):
            near = candidates[lst]
            assigned[rows] = near[np.argmax(x[rows] @ new_centroids[near].T, axis=1)]
    return assigned


def add_assigned(index: faiss.IndexIVF, ids: np.ndarray, x: np.ndarray, lists: np.ndarray) -> None:
    """Add vectors to `index` in the given lists (no coarse look-up)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    lists = np.ascontiguousarray(lists, dtype=np.int64)
    index.add_core(len(ids), faiss.swig_ptr(x), faiss.swig_ptr(ids), faiss.swig_ptr(lists))


def _sides(x: np.ndarray, lists: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """1.0 where a vector is nearer its list's second child than its first, else 0.0."""
    side = np.empty(len(x), dtype=np.float32)
    for start in range(0, len(x), BLOCK):
        block = slice(start, start + BLOCK)
        side[block] = np.einsum("ij,ij->i", x[block], direction[lists[block]]) > 0
    return side


def _sums_by_list(x: np.ndarray, starts: np.ndarray, counts: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Sum of the (weighted) rows of each list, rows sorted by list, as a sparse product: `np.add.reduceat`
    and `np.cumsum` over rows took 0.25-0.55 s at 100,000 x 384, the product 0.02 s."""
    weights = np.ones(len(x), np.float32) if weights is None else weights
    indptr = np.append(starts, starts[-1] + counts[-1]) if len(starts) else np.zeros(1, np.int64)
    one_hot = sparse.csr_matrix((weights, np.arange(len(x)), indptr), shape=(len(counts), len(x)))
    return np.asarray(one_hot @ x, dtype=np.float32)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
