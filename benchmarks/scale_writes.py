"""One-document writes to the vectors of a large synthetic index: time, bytes written, peak extra disk, search after.

Builds the synthetic ivf-sq8 index of `benchmarks/synthetic_index.py` (SQLite store with FTS5, FAISS
base segment, manifest) in `--workdir` — or reuses the one already there, e.g. the index that
`benchmarks/store_commit.py --keep DIR` built (then pass `--workdir DIR`) — then makes N one-document
writes in a cycle — edit (remove 10 vectors, add the same ids with new vectors),
remove (10 vectors), add (the 10 removed ids back, new vectors) — each one `VectorIndex.open_files` +
the change + `write_files(folder, generation)`, deleting after it the files that neither the new nor
the previous state names (what the commit's garbage collection does; a reused index's committed
generation then names files that are gone, so it is a scratch index afterwards). A document is 10 consecutive
vector ids (about 2.5 synthetic documents, the size of one real one). The store is not changed:
these writes touch the vectors only, and the cycle leaves every id the store names present again
after each edit, which is where the search checkpoints fall.

Search is measured as benchmarks/scale.py does (`search_vectors`, k=10, at most 2 hits per
document, boilerplate on, dense and hybrid, one query at a time, embedding excluded) on the snapshot
with its vectors replaced by the segmented state, after 0 (the state as committed), 1, 10 and 100
writes and after a fold; recall@10 is the vector index's against exact search over the current
vectors. Three writes whose cost follows the shard size, not the change, are timed apart after
the 100: a *shard rewrite* (one write removing just over `fold_limit` of one full shard's ids as
whole documents — 1,010 at 100k, 6,260 at 1M — so that shard is written again without them; the
next write adds them back,
as the store still names them), the *fold* (`VectorIndex.fold`
+ `write_files`: the deltas into the tail shard), and a *re-cluster* (what `fit()` does after 4x
growth: a training with twice the lists, carried by an empty shard that write adds) followed by
the one-document edits that convert the shards to it, one each. `--recluster split` (the default,
what `fit()` does) splits each list in two from a sample (`index/vector_recluster.py`);
`--recluster afresh` trains k-means for as many lists on a sample, as `fit()` did before, to compare
cost and recall@10. At `--size N` both make the lists a collection of 4N would have.
Peak extra disk is the vectors folder's growth during that write (the files it adds beside those
the current and previous states name).

A write here is the vectors' part of a commit only. `VectorWrites` is the one thing that knows how
a write is made; a writer with the same `write(op, ids, vectors)` method going through
`IndexDirectory` (store and vectors in one commit) can be measured by the same loop.

Usage: python benchmarks/scale_writes.py [--size 100000] [--writes 100] [--queries 200] [--workdir DIR]
       [--recluster split|afresh] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import faiss  # noqa: E402
import numpy as np  # noqa: E402
from synthetic_index import DIMENSION, FETCH, IVF, build_index, queries_for, query_texts, synthetic  # noqa: E402

from index import vector_segments as seg  # noqa: E402
from index.directory import STORE_NAME, IndexDirectory  # noqa: E402
from index.search import Boilerplate, search_vectors  # noqa: E402
from index.vectors import VectorIndex  # noqa: E402

DOCUMENT = 10
CHECKPOINTS = (1, 10, 100)
OPS = ("edit", "remove", "add")


@dataclasses.dataclass
class WriteCost:
    op: str
    open_s: float
    write_s: float
    bytes_written: int
    peak_extra_bytes: int
    files: int


class VectorWrites:
    """Writes to the segmented vectors of one index: open the state, change it, write the new files."""

    def __init__(self, folder: Path, names: list[str], generation: int):
        self.folder, self.names, self.previous, self.generation = folder, names, names, generation

    def write(self, op: str, ids: np.ndarray, vectors: np.ndarray | None) -> WriteCost:
        before = folder_bytes(self.folder)
        began = time.perf_counter()
        state = VectorIndex.open_files(self.folder, self.names)
        opened = time.perf_counter() - began
        began = time.perf_counter()
        if op in ("edit", "remove"):
            assert state.remove(ids.tolist()) == len(ids)
        if op in ("edit", "add"):
            state.add(vectors, ids)
        self.generation += 1
        old = set(self.names)
        names = state.write_files(self.folder, self.generation)
        written = time.perf_counter() - began
        new = [name for name in names if name not in old]
        cost = WriteCost(op, opened, written, sum((self.folder / n).stat().st_size for n in new),
                         folder_bytes(self.folder) - before, len(new))
        self.previous, self.names = self.names, names
        keep = set(self.names) | set(self.previous)
        for path in self.folder.iterdir():
            if path.name not in keep:
                path.unlink()
        return cost

    def fold(self, op: str = "fold") -> WriteCost:
        """`fold`: the deltas into the tail shard; `recluster` / `afresh`: what `fit()` does after 4x
        growth, lists split from a sample or trained afresh."""
        before = folder_bytes(self.folder)
        began = time.perf_counter()
        state = VectorIndex.open_files(self.folder, self.names)
        opened = time.perf_counter() - began
        began = time.perf_counter()
        if op == "fold":
            state.fold()
        else:  # what fit() does after 4x growth: twice the lists, in an empty shard added now
            sq = faiss.vector_to_array(state._ivf.sq.trained)
            if op == "recluster":  # each list split in two from a sample (index/vector_recluster.py)
                state._retrain(ivf=True, sq=sq, split=True)
            else:  # "afresh": k-means for as many lists on a sample, what fit() did before
                state._retrain(ivf=True, sq=sq, nlist=2 * state._ivf.nlist)
        self.generation += 1
        names = state.write_files(self.folder, self.generation)
        cost = WriteCost(op, opened, time.perf_counter() - began,
                         sum((self.folder / n).stat().st_size for n in names if n not in self.names),
                         folder_bytes(self.folder) - before, len(names))
        self.previous, self.names = self.names, names
        keep = set(self.names) | set(self.previous)
        for path in self.folder.iterdir():
            if path.name not in keep:
                path.unlink()
        return cost


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def perturbed(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    x = vectors + 0.05 * rng.standard_normal(vectors.shape).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def measure_search(snapshot, state: VectorIndex, folder: Path, queries, texts, current, live) -> dict:
    """Dense and hybrid latency p50/p95 (ms) and recall@10 against exact search over the live vectors,
    of the segmented `state` and, paired query by query in alternating order (so that a shared
    machine's load falls on both alike), of the same collection folded into one in-memory base
    (`single_`: what today's one-file index would hold)."""
    single = state.merged()
    views = {"": dataclasses.replace(snapshot, vectors=state), "single_": dataclasses.replace(snapshot, vectors=single)}
    out = {}
    for mode in ("dense", "hybrid"):
        latencies = {name: [] for name in views}
        for i, query in enumerate([*queries[:3], *queries]):
            order = list(views.items()) if i % 2 else list(views.items())[::-1]
            for name, view in order:
                began = time.perf_counter()
                search_vectors(view, query, k=10, max_per_document=2, query_text=texts[i % len(texts)], mode=mode,
                               boilerplate=Boilerplate())
                if i >= 3:  # the first three are warm-up
                    latencies[name].append((time.perf_counter() - began) * 1000)
        for name, values in latencies.items():
            out[f"{name}{mode}_p50_ms"] = round(float(np.percentile(values, 50)), 2)
            out[f"{name}{mode}_p95_ms"] = round(float(np.percentile(values, 95)), 2)
    live_ids = np.flatnonzero(live)
    exact = faiss.IndexFlatIP(DIMENSION)
    exact.add(current[live_ids])
    _, truth = exact.search(queries, 10)
    truth = live_ids[truth]
    for name, index in (("", state), ("single_", single)):
        found = [index.search(q, FETCH)[1][:10] for q in queries]
        out[f"{name}recall_at_10"] = round(float(np.mean([len(set(f.tolist()) & set(t.tolist())) / 10
                                                          for f, t in zip(found, truth)])), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="synthetic chunks")
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--recluster", choices=("split", "afresh"), default="split",
                        help="how the re-cluster step trains twice the lists (split: what fit() does)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="foi-scale-writes-"))
    workdir.mkdir(parents=True, exist_ok=True)
    root = workdir / "index"
    began = time.perf_counter()
    if (root / STORE_NAME).is_file():  # a synthetic index of this size built before (e.g. store_commit.py --keep)
        log(f"reusing the index at {root}")
    else:
        build_index(root, args.size, kind=IVF, log=log)
        log(f"built {args.size:,} chunks in {time.perf_counter() - began:.0f} s (load {os.getloadavg()[0]:.1f})")
    directory = IndexDirectory(root)
    snapshot = directory.open()
    generation = snapshot.manifest.generation
    folder = root / "vectors"
    names = list(directory.committed().vector_files)  # the builder writes the vectors as one base segment
    index_bytes = directory.size_bytes()
    writes = VectorWrites(folder, names, generation)
    current = synthetic(args.size, seed=1)
    live = np.ones(args.size, dtype=bool)
    queries = queries_for(current, args.queries)
    texts = query_texts()
    rng = np.random.default_rng(21)
    rows, costs, removed = [], [], None

    def checkpoint(label: str, done: int, since: list[WriteCost]) -> None:
        state = VectorIndex.open_files(folder, writes.names)
        row = {"after": label, "writes": done, "files": len(writes.names), "shards": len(state.shard_sizes()),
               "deltas": sum(n.endswith("delta.faiss") for n in writes.names),
               "deleted": sum(len(s.deleted) for s in state._shards) + sum(len(d.deleted) for d in state._deltas)}
        if since:
            row.update({
                "write_s_max": round(max(c.open_s + c.write_s for c in since), 3),
                "of_which_open_s_max": round(max(c.open_s for c in since), 3),
                "written_mb_max": round(max(c.bytes_written for c in since) / 1e6, 3),
                "peak_extra_mb_max": round(max(c.peak_extra_bytes for c in since) / 1e6, 3),
                "peak_extra_pct_of_index": round(100 * max(c.peak_extra_bytes for c in since) / index_bytes, 2),
            })
        row.update(measure_search(snapshot, state, folder, queries, texts, current, live))
        row["load"] = round(os.getloadavg()[0], 1)
        rows.append(row)
        log(json.dumps(row))

    checkpoint("start", 0, [])
    since = []
    for n in range(1, args.writes + 1):
        op = OPS[(n - 1) % len(OPS)]
        if op == "add":
            ids = removed
        else:
            start = int(rng.integers(0, args.size // DOCUMENT)) * DOCUMENT
            ids = np.arange(start, start + DOCUMENT, dtype=np.int64)
            if not live[ids].all():
                ids = np.flatnonzero(live)[:DOCUMENT]
        vectors = perturbed(current[ids], rng) if op != "remove" else None
        cost = writes.write(op, ids, vectors)
        if op == "remove":
            live[ids], removed = False, ids
        else:
            live[ids], current[ids] = True, vectors
        costs.append(cost)
        since.append(cost)
        if n in CHECKPOINTS or n == args.writes:
            checkpoint(f"{n} writes", n, since)
            since = []
    state = VectorIndex.open_files(folder, writes.names)
    shard = max(state._shards, key=lambda s: s.live())  # a full shard: the most its rewrite can cost
    ids = shard.live_ids()[:(seg.fold_limit(shard.live()) // DOCUMENT + 1) * DOCUMENT]  # just past its limit
    rewrite = writes.write("remove", ids, None)
    vectors = perturbed(current[ids], rng)  # back as one more write, since the store still names them
    readd = writes.write("add", ids, vectors)
    current[ids] = vectors
    checkpoint("shard rewrite", args.writes + 2, [rewrite])
    fold = writes.fold()
    checkpoint("fold", args.writes + 3, [fold])
    recluster = writes.fold("recluster" if args.recluster == "split" else "afresh")
    checkpoint("re-cluster", args.writes + 4, [recluster])
    converting = []  # the writes after it convert the other shards, one each
    while len({s.training() for s in VectorIndex.open_files(folder, writes.names)._shards}) > 1:
        start = int(rng.integers(0, args.size // DOCUMENT)) * DOCUMENT
        ids = np.arange(start, start + DOCUMENT, dtype=np.int64)
        vectors = perturbed(current[ids], rng)
        converting.append(writes.write("edit", ids, vectors))
        current[ids] = vectors
    checkpoint(f"{len(converting)} converting writes", args.writes + 4 + len(converting), converting)
    summary = {op: {"count": len([c for c in costs if c.op == op]),
                    "s_p50": round(float(np.median([c.open_s + c.write_s for c in costs if c.op == op])), 3),
                    "write_s_p50": round(float(np.median([c.write_s for c in costs if c.op == op])), 3),
                    "mb_p50": round(float(np.median([c.bytes_written for c in costs if c.op == op])) / 1e6, 3),
                    "mb_max": round(max(c.bytes_written for c in costs if c.op == op) / 1e6, 3)}
               for op in OPS}
    meta = {"size": args.size, "index_mb": round(index_bytes / 1e6, 1),
            "fold_s": round(fold.write_s, 2),
            "fold_open_s": round(fold.open_s, 2), "fold_mb": round(fold.bytes_written / 1e6, 1),
            "rewrite_s": round(rewrite.write_s, 2), "rewrite_mb": round(rewrite.bytes_written / 1e6, 1),
            "readd_s": round(readd.write_s, 2), "readd_mb": round(readd.bytes_written / 1e6, 1),
            "recluster": args.recluster, "recluster_s": round(recluster.write_s, 2), "recluster_mb": round(recluster.bytes_written / 1e6, 1),
            "ops": summary, "load": os.getloadavg()}
    if args.json:
        print(json.dumps({"rows": rows, **meta}))
    else:
        print(f"SYNTHETIC ivf-sq8 index of {args.size:,} chunks, {meta['index_mb']:,} MB; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
        keys = list(rows[-1])
        print("| " + " | ".join(keys) + " |")
        print("|" + "---|" * len(keys))
        for row in rows:
            print("| " + " | ".join(str(row.get(key, "")) for key in keys) + " |")
        print(f"\nper write (open_files + change + write_files): {json.dumps(summary)}")
        print(f"fold: {meta['fold_s']} s after opening in {meta['fold_open_s']} s; wrote {meta['fold_mb']} MB; "
              f"shard rewrite: {meta['rewrite_s']} s, {meta['rewrite_mb']} MB; "
              f"re-cluster: {meta['recluster_s']} s, {meta['recluster_mb']} MB")
    snapshot.close()
    if args.workdir is None:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
