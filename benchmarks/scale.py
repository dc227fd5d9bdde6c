"""Scale benchmark of the vector index: exact (flat) against approximate (IVF + 8-bit SQ).

The vectors are SYNTHETIC, not embeddings of real text: unit vectors in 384
dimensions drawn from a mixture of 1,000 clusters in a 64-dimensional subspace,
plus isotropic noise, so that they have the low intrinsic dimension and
clustering of sentence embeddings. Queries are perturbed copies of random stored
vectors. Per size and index kind it prints: build time (adds in batches of
10,000, then `VectorIndex.fit`), size on disk, open time and resident memory
of a fresh process after opening, single-query search p50/p95 (fetching 50
candidates, as hybrid search does), and recall@10 against exact search.

Only dense search is measured: hybrid adds the SQLite FTS5 query, which this
benchmark does not build for synthetic data.

Usage::

    python benchmarks/scale.py [--sizes 10000,100000,1000000] [--queries 200] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from index.vectors import FLAT, IVF, VectorIndex  # noqa: E402

DIMENSION = 384
FETCH = 50
BATCH = 10_000


def synthetic(n: int, seed: int, *, clusters: int = 1000, latent: int = 64) -> np.ndarray:
    """`n` clustered unit vectors (see the module docstring); the same seed gives the same space."""
    space = np.random.default_rng(12345)
    basis = space.standard_normal((latent, DIMENSION)).astype(np.float32) / np.sqrt(latent)
    centres = space.standard_normal((clusters, latent)).astype(np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIMENSION), dtype=np.float32)
    for begin in range(0, n, 100_000):
        m = min(100_000, n - begin)
        z = centres[rng.integers(0, clusters, m)] + 0.5 * rng.standard_normal((m, latent)).astype(np.float32)
        x = z @ basis + 0.05 * rng.standard_normal((m, DIMENSION)).astype(np.float32)
        out[begin : begin + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def queries_for(vectors: np.ndarray, count: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    q = vectors[rng.choice(len(vectors), count, replace=False)] + 0.03 * rng.standard_normal(
        (count, DIMENSION)
    ).astype(np.float32)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


OPEN_SCRIPT = """
import json, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from index.vectors import VectorIndex
before = rss()
started = time.perf_counter()
index = VectorIndex.load(Path({path!r}))
opened = time.perf_counter() - started
print(json.dumps({{"open_s": opened, "rss_mb": rss(), "rss_index_mb": rss() - before, "n": len(index)}}))
"""


def measure(kind: str, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, workdir: Path) -> dict:
    started = time.perf_counter()
    index = VectorIndex.create(DIMENSION)
    ids = np.arange(len(vectors), dtype=np.int64)
    for begin in range(0, len(vectors), BATCH):
        index.add(vectors[begin : begin + BATCH], ids[begin : begin + BATCH])
    index.fit(0 if kind == IVF else len(vectors) + 1)
    build = time.perf_counter() - started
    assert index.kind == kind
    path = workdir / f"{kind}-{len(vectors)}.faiss"
    index.save(path)
    latencies, found = [], []
    for query in queries[:3]:
        index.search(query, FETCH)
    for query in queries:
        began = time.perf_counter()
        _, hits = index.search(query, FETCH)
        latencies.append((time.perf_counter() - began) * 1000)
        found.append(hits[:10])
    recall = float(np.mean([len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth)]))
    opened = json.loads(
        subprocess.run(
            [sys.executable, "-c", OPEN_SCRIPT.format(repo=str(REPO), path=str(path))],
            check=True, capture_output=True, text=True,
        ).stdout
    )
    size_mb = path.stat().st_size / 1e6
    path.unlink()
    return {
        "n": len(vectors),
        "kind": kind,
        "build_s": round(build, 1),
        "disk_mb": round(size_mb, 1),
        "open_s": round(opened["open_s"], 3),
        "rss_mb": round(opened["rss_mb"]),
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p95_ms": round(float(np.percentile(latencies, 95)), 2),
        "recall_at_10": round(recall, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="Comma-separated collection sizes.")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--kinds", default=f"{FLAT},{IVF}")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", action="store_true", help="One JSON object per row instead of Markdown.")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="foi-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"# SYNTHETIC vectors (clustered, {DIMENSION}-d), not real embeddings; dense search only", file=sys.stderr)
    print(f"# machine: {os.cpu_count()} CPUs, {cpu}; faiss {faiss.__version__}; load average "
          f"{os.getloadavg()[0]:.1f}", file=sys.stderr)
    if not args.json:
        print("| vectors | index | build s | disk MB | open s | RSS after open MB | p50 ms | p95 ms | recall@10 |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in [int(s) for s in args.sizes.split(",")]:
        vectors = synthetic(size, seed=1)
        queries = queries_for(vectors, args.queries)
        exact = faiss.IndexFlatIP(DIMENSION)
        exact.add(vectors)
        _, truth = exact.search(queries, 10)
        del exact
        for kind in args.kinds.split(","):
            row = measure(kind, vectors, queries, truth, workdir)
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                print("| " + " | ".join(f"{row[k]:,}" if isinstance(row[k], int) else str(row[k]) for k in row) + " |",
                      flush=True)


if __name__ == "__main__":
    main()
