"""Re-clustering at 4x growth: lists split in two from a sample, shards converted by nearby lists only."""

from __future__ import annotations

import math

import faiss
import numpy as np
import pytest

from index import vector_recluster, vector_shards
from index.vector_ivf import build_ivf, ivf_lists
from index.vectors import IVF, VectorIndex

D = 32


def clustered(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((60, D)).astype(np.float32)
    x = centres[rng.integers(0, 60, n)] + 0.35 * rng.standard_normal((n, D)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def small_shards(monkeypatch):
    monkeypatch.setattr(vector_shards, "SHARD_FLOOR_BYTES", 500 * vector_shards.bytes_per_vector(D, ivf=False))


def recall_at_10(state: VectorIndex, x: np.ndarray, ids: np.ndarray, queries: np.ndarray) -> float:
    found = 0
    for q in queries:
        exact = ids[np.argsort(-(x @ q))[:10]]
        found += len(set(exact.tolist()) & set(state.search(q, 10)[1].tolist()))
    return found / (10 * len(queries))


def converged(state: VectorIndex, folder, names: list[str], generation: int):
    """Write until every shard is in one training; returns (state, names, generation, new base files a write)."""
    per_write = []
    while len({shard.training() for shard in state._shards}) > 1:
        before = set(names)
        names = state.write_files(folder, generation)
        per_write.append(len([n for n in set(names) - before if "-base-" in n]))
        state, generation = VectorIndex.open_files(folder, names), generation + 1
    return state, names, generation, per_write


def test_growth_splits_every_list_and_converts_one_shard_a_write(tmp_path, small_shards):
    switched = ivf_lists(5000) // 4 * 4  # the switch trains a quarter of the lists and splits twice
    crossing = math.ceil(4 * (switched / 4) ** 2)  # 4x what those lists were trained for
    x = clustered(crossing, seed=3)
    ids = np.arange(len(x))
    folder = tmp_path / "vectors"
    state = VectorIndex.create(D)
    state.add(x[:5000], ids[:5000])
    names = state.write_files(folder, 1)
    state = VectorIndex.open_files(folder, names)
    assert state.fit(1000) and state.kind == IVF
    state, names, generation, _ = converged(state, folder, names, 2)
    old_lists = state._ivf.nlist
    assert old_lists == switched
    queries = clustered(200, seed=4)
    assert recall_at_10(state, x[:5000], ids[:5000], queries) >= 0.9

    state.add(x[5000:-1], ids[5000:-1])  # growth of a big write, folded into the tail
    names = state.write_files(folder, generation)
    state = VectorIndex.open_files(folder, names)
    assert not state.fit(1000)  # one vector short of 4x
    state.add(x[-1:], ids[-1:])  # the one-vector write that crosses it
    assert state.fit(1000)
    assert state._ivf.nlist == 2 * old_lists  # every list split in two, not trained afresh
    state, names, generation, per_write = converged(state, folder, names, generation + 1)
    assert per_write and max(per_write) <= 1 and len(per_write) >= 3  # one shard rewritten a write
    assert len(state) == len(x) and not state.fit(1000)

    split_recall = recall_at_10(state, x, ids, queries)
    fresh = VectorIndex(build_ivf(ids, x, None))
    assert fresh._ivf.nlist == state._ivf.nlist
    assert split_recall >= 0.9
    assert split_recall >= recall_at_10(fresh, x, ids, queries) - 0.03
    assert all(state.search(x[i], 1)[1][0] == i or x[i] @ x[state.search(x[i], 1)[1][0]] > 0.99
               for i in (0, 4999, 12_345, crossing - 1))


def test_conversion_puts_nearly_every_vector_in_its_nearest_new_list():
    x = clustered(12_000, seed=5)
    ids = np.arange(len(x))
    old = build_ivf(ids, x, None)
    old_lists = vector_recluster.list_members(old)
    lists_by_id = old_lists[1][np.argsort(old_lists[0])]
    sq = faiss.vector_to_array(old.sq.trained)
    new = vector_recluster.split_lists(x, lists_by_id, old.quantizer.reconstruct_n(0, old.nlist), sq)
    assert new.nlist == 2 * old.nlist and new.ntotal == 0
    decoded = old.reconstruct_batch(ids)
    assigned = vector_recluster.assign_from(old, ids, decoded, new)
    exact = new.quantizer.search(decoded, 1)[1][:, 0]
    assert (assigned == exact).mean() >= 0.97
    vector_recluster.add_assigned(new, ids, decoded, assigned)
    members, lists = vector_recluster.list_members(new)
    assert new.ntotal == len(ids) and np.array_equal(lists[np.argsort(members)], assigned)
    assert np.abs(new.reconstruct_batch(ids[:100]) - decoded[:100]).max() < 0.05
