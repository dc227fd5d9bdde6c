"""How many files a reading worker takes per `map_batches` call: Ray ingest time per setting.

Usage:
    .venv/bin/python benchmarks/distributed_batch.py [--threads 40] [--sizes 1 4 16]

One local Ray cluster (2 CPUs, 2 workers) ingests the same corpus into a fresh index once per
setting; prints seconds and the load average for each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from distributed import corpus_paths, load, options  # noqa: E402

from assistant.settings import DEFAULT_BACKEND, DEFAULT_MODEL  # noqa: E402
from index.directory import IndexDirectory  # noqa: E402
from index.distributed import RayOptions, distributed_update, prepare_environment  # noqa: E402
from index.embedder import load_embedder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    prepare_environment(local=True)  # before Ray is imported: no telemetry, loopback only
    import ray

    embedder = load_embedder(DEFAULT_MODEL, backend=DEFAULT_BACKEND)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    paths = corpus_paths(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            started = time.perf_counter()
            report = distributed_update(IndexDirectory(Path(tmp) / f"b{size}"), paths, embedder, options(),
                                        RayOptions(workers=2, files_per_batch=size))
            seconds = time.perf_counter() - started
            print(f"files_per_batch={size}: {report.chunks} chunks in {seconds:.1f} s, {load()}", flush=True)
    ray.shutdown()


if __name__ == "__main__":
    main()
