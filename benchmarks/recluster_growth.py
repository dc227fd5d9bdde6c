"""What `fit()`'s trainings cost and keep: the switch to IVF, and re-clustering after 4x growth.

Two experiments on the synthetic vectors of `benchmarks/synthetic_index.py` (the vectors only, no
store), each run twice from the same written state — as `fit()` trains (`vector_recluster`: k-means
for a quarter of the lists, then splits; at growth, each list split in two) and with k-means afresh
for the same number of lists (what `fit()` did before):

- *switch*: a flat collection of `--switch` vectors, written in shards; one more vector, then
  `fit(--switch)` makes it IVF;
- *growth*: an IVF collection of `--start` vectors (trained for them), written; vectors added in
  writes of 50,000 until it holds 4x as many, then one write's `fit()` re-clusters.

For each: the seconds of the write that trains (`fit` + `write_files`), the most seconds of one
of the writes that then convert the other shards (one a write), and recall@10 of the converted
collection against exact search. Recall of the afresh run is the like-for-like reference: same list
count, same collection.

Usage: python benchmarks/recluster_growth.py [--switch 200000] [--start 250000] [--queries 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import faiss  # noqa: E402
import numpy as np  # noqa: E402
from synthetic_index import queries_for, synthetic  # noqa: E402

from index.vector_ivf import ivf_lists  # noqa: E402
from index.vectors import VectorIndex  # noqa: E402


def recall_at_10(state: VectorIndex, x: np.ndarray, queries: np.ndarray) -> float:
    exact = faiss.IndexFlatIP(x.shape[1])
    exact.add(x)
    truth = exact.search(queries, 10)[1]
    found = [state.search(q, 50)[1][:10] for q in queries]
    return float(np.mean([len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth)]))


def train_and_convert(folder: Path, names: list[str], generation: int, train) -> dict:
    """Open the state, `train(state)` and write, then write until every shard shares its training."""
    state = VectorIndex.open_files(folder, names)
    began = time.perf_counter()
    train(state)
    names = state.write_files(folder, generation)
    trained_s = time.perf_counter() - began
    converting = []
    state = VectorIndex.open_files(folder, names)
    while len({shard.training() for shard in state._shards}) > 1:
        generation += 1
        began = time.perf_counter()
        names = state.write_files(folder, generation)
        converting.append(time.perf_counter() - began)
        state = VectorIndex.open_files(folder, names)
    return {"state": state, "train_write_s": trained_s, "converting_writes": len(converting),
            "converting_s_max": max(converting, default=0.0), "lists": state._ivf.nlist}


def compare(label: str, x: np.ndarray, folder: Path, names: list[str], generation: int,
            fitted, afresh, queries: np.ndarray) -> None:
    for how, train in (("as fit() trains", fitted), ("k-means afresh", afresh)):
        copy = Path(tempfile.mkdtemp(prefix="foi-recluster-")) / "vectors"
        shutil.copytree(folder, copy)
        out = train_and_convert(copy, names, generation, train)
        recall = recall_at_10(out["state"], x, queries)
        print(f"| {label} | {how} | {len(x):,} | {out['lists']:,} | {out['train_write_s']:.2f} | "
              f"{out['converting_writes']} | {out['converting_s_max']:.2f} | {recall:.3f} | "
              f"{os.getloadavg()[0]:.1f} |", flush=True)
        shutil.rmtree(copy.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switch", type=int, default=200_000, help="ann_threshold of the switch experiment")
    parser.add_argument("--start", type=int, default=250_000, help="vectors the growth experiment's IVF is trained for")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="foi-recluster-"))
    print("| experiment | training | vectors | lists | training write s | converting writes | "
          "converting write s (max) | recall@10 | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    try:
        x = synthetic(args.switch + 1, seed=1)
        queries = queries_for(x, args.queries)
        state = VectorIndex.create(x.shape[1])
        state.add(x[:-1], np.arange(len(x) - 1))
        names = state.write_files(work / "switch", 1)

        def fitted(state: VectorIndex) -> None:
            state.add(x[-1:], np.array([len(x) - 1]))
            assert state.fit(args.switch)

        def afresh(state: VectorIndex) -> None:
            state.add(x[-1:], np.array([len(x) - 1]))
            state._retrain(ivf=True, sq=None, nlist=ivf_lists(len(state)))

        compare("switch", x, work / "switch", names, 2, fitted, afresh, queries)

        end = 4 * (ivf_lists(args.start) // 4) ** 2  # 4x what the start's lists were trained for
        x = synthetic(end, seed=2)
        queries = queries_for(x, args.queries)
        state = VectorIndex.create(x.shape[1])
        state.add(x[:args.start], np.arange(args.start))
        state.fit(args.start // 2)  # not written yet: built whole, trained for `start`
        folder, generation = work / "growth", 1
        names = state.write_files(folder, generation)
        for begin in range(args.start, end - 1, 50_000):
            state = VectorIndex.open_files(folder, names)
            stop = min(begin + 50_000, end - 1)
            state.add(x[begin:stop], np.arange(begin, stop))
            generation += 1
            names = state.write_files(folder, generation)

        def grown(state: VectorIndex) -> None:
            state.add(x[-1:], np.array([end - 1]))
            assert state.fit(args.start // 2)

        def grown_afresh(state: VectorIndex) -> None:
            state.add(x[-1:], np.array([end - 1]))
            state._retrain(ivf=True, sq=faiss.vector_to_array(state._ivf.sq.trained), nlist=2 * state._ivf.nlist)

        compare("growth", x, folder, names, generation + 1, grown, grown_afresh, queries)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
