"""Distributed ingest: local vs a local Ray cluster, the driver's commit rate, and a projection.

Usage:
    .venv/bin/python benchmarks/distributed.py [--threads 40] [--cpus 2] [--commit-chunks 20000]
        [--pairs 1] [--no-commit]

Measures, on this machine:
  1. the same corpus (../shared/corpus/wmp and the first --threads WhatDoTheyKnow threads)
     ingested locally and with `distributed_update` on a Ray cluster started here with
     --cpus CPUs (cluster start-up is reported apart; the model is loaded in both), --pairs
     times, alternating, each Ray run with the span of each of its stages;
  2. the driver's commit rate alone: synthetic worker results (distinct documents, random
     unit vectors) recorded and committed by the same `_Committer` a Ray ingest uses;
then projects 1, 10 and 100 worker nodes like this one from those two measured rates
(--no-commit: part 1 only).
Every number is printed with the load average at the time (`os.getloadavg`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.ingest_options import update_options  # noqa: E402
from assistant.settings import DEFAULT_BACKEND, DEFAULT_MODEL, load_settings  # noqa: E402
from index.directory import IndexDirectory  # noqa: E402
from index.distributed import RayOptions, _Committer, distributed_update, prepare_environment  # noqa: E402
from index.embedder import load_embedder  # noqa: E402
from index.ingest_steps import ChangedFile, IngestReport  # noqa: E402
from index.update import UpdateOptions, new_index_manifest, update_index  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
TARGET_CHUNKS = 40_000_000


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def options() -> UpdateOptions:
    """The options `foi ingest` uses with the default settings, for both pipelines."""
    return update_options(load_settings())


def corpus_paths(threads: int) -> list[Path]:
    return [CORPUS / "wmp", *sorted((CORPUS / "sheffield-wdtk").glob("*.mbox"))[:threads]]


def synthetic_results(documents: int, chunks_per_document: int, dimension: int):
    """(file, payload, vectors) triples shaped like a worker's, all distinct."""
    rng = np.random.default_rng(0)
    for n in range(documents):
        pieces = [f"Request {n} passage {i}: the council holds {rng.integers(1e9)} records. " for i in
                  range(chunks_per_document)]
        text = "".join(pieces)
        chunks, start = [], 0
        for seq, piece in enumerate(pieces):
            chunks.append({"seq": seq, "start": start, "end": start + len(piece), "text": piece,
                           "page_start": None, "page_end": None})
            start += len(piece)
        from index.pipeline import text_hash

        hashes = [text_hash(c["text"]) for c in chunks]
        vectors = rng.standard_normal((len(hashes), dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        payload = {
            "documents": [{"path": "", "part": None, "kind": "txt", "title": f"doc {n}", "text": text,
                           "pages": [], "metadata": {}, "chunks": chunks}],
            "skipped": [], "hashes": hashes,
        }
        item = ChangedFile(Path(f"/synthetic/{n}.txt"), f"/synthetic/{n}.txt", len(text), n, f"{n:064x}")
        yield item, payload, dict(zip(hashes, vectors))


def commit_rate(embedder, total_chunks: int, workdir: Path) -> tuple[float, int]:
    per_document = 20
    results = list(synthetic_results(total_chunks // per_document, per_document, embedder.dimension))
    vectors = {key: vector for _, _, by_hash in results for key, vector in by_hash.items()}
    directory = IndexDirectory(workdir / "commit-only")
    report = IngestReport()
    opts = options()
    started = time.perf_counter()
    with directory.lock(10):
        # The workers' vectors are ready at once: this times the driver alone.
        committer = _Committer(directory, new_index_manifest(embedder, opts), opts, report, None,
                               lambda *a: None, lambda windows: vectors)
        with committer:
            for item, payload, _ in results:
                committer.add(item, payload)
    seconds = time.perf_counter() - started
    return report.chunks / seconds, report.chunks


def local_run(embedder, paths: list[Path], root: Path) -> dict:
    started = time.perf_counter()
    local = update_index(IndexDirectory(root), paths, embedder, options())
    local_s = time.perf_counter() - started
    print(f"local ingest: {local.chunks} chunks in {local_s:.1f} s ({local.embedded / local_s:.1f} chunks/s), "
          f"{load()}", flush=True)
    return {"seconds": round(local_s, 2), "chunks": local.chunks,
            "chunks_per_s": round(local.embedded / local_s, 1), "load": load()}


class StageSpans:
    """A progress callback that records when each stage first and last reported."""

    def __init__(self, started: float):
        self.started = started
        self.spans: dict[str, list[float]] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = time.perf_counter() - self.started
        self.spans.setdefault(stage, [now, now])[1] = now

    def describe(self) -> str:
        return ", ".join(f"{stage} {a:.1f}-{b:.1f} s" for stage, (a, b) in self.spans.items())


def ray_run(ray, embedder, paths: list[Path], root: Path, cpus: int, local_s: float) -> dict:
    started = time.perf_counter()
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    startup = time.perf_counter() - started
    started = time.perf_counter()
    spans = StageSpans(started)
    distributed = distributed_update(IndexDirectory(root), paths, embedder, options(), RayOptions(workers=cpus),
                                     spans)
    ray_s = time.perf_counter() - started
    ray.shutdown()
    print(f"ray ingest ({cpus} workers): {distributed.chunks} chunks in {ray_s:.1f} s "
          f"({distributed.embedded / ray_s:.1f} chunks/s), overhead {ray_s / local_s:.2f}x; "
          f"cluster start {startup:.1f} s, {load()}; stages: {spans.describe()}", flush=True)
    return {"seconds": round(ray_s, 2), "startup_seconds": round(startup, 2), "workers": cpus,
            "chunks": distributed.chunks, "chunks_per_s": round(distributed.embedded / ray_s, 1),
            "overhead_ratio": round(ray_s / local_s, 3), "load": load(),
            "stages": {stage: [round(a, 1), round(b, 1)] for stage, (a, b) in spans.spans.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--commit-chunks", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=1, help="local and Ray runs, alternated")
    parser.add_argument("--no-commit", action="store_true", help="skip the driver's commit rate")
    args = parser.parse_args()
    prepare_environment(local=True)  # before Ray is imported
    import ray

    embedder = load_embedder(DEFAULT_MODEL, backend=DEFAULT_BACKEND)
    paths = corpus_paths(args.threads)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for pair in range(args.pairs):
            rows["local"] = local_run(embedder, paths, tmp / f"local-{pair}")
            rows["ray"] = ray_run(ray, embedder, paths, tmp / f"ray-{pair}", args.cpus, rows["local"]["seconds"])
            rows.setdefault("pairs", []).append({"local": rows["local"], "ray": rows["ray"]})
        if args.no_commit:
            print(json.dumps({"measured": rows}))
            return
        rate, chunks = commit_rate(embedder, args.commit_chunks, tmp)
        rows["commit"] = {"chunks": chunks, "chunks_per_s": round(rate, 1), "load": load()}
        print(f"driver commit alone: {chunks} chunks at {rate:.0f} chunks/s, {load()}", flush=True)

    node_rate = rows["ray"]["chunks_per_s"]
    print(f"\nprojection (from the measured {node_rate:.1f} chunks/s per {args.cpus}-core node "
          f"and {rate:.0f} chunks/s commit; PROJECTED, not measured):")
    print("| worker nodes | cluster chunks/s | bottleneck | 40M chunks |")
    print("|---|---|---|---|")
    projection = []
    for nodes in (1, 10, 100):
        cluster = min(nodes * node_rate, rate)
        bottleneck = "driver commit" if nodes * node_rate >= rate else "embedding workers"
        hours = TARGET_CHUNKS / cluster / 3600
        projection.append({"nodes": nodes, "chunks_per_s": round(cluster, 1), "bottleneck": bottleneck,
                           "hours_for_40M": round(hours, 1)})
        print(f"| {nodes} | {cluster:,.0f} | {bottleneck} | {hours:,.1f} h |")
    print(f"driver becomes the bottleneck at about {rate / node_rate:.0f} nodes")
    print(json.dumps({"measured": rows, "projected": projection}))


if __name__ == "__main__":
    main()
