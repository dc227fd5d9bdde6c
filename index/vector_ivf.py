"""The approximate vector index: an inverted file with 8-bit scalar quantisation (`ivf-sq8`)."""

from __future__ import annotations

import faiss
import numpy as np

# Inverted lists visited per query: recall@10 >= 0.95 at 1M vectors (benchmarks/scale.py).
NPROBE = 48
# Faiss warns below 39 training points per centroid; more only slows training.
TRAIN_POINTS_PER_LIST = 40


def ivf_lists(n: int) -> int:
    """Number of inverted lists for `n` vectors: about 4 * sqrt(n), the usual rule."""
    return max(16, int(4 * np.sqrt(n)))


def build_ivf(ids: np.ndarray, vectors: np.ndarray, sq: np.ndarray | None) -> faiss.Index:
    """An `ivf-sq8` index of these vectors, clustered afresh; with `sq`, reusing those quantiser ranges."""
    index = train_ivf(vectors, sq)
    index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
    return index


def train_ivf(vectors: np.ndarray, sq: np.ndarray | None, nlist: int | None = None) -> faiss.Index:
    """An empty `ivf-sq8` index trained on a sample of `vectors` (`nlist` lists, by default those for
    that many vectors)."""
    d = vectors.shape[1]
    nlist = nlist or ivf_lists(len(vectors))
    rng = np.random.default_rng(0)
    sample = vectors[rng.choice(len(vectors), min(len(vectors), TRAIN_POINTS_PER_LIST * nlist), replace=False)]
    sample = np.ascontiguousarray(sample, dtype=np.float32)
    quantizer = faiss.IndexFlatIP(d)
    if sq is None:
        index = ivf_around(quantizer, nlist, None)
        index.train(sample)
        return index
    kmeans = faiss.Clustering(d, nlist)
    kmeans.spherical = True
    kmeans.train(sample, quantizer)
    return ivf_around(quantizer, nlist, sq)


def ivf_around(quantizer: faiss.IndexFlatIP, nlist: int, sq: np.ndarray | None) -> faiss.Index:
    """An `ivf-sq8` index over `quantizer`'s `nlist` centroids (it takes ownership of it), with `sq`'s
    quantiser ranges (trained then, unless None), a hash-table direct map and `NPROBE`."""
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, quantizer.d, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    if sq is not None:
        faiss.copy_array_to_vector(sq.astype(np.float32), index.sq.trained)
        index.is_trained = True
    index.own_fields = True
    quantizer.this.disown()
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.nprobe = NPROBE
    return index


def empty_clone(ivf: faiss.IndexIVF) -> faiss.Index:
    """An empty index with `ivf`'s coarse centroids and quantiser ranges (a new shard of the same base)."""
    index = faiss.clone_index(ivf)
    index.reset()
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.nprobe = ivf.nprobe
    return index


def search_assigned(ivf: faiss.IndexIVF, x: np.ndarray, k: int, coarse, params) -> tuple[np.ndarray, np.ndarray]:
    """Search one query in `ivf`'s lists `coarse` = (distances, lists) from a quantiser shared by every
    shard, so K shards pay one coarse look-up; `params` (a selector) as for `search`. The numpy
    wrapper of `search_preassigned` refuses `params`, hence the SWIG call."""
    scores = np.empty((1, k), dtype=np.float32)
    labels = np.empty((1, k), dtype=np.int64)
    distances, lists = coarse
    ivf.search_preassigned_c(1, faiss.swig_ptr(x), k, faiss.swig_ptr(lists), faiss.swig_ptr(distances),
                             faiss.swig_ptr(scores), faiss.swig_ptr(labels), False, params)
    return scores, labels


def ivf_ids(ivf: faiss.IndexIVF) -> np.ndarray:
    """Every id stored in the inverted lists, list by list."""
    return list_members(ivf)[0]


def list_members(ivf: faiss.IndexIVF) -> tuple[np.ndarray, np.ndarray]:
    """(ids, list numbers) of every vector stored in `ivf`, list by list."""
    lists = ivf.invlists
    sizes = np.array([lists.list_size(i) for i in range(lists.nlist)], dtype=np.int64)
    parts = [faiss.rev_swig_ptr(lists.get_ids(int(i)), int(sizes[i])).copy() for i in np.flatnonzero(sizes)]
    ids = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
    return ids, np.repeat(np.arange(lists.nlist, dtype=np.int64), sizes)
