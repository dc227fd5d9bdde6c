"""The vector base as id-range shards: searched like one base, folded one shard at a time, format 8 migrated."""

from __future__ import annotations

import json
import sqlite3

import faiss
import numpy as np
import pytest

from assistant.api import Assistant
from index import vector_segments as seg
from index import vector_shards
from index.manifest import FORMAT_VERSION
from index.vector_ivf import build_ivf
from index.vectors import FLAT, IVF, VectorIndex

D = 32
PER_VECTOR_FLAT = vector_shards.bytes_per_vector(D, ivf=False)


def unit(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, D)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def clustered(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, D)).astype(np.float32)
    x = centres[rng.integers(0, 40, n)] + 0.3 * rng.standard_normal((n, D)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def files_stat(folder) -> dict[str, tuple[int, int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()}


def written_base(x: np.ndarray, folder) -> list[str]:
    """The file names of generation 1 of a new collection of `x` (ids 0..n-1)."""
    state = VectorIndex.create(D)
    state.add(x, np.arange(len(x)))
    return state.write_files(folder, 1)


@pytest.fixture
def small_shards(monkeypatch):
    """Shards of 500 flat vectors (1,000 ivf-sq8 ones hold less), so a few thousand vectors make eight."""
    monkeypatch.setattr(vector_shards, "SHARD_FLOOR_BYTES", 500 * PER_VECTOR_FLAT)


def test_flat_search_over_shards_equals_one_base_with_deltas_and_deletions(tmp_path, small_shards):
    x = unit(4000, seed=1)
    folder = tmp_path / "vectors"
    names = written_base(x, folder)
    assert names == [f"g000001-base-{n:03d}.faiss" for n in range(8)]
    state = VectorIndex.open_files(folder, names)
    assert state.shard_sizes() == [500] * 8
    state.remove([3, 1700, 3999])
    state.add(unit(20, seed=2), np.arange(4000, 4020))
    state = VectorIndex.open_files(folder, state.write_files(folder, 2))
    single = state.merged()
    assert len(single.shard_sizes()) == 1 and len(state) == len(single) == 4017
    for q in unit(30, seed=3):
        scores, ids = state.search(q, 10)
        single_scores, single_ids = single.search(q, 10)
        assert ids.tolist() == single_ids.tolist() and np.allclose(scores, single_scores)
    assert state.search(x[1700], 5)[1][0] != 1700  # deleted in its shard
    assert state.similarities(x[5], np.array([5, 4001])).shape == (2,)
    with pytest.raises(KeyError):
        state.similarities(x[5], np.array([3]))


def test_ivf_shards_share_one_training_and_find_what_one_base_finds(tmp_path, small_shards):
    x = clustered(6000, seed=4)
    ids = np.arange(6000)
    state = VectorIndex.create(D)
    state.add(x, ids)
    assert state.fit(1000) and state.kind == IVF
    folder = tmp_path / "vectors"
    state = VectorIndex.open_files(folder, state.write_files(folder, 1))
    assert state.shard_sizes() == [1214] * 4 + [1144]  # the floor's 500 flat vectors' bytes hold 1,214 ivf-sq8 ones
    trained = [(s.ivf.quantizer.reconstruct_n(0, s.ivf.nlist), faiss.vector_to_array(s.ivf.sq.trained))
               for s in state._shards]
    assert all(np.array_equal(trained[0][0], c) and np.array_equal(trained[0][1], r) for c, r in trained[1:])
    single = build_ivf(ids, x, None)  # the same sample, so the same centroids: one base of these vectors
    queries = clustered(100, seed=5)
    truth = [set(np.argsort(-(x @ q))[:10].tolist()) for q in queries]
    found = [set(state.search(q, 10)[1].tolist()) for q in queries]
    one = [set(single.search(q.reshape(1, -1), 10)[1][0].tolist()) for q in queries]
    recall = np.mean([len(f & t) / 10 for f, t in zip(found, truth)])
    single_recall = np.mean([len(f & t) / 10 for f, t in zip(one, truth)])
    assert recall == single_recall and recall > 0.9
    assert sum(f == o for f, o in zip(found, one)) >= 98  # the same lists and codes; a tie may order apart


def test_a_fold_rewrites_only_the_shard_with_deletions_and_the_tail(tmp_path, small_shards, monkeypatch):
    monkeypatch.setattr(seg, "FOLD_FLOOR", 10)  # fold limits: 25 deletions in a 500-vector shard, 200 delta vectors
    x = unit(4000, seed=6)
    folder = tmp_path / "vectors"
    first = written_base(x, folder)
    shard_bytes = (folder / first[0]).stat().st_size
    before = files_stat(folder)

    state = VectorIndex.open_files(folder, first)
    assert state.remove(list(range(1500, 1540))) == 40  # 8% of shard 3 (ids 1500-1999)
    state.remove([10])  # one deletion elsewhere stays a deletion
    state.add(unit(5, seed=7), np.arange(4000, 4005))
    second = state.write_files(folder, 2)
    new = sorted(set(second) - set(first))
    assert new == ["g000002-base-000.faiss", "g000002-deleted.npy", "g000002-delta.faiss"]
    assert "g000001-base-003.faiss" not in second and len([n for n in second if "-base-" in n]) == 8
    assert (folder / "g000002-base-000.faiss").stat().st_size < shard_bytes  # 460 vectors, written once
    assert {name: files_stat(folder)[name] for name in before} == before  # the old files untouched

    state = VectorIndex.open_files(folder, second)
    state.add(unit(300, seed=8), np.arange(5000, 5300))  # past 200: the deltas fold into the tail
    third = state.write_files(folder, 3)
    new = sorted(set(third) - set(second))
    assert all("-base-" in name for name in new if name.endswith(".faiss"))  # no delta left
    assert not any(name.endswith(seg.DELTA) for name in third)
    written = sum((folder / name).stat().st_size for name in new)
    assert written <= 2 * shard_bytes + 20_000  # the tail (filled to 500, and the next one started), not the base
    assert len(VectorIndex.open_files(folder, third)) == 4000 - 41 + 305

    # Kill-safety: every earlier state's files are still there and open as they were.
    assert len(VectorIndex.open_files(folder, first)) == 4000
    older = VectorIndex.open_files(folder, second)
    assert len(older) == 4000 - 41 + 5 and older.search(x[1520], 1)[1].tolist() != [1520]
    assert VectorIndex.open_files(folder, first).search(x[1520], 1)[1].tolist() == [1520]


def test_a_format_8_base_with_two_column_deletions_opens_and_splits(tmp_path, small_shards):
    x = unit(3000, seed=9)
    folder = tmp_path / "vectors"
    folder.mkdir()
    base = seg.new_flat(D)
    base.add_with_ids(x, np.arange(3000))
    faiss.write_index(base, str(folder / "g000004-base.faiss"))
    np.save(folder / "g000004-deleted.npy", np.array([[4, 17], [4, 2500]], dtype=np.int64))
    old = VectorIndex.open_files(folder, ["g000004-base.faiss", "g000004-deleted.npy"])
    assert len(old) == 2998 and old.kind == FLAT and 17 not in old.ids().tolist()
    assert old.write_files(folder, 5) == ["g000004-base.faiss", "g000004-deleted.npy"]  # nothing changed
    assert old.reshard()
    names = old.write_files(folder, 6)
    assert names == [f"g000006-base-{n:03d}.faiss" for n in range(6)]  # 2998 in shards of 500, no deletions left
    split = VectorIndex.open_files(folder, names)
    assert len(split) == 2998 and {17, 2500}.isdisjoint(split.ids().tolist())
    assert split.search(x[42], 1)[1].tolist() == [42]


def _as_format_8(root) -> list[str]:
    """Make the index at `root` what format 8 wrote: one `gNNNNNN-base.faiss`, manifest at format 8."""
    with sqlite3.connect(root / "store.sqlite") as db:
        number, manifest, files = db.execute("SELECT number, manifest, vector_files FROM generation").fetchone()
        state = VectorIndex.open_files(root / "vectors", json.loads(files))
        name = f"g{number:06d}-base.faiss"
        faiss.write_index(state.merged()._shards[0].index, str(root / "vectors" / name))
        manifest = json.loads(manifest)
        manifest.update(format_version=8, migrations=[m for m in manifest["migrations"] if m != "m009_vector_shards"])
        db.execute("UPDATE generation SET manifest = ?, vector_files = ?, previous_vector_files = '[]'",
                   (json.dumps(manifest), json.dumps([name])))
    for path in (root / "vectors").iterdir():
        if path.name != name:
            path.unlink()
    (root / "manifest.json").write_text(json.dumps(manifest))
    return [name]


def test_m009_upgrades_a_format_8_index_and_splits_its_base(tmp_path, fake_embedder, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(12):
        (docs / f"reply{i}.txt").write_text(f"Reply {i}. " + " ".join(f"parking fines {i} word{j}." for j in range(80)))
    root = tmp_path / "idx"
    assistant = Assistant.open(root, embedder=fake_embedder, chunk_tokens=40, chunk_overlap=0)
    assistant.ingest([docs])
    hits = [hit.path for hit in assistant.search("parking fines 7", k=3).hits]
    vectors = len(VectorIndex.open_files(root / "vectors", _as_format_8(root)))
    per_vector = vector_shards.bytes_per_vector(fake_embedder.dimension, ivf=False)
    monkeypatch.setattr(vector_shards, "SHARD_FLOOR_BYTES", max(1, vectors // 5) * per_vector)

    upgraded = Assistant.open(root, embedder=fake_embedder)
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION == 9 and manifest["migrations"][-1] == "m009_vector_shards"
    with sqlite3.connect(root / "store.sqlite") as db:
        files = json.loads(db.execute("SELECT vector_files FROM generation").fetchone()[0])
    assert len(files) >= 5 and all("-base-" in name for name in files)
    assert upgraded.check().ok
    assert [hit.path for hit in upgraded.search("parking fines 7", k=3).hits] == hits


def test_fit_retrains_one_shard_a_write_and_mixed_states_search_right(tmp_path, small_shards):
    x = clustered(4000, seed=10)
    folder = tmp_path / "vectors"
    names = written_base(x, folder)
    flat_bytes = (folder / names[0]).stat().st_size
    state = VectorIndex.open_files(folder, names)
    assert state.kind == FLAT and state.fit(1000) and state.kind == IVF
    kinds = []
    for generation in range(2, 12):
        state.add(x[generation:generation + 1], np.array([10_000 + generation]))  # one small change a write
        before = set(names)
        names = state.write_files(folder, generation)
        new_shards = [n for n in set(names) - before if "-base-" in n]
        assert len(new_shards) <= 1 and all((folder / n).stat().st_size <= flat_bytes for n in new_shards)
        state = VectorIndex.open_files(folder, names)
        kinds.append(sorted({s.kind for s in [VectorIndex(shard.index) for shard in state._shards]}))
        assert state.kind == IVF and len(state) == 4000 + generation - 1
        for i in (5, 1234, 3999):
            assert state.search(x[i], 1)[1].tolist() == [i] or x[i] @ x[state.search(x[i], 1)[1][0]] > 0.99
        assert not state.fit(1000)  # the training is done; the rest converts one shard a write
    assert kinds[0] == [FLAT, IVF] and kinds[-1] == [IVF]  # mixed while converting, then all one training
    assert kinds.index([IVF]) == 8  # fit()'s write adds an empty shard of the new training; then one converted a write
