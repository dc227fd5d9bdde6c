"""Embedding backends side by side: load time, chunks/s, ms per query, and int8 fidelity.

Chunks real documents of a corpus folder with the default chunking (200 tokens,
32 overlap), takes the first `--limit` chunk texts (files in a fixed shuffled
order), and for each backend (torch, onnx, onnx-int8) measures model load
(including the one-time ONNX export when it is not cached yet, so run twice),
bare encode throughput at batch size 32, single-query latency over
benchmarks/queries.txt, and the cosine similarity of each backend's vectors to
the PyTorch fp32 ones.

Usage::

    python benchmarks/backends.py [--corpus DIR] [--limit 500] [--backends torch,onnx,onnx-int8]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from index.embedder import load_embedder  # noqa: E402
from ingest.chunking import Chunker  # noqa: E402
from ingest.discover import discover  # noqa: E402
from ingest.errors import SkippedFile  # noqa: E402
from ingest.readers import read_file  # noqa: E402

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def chunk_texts(corpus: Path, limit: int, count_tokens, max_tokens: int) -> list[str]:
    files = discover([corpus]).files
    random.Random(0).shuffle(files)
    chunker = Chunker(count_tokens, chunk_tokens=200, chunk_overlap=32, max_tokens=max_tokens)
    texts: list[str] = []
    for path in files:
        try:
            documents = read_file(path, max_bytes=100_000_000).documents
        except SkippedFile:
            continue
        for document in documents:
            texts.extend(c.text for c in chunker.chunk(document))
        if len(texts) >= limit:
            break
    return texts[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--queries", type=Path, default=REPO / "benchmarks" / "queries.txt")
    args = parser.parse_args()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    started = time.perf_counter()
    reference = load_embedder(MODEL, "torch")
    torch_load = time.perf_counter() - started
    texts = chunk_texts(args.corpus, args.limit, reference.count_tokens, reference.max_tokens)
    tokens = np.mean([reference.count_tokens(t) for t in texts])
    queries = [line.strip() for line in args.queries.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"# {len(texts)} real chunk texts from {args.corpus} (mean {tokens:.0f} tokens), {len(queries)} queries")
    print(f"# machine: {os.cpu_count()} CPUs, {cpu}; load average {os.getloadavg()[0]:.1f} at start")
    print("| backend | load s | chunks/s (batch 32) | ms/query p50 | ms/query p95 | cosine to torch fp32: mean | min |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    fp32 = reference.embed(texts)
    for backend in args.backends.split(","):
        started = time.perf_counter()
        embedder = reference if backend == "torch" else load_embedder(MODEL, backend)
        load = torch_load if backend == "torch" else time.perf_counter() - started
        embedder.embed(texts[:32])  # warm-up
        started = time.perf_counter()
        vectors = embedder.embed(texts, batch_size=32)
        rate = len(texts) / (time.perf_counter() - started)
        for query in queries[:3]:
            embedder.embed([query])
        latencies = []
        for query in queries:
            began = time.perf_counter()
            embedder.embed([query])
            latencies.append((time.perf_counter() - began) * 1000)
        cosine = (vectors * fp32).sum(axis=1)
        print(
            f"| {backend} | {load:.1f} | {rate:.1f} | {np.percentile(latencies, 50):.1f} | "
            f"{np.percentile(latencies, 95):.1f} | {cosine.mean():.4f} | {cosine.min():.4f} |",
            flush=True,
        )
    print(f"# load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
