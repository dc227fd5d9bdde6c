"""Vectors as immutable segments: base + deltas + deletion set, written with write_files, reopened with open_files."""

from __future__ import annotations

import numpy as np
import pytest

from index import vector_segments as seg
from index.vectors import FLAT, IVF, VectorIndex

D = 32


def unit(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, D)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact_top(reference: dict[int, np.ndarray], query: np.ndarray, k: int) -> list[int]:
    ids = np.array(sorted(reference))
    scores = np.stack([reference[i] for i in ids]) @ query
    return ids[np.argsort(-scores, kind="stable")[:k]].tolist()


def files_stat(folder) -> dict[str, tuple[int, int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()}


def random_writes(tmp_path, state: VectorIndex, memory: VectorIndex, reference: dict, writes: int, seed: int):
    """Apply the same adds, removes and edits to `state` (written and reopened after each
    write), `memory` (never written) and `reference` (id -> vector); yield after each write."""
    rng = np.random.default_rng(seed)
    folder = tmp_path / "vectors"
    names = state.write_files(folder, 1)
    next_id = max(reference) + 1
    for generation in range(2, writes + 2):
        state = VectorIndex.open_files(folder, names)
        added = unit(10, seed * 1000 + generation)
        new_ids = np.arange(next_id, next_id + 10)
        next_id += 10
        live = sorted(reference)
        removed = rng.choice(live, 5, replace=False).tolist()
        edited = [i for i in rng.choice(live, 4, replace=False).tolist() if i not in removed]
        edit_vectors = unit(len(edited), seed * 2000 + generation)
        for index in (state, memory):
            index.add(added, new_ids)
            assert index.remove(removed + edited) == len(removed) + len(edited)
            index.add(edit_vectors, np.asarray(edited))
        for i, v in zip(new_ids.tolist(), added):
            reference[i] = v
        for i in removed:
            del reference[i]
        for i, v in zip(edited, edit_vectors):
            reference[i] = v
        names = state.write_files(folder, generation)
        yield VectorIndex.open_files(folder, names), names


def test_flat_segments_answer_like_one_in_memory_index_across_round_trips(tmp_path):
    base = unit(500, seed=1)
    state, memory = VectorIndex.create(D), VectorIndex.create(D)
    for index in (state, memory):
        index.add(base, np.arange(500))
    reference = {i: base[i] for i in range(500)}
    queries = unit(20, seed=99)
    for reopened, names in random_writes(tmp_path, state, memory, reference, writes=12, seed=3):
        assert reopened.kind == FLAT and len(reopened) == len(memory) == len(reference)
        assert sorted(reopened.ids().tolist()) == sorted(memory.ids().tolist()) == sorted(reference)
        for q in queries:
            scores, ids = reopened.search(q, 10)
            assert ids.tolist() == memory.search(q, 10)[1].tolist() == exact_top(reference, q, 10)
            assert np.allclose(scores, [reference[i] @ q for i in ids.tolist()], atol=1e-5)
        some = np.asarray(sorted(reference)[::37])
        expected = [reference[i] @ queries[0] for i in some]
        assert np.allclose(reopened.similarities(queries[0], some), expected, atol=1e-5)
        ids, vectors = reopened.vectors()
        assert np.allclose(vectors, np.stack([reference[i] for i in ids.tolist()]), atol=1e-6)
    assert any(name.endswith(seg.DELTA) for name in names) and any(name.endswith(seg.DELETED) for name in names)


@pytest.mark.parametrize("kind", [FLAT, IVF])
def test_deleted_ids_never_come_back(tmp_path, kind):
    x = unit(3000, seed=4)
    state = VectorIndex.create(D)
    state.add(x[:2000], np.arange(2000))
    state.fit(1000 if kind == IVF else 10**6)
    assert state.kind == kind
    folder = tmp_path / "vectors"
    names = state.write_files(folder, 1)
    state = VectorIndex.open_files(folder, names)
    state.add(x[2000:2010], np.arange(2000, 2010))
    names = state.write_files(folder, 2)
    state = VectorIndex.open_files(folder, names)
    gone = [7, 500, 2003]  # two from the base, one from the delta
    assert state.remove(gone + [10**9]) == 3
    assert state.remove(gone) == 0
    names = state.write_files(folder, 3)
    for index in (state, VectorIndex.open_files(folder, names)):
        assert index.kind == kind and len(index) == 2010 - 3
        assert not set(gone) & set(index.ids().tolist())
        for i in gone:
            assert i not in index.search(x[i], 50)[1].tolist()
            with pytest.raises(KeyError):
                index.similarities(x[i], np.array([i]))
        assert index.search(x[2005], 1)[1][0] == 2005
        assert index.search(x[8], 1)[1][0] == 8
        assert index.similarities(x[8], np.array([8]))[0] == pytest.approx(1.0, abs=0.02)


def test_a_re_added_id_is_found_again_with_its_new_vector(tmp_path):
    x = unit(400, seed=5)
    state = VectorIndex.create(D)
    state.add(x[:300], np.arange(300))
    folder = tmp_path / "vectors"
    names = state.write_files(folder, 1)
    state = VectorIndex.open_files(folder, names)
    state.remove([42])
    state.add(x[350:351], np.array([42]))  # an edit: same id, new vector
    names = state.write_files(folder, 2)
    state = VectorIndex.open_files(folder, names)
    assert state.search(x[350], 1)[1].tolist() == [42]
    assert state.similarities(x[350], np.array([42]))[0] == pytest.approx(1.0, abs=1e-5)
    assert 42 not in state.search(x[42], 5)[1].tolist() or state.similarities(x[42], np.array([42]))[0] < 0.9
    assert sorted(state.ids().tolist()) == list(range(300)) and len(state) == 300


def test_a_one_vector_change_writes_only_small_new_files_and_never_touches_old_ones(tmp_path):
    x = unit(20_000, seed=6)
    state = VectorIndex.create(D)
    state.add(x, np.arange(20_000))
    folder = tmp_path / "vectors"
    names = state.write_files(folder, 1)
    base_bytes = (folder / names[0]).stat().st_size
    for generation in range(2, 6):
        before = files_stat(folder)
        state = VectorIndex.open_files(folder, names)
        state.remove([generation])
        state.add(unit(1, seed=generation), np.array([100_000 + generation]))
        names = state.write_files(folder, generation)
        after = files_stat(folder)
        assert {name: after[name] for name in before} == before  # same inode, mtime and size
        new = set(after) - set(before)
        assert new and new <= set(names) and all(f"g{generation:06d}-" in name for name in new)
        assert sum(after[name][2] for name in new) < base_bytes / 100
    assert names[0] == "g000001-base-000.faiss"


def test_a_write_without_changes_writes_nothing(tmp_path):
    state = VectorIndex.create(D)
    state.add(unit(50, seed=7), np.arange(50))
    folder = tmp_path / "vectors"
    names = state.write_files(folder, 1)
    before = files_stat(folder)
    assert VectorIndex.open_files(folder, names).write_files(folder, 2) == names
    assert files_stat(folder) == before


def test_deltas_are_merged_and_then_folded_into_a_new_base(tmp_path, monkeypatch):
    monkeypatch.setattr(seg, "FOLD_FLOOR", 200)  # about 14 writes of 14 added vectors (the base's deletions
    # count towards rewriting its shard, not towards a fold)
    base = unit(1000, seed=8)
    state, memory = VectorIndex.create(D), VectorIndex.create(D)
    for index in (state, memory):
        index.add(base, np.arange(1000))
    reference = {i: base[i] for i in range(1000)}
    history = []
    for reopened, names in random_writes(tmp_path, state, memory, reference, writes=20, seed=9):
        history.append(names)
        assert sum(name.endswith(seg.DELTA) for name in names) <= seg.MAX_DELTAS
        assert sorted(reopened.ids().tolist()) == sorted(reference)
        q = unit(1, seed=len(history))[0]
        assert reopened.search(q, 10)[1].tolist() == exact_top(reference, q, 10)
    deltas = [sum(n.endswith(seg.DELTA) for n in names) for names in history]
    bases = [names[0] for names in history]
    assert deltas[:9] == [1, 2, 3, 4, 5, 6, 7, 8, 1] and bases[8] == "g000001-base-000.faiss"  # merged, base kept
    assert history[8][1] == "g000010-delta.faiss"  # the merged delta, written by that write
    folded = [i for i, name in enumerate(bases) if name != "g000001-base-000.faiss"]
    assert folded and history[folded[0]] == [f"g{folded[0] + 2:06d}-base-000.faiss"]  # no deltas, no deletions


def test_ivf_base_with_deltas_round_trips_and_fit_makes_a_new_base(tmp_path):
    x = unit(4000, seed=10)
    state = VectorIndex.create(D)
    state.add(x[:1500], np.arange(1500))
    folder = tmp_path / "vectors"
    names = state.write_files(folder, 1)
    state = VectorIndex.open_files(folder, names)
    state.add(x[1500:1600], np.arange(1500, 1600))
    state.remove([3, 1550])
    names = state.write_files(folder, 2)
    assert len(names) == 3 and VectorIndex.open_files(folder, names).kind == FLAT
    state = VectorIndex.open_files(folder, names)
    assert state.fit(1000) and state.kind == IVF  # flat -> IVF over base + delta - deletions
    names = state.write_files(folder, 3)
    assert names == ["g000003-base-000.faiss", "g000002-delta.faiss"]  # the one shard retrained; the delta stays
    state = VectorIndex.open_files(folder, names)
    assert state.kind == IVF and len(state) == 1598 and {3, 1550}.isdisjoint(state.ids().tolist())
    state.add(x[1600:1610], np.arange(1600, 1610))
    state.remove([20, 1605])
    names = state.write_files(folder, 4)
    reopened = VectorIndex.open_files(folder, names)
    assert reopened.kind == IVF and len(reopened) == 1606
    assert reopened.search(x[1603], 1)[1].tolist() == [1603]
    assert reopened.search(x[700], 1)[1].tolist() == [700]
    assert 20 not in reopened.search(x[20], 20)[1].tolist() and 1605 not in reopened.search(x[1605], 20)[1].tolist()
    reopened.fold()  # the IVF base takes the delta's vectors and drops the deleted ones
    names = reopened.write_files(folder, 5)
    folded = VectorIndex.open_files(folder, names)
    assert names == ["g000005-base-000.faiss"] and folded.kind == IVF and len(folded) == 1606
    assert sorted(folded.ids().tolist()) == sorted(set(range(1610)) - {3, 1550, 20, 1605})
    assert folded.search(x[1603], 1)[1].tolist() == [1603] and 20 not in folded.search(x[20], 20)[1].tolist()


def test_the_old_single_file_loads_and_migrates_to_segments(tmp_path):
    x = unit(300, seed=11)
    old = VectorIndex.create(D)
    old.add(x, np.arange(300) + 7)
    old.save(tmp_path / "vectors.faiss")
    loaded = VectorIndex.load(tmp_path / "vectors.faiss")
    assert len(loaded) == 300
    names = loaded.write_files(tmp_path / "vectors", 5)
    assert names == ["g000005-base-000.faiss"]
    migrated = VectorIndex.open_files(tmp_path / "vectors", names)
    assert sorted(migrated.ids().tolist()) == list(range(7, 307))
    assert migrated.search(x[10], 1)[1].tolist() == [17]


def test_a_write_refuses_a_generation_that_is_not_newer(tmp_path):
    state = VectorIndex.create(D)
    state.add(unit(10, seed=12), np.arange(10))
    names = state.write_files(tmp_path / "vectors", 3)
    state = VectorIndex.open_files(tmp_path / "vectors", names)
    state.remove([1])
    with pytest.raises(ValueError, match="not newer"):
        state.write_files(tmp_path / "vectors", 3)
    with pytest.raises(ValueError):
        VectorIndex.open_files(tmp_path / "vectors", ["g000003-delta.faiss"])
