"""Speed benchmark: ingest throughput against the bare model, query latency, memory, index size.

One run on one machine measures:

1. End-to-end ingest of a corpus folder into a fresh index in a temporary directory
   (wall seconds, documents, chunks, chunks/s), with the time spent inside the
   embedder and in the chunker's token counting.
2. Bare encode throughput of the same model object on the same chunk texts, read
   back from the index's SQLite store, and the ratio of the two throughputs.
3. Latency of `search` (k=5) and `ask` over the questions in a queries file, after
   one warm-up of each.
4. Peak RSS of the process and the index's size on disk.

Usage::

    python benchmarks/bench_ingest_query.py [--corpus DIR] [--limit N] [--queries FILE]
                                            [--workdir DIR] [--keep] [--json]

The report is a Markdown table on stdout (or one JSON object with `--json`); progress
goes to stderr. Only the targets below are constants; every other number is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from assistant.api import Assistant  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from index.directory import IndexDirectory  # noqa: E402
from index.embedder import Embedder, load_embedder  # noqa: E402
from ingest.discover import discover  # noqa: E402
from ingest_query_report import markdown  # noqa: E402
from machine import cpu_model, peak_rss_mb, percentile_ms, tree_bytes  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "sheffield-wdtk"
DEFAULT_QUERIES = REPO / "benchmarks" / "queries.txt"
SEARCH_K = 5


@dataclass(frozen=True)
class Target:
    """A goal for one measured number: `value >= limit` or `value <= limit`."""

    key: str
    label: str
    op: str
    limit: float

    def met(self, value: float) -> bool:
        return value >= self.limit if self.op == ">=" else value <= self.limit


TARGETS = [
    Target("ingest_to_encode_ratio", "ingest ÷ bare encode throughput", ">=", 0.85),
    Target("search_p50_ms", "search p50 (ms)", "<=", 50.0),
    Target("ask_p50_ms", "ask p50 (ms)", "<=", 250.0),
]


class TimedEmbedder:
    """Delegates to a real embedder and adds up the time spent in it.

    The per-call cost is two `perf_counter` calls, far below the work it wraps,
    so the ingest it sits in is not measurably slower.
    """

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.max_tokens = inner.max_tokens
        self.embed_seconds = 0.0
        self.embed_texts = 0
        self.count_seconds = 0.0
        self.count_calls = 0

    def count_tokens(self, text: str) -> int:
        began = time.perf_counter()
        try:
            return self.inner.count_tokens(text)
        finally:
            self.count_seconds += time.perf_counter() - began
            self.count_calls += 1

    def embed(self, texts, *, batch_size=32, progress=None):
        began = time.perf_counter()
        try:
            return self.inner.embed(texts, batch_size=batch_size, progress=progress)
        finally:
            self.embed_seconds += time.perf_counter() - began
            self.embed_texts += len(texts)

    def reset(self) -> None:
        self.embed_seconds = self.count_seconds = 0.0
        self.embed_texts = self.count_calls = 0


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"corpus folder (default {DEFAULT_CORPUS})")
    parser.add_argument("--limit", type=int, help="ingest only the first N files (sorted) of the corpus")
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, help="one question per line; # comments")
    parser.add_argument("--workdir", type=Path, help="parent folder of the temporary index (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the index afterwards and print its path")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of Markdown")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    return args


def read_queries(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def environment() -> dict:
    import faiss
    import sentence_transformers
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "faiss": getattr(faiss, "__version__", "unknown"),
        "cpu_model": cpu_model(),
        "cpu_cores": os.cpu_count(),
        "cpu_cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "load_average_1m_end": round(os.getloadavg()[0], 2),
    }


def stored_chunk_texts(index_root: Path) -> list[str]:
    """One text per vector: `documents.text[start:end]` of the first chunk owning it."""
    snapshot = IndexDirectory(index_root).open()
    try:
        store = snapshot.store
        chunks_by_vector = store.chunks_for_vectors(store.all_vector_ids())
        owners = [chunks[0] for _, chunks in sorted(chunks_by_vector.items())]
        documents = store.documents(chunk.doc_id for chunk in owners)
        return [documents[c.doc_id].text[c.start : c.end] for c in owners]
    finally:
        snapshot.close()


class StageClock:
    """Progress callback that prints stage changes and remembers when each began."""

    def __init__(self) -> None:
        self.began: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.began:
            self.began[stage] = time.perf_counter()
            log(f"  ingest stage: {stage} ({total})")


def bench_ingest(assistant: Assistant, timed: TimedEmbedder, paths: list[Path]) -> dict:
    clock = StageClock()
    timed.reset()
    began = time.perf_counter()
    report = assistant.ingest(paths, progress=clock)
    wall = time.perf_counter() - began
    if report.skipped:
        log(f"  {len(report.skipped)} path(s) skipped, e.g. {report.skipped[0].path}: {report.skipped[0].reason}")
    stages = sorted(clock.began.items(), key=lambda item: item[1])
    stage_seconds = {
        name: round((stages[i + 1][1] if i + 1 < len(stages) else began + wall) - start, 3)
        for i, (name, start) in enumerate(stages)
    }
    return {
        "files": len(paths),
        "documents": report.documents,
        "chunks": report.chunks,
        "vectors_embedded": report.embedded,
        "skipped": len(report.skipped),
        "seconds": round(wall, 3),
        "chunks_per_s": round(report.chunks / wall, 2),
        "vectors_per_s": round(report.embedded / wall, 2),
        "embed_seconds": round(timed.embed_seconds, 3),
        "count_tokens_seconds": round(timed.count_seconds, 3),
        "count_tokens_calls": timed.count_calls,
        "other_seconds": round(wall - timed.embed_seconds - timed.count_seconds, 3),
        "stage_seconds_approx": stage_seconds,
    }


def bench_encode(embedder: Embedder, texts: list[str], batch_size: int) -> dict:
    """The model alone on the same texts: SentenceTransformer.encode for torch, the
    ONNX Runtime session on plain batches for the ONNX backends."""
    began = time.perf_counter()
    if hasattr(embedder, "_model"):
        vectors = embedder._model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    else:
        ordered = sorted(texts, key=len)  # as SentenceTransformer.encode does, to limit padding
        vectors = [
            row for begin in range(0, len(ordered), batch_size) for row in embedder._encode(ordered[begin : begin + batch_size])
        ]
    seconds = time.perf_counter() - began
    return {
        "texts": len(texts),
        "batch_size": batch_size,
        "seconds": round(seconds, 3),
        "chunks_per_s": round(len(vectors) / seconds, 2),
        "mean_chars": round(sum(map(len, texts)) / max(1, len(texts)), 1),
    }


def bench_queries(assistant: Assistant, queries: list[str]) -> dict:
    # One warm-up of each path: first-call allocations and snapshot opening are not latency.
    assistant.search(queries[0], k=SEARCH_K)
    assistant.ask(queries[0])
    search_s, ask_s, answered = [], [], 0
    for query in queries:
        began = time.perf_counter()
        assistant.search(query, k=SEARCH_K)
        search_s.append(time.perf_counter() - began)
    for query in queries:
        began = time.perf_counter()
        answer = assistant.ask(query)
        ask_s.append(time.perf_counter() - began)
        answered += not answer.abstained
    return {
        "queries": len(queries),
        "search_k": SEARCH_K,
        "search_p50_ms": round(percentile_ms(search_s, 50), 2),
        "search_p95_ms": round(percentile_ms(search_s, 95), 2),
        "search_mean_ms": round(float(np.mean(search_s)) * 1000, 2),
        "ask_p50_ms": round(percentile_ms(ask_s, 50), 2),
        "ask_p95_ms": round(percentile_ms(ask_s, 95), 2),
        "ask_mean_ms": round(float(np.mean(ask_s)) * 1000, 2),
        "ask_answered": answered,
    }


def run(args: argparse.Namespace) -> dict:
    corpus = args.corpus.resolve()
    discovery = discover([corpus])
    files = discovery.files[: args.limit] if args.limit else discovery.files
    if not files:
        raise SystemExit(f"bench: no supported files in {corpus}")
    queries = read_queries(args.queries)
    if not queries:
        raise SystemExit(f"bench: no queries in {args.queries}")
    load_at_start = round(os.getloadavg()[0], 2)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="foi-bench-", dir=args.workdir))
    index_root = workdir / "index"

    settings = load_settings(index_dir=index_root)
    model_name, backend = settings.effective_model, settings.effective_backend
    log(f"loading model {model_name} ({backend})")
    began = time.perf_counter()
    real = load_embedder(model_name, backend=backend)
    model_load_s = time.perf_counter() - began
    timed = TimedEmbedder(real)
    assistant = Assistant.open(index_root, embedder=timed)
    real.embed(["warm-up so that neither measurement pays for first-call setup"])

    log(f"ingesting {len(files)} file(s) from {corpus} into {index_root}")
    ingest = bench_ingest(assistant, timed, files)
    rss_after_ingest = peak_rss_mb()

    texts = stored_chunk_texts(index_root)
    if len(texts) != ingest["vectors_embedded"]:
        log(f"  warning: {len(texts)} stored chunk texts but {ingest['vectors_embedded']} vectors were embedded")
    log(f"bare encode of {len(texts)} chunk texts")
    encode = bench_encode(real, texts, assistant.settings.batch_size)
    # Both sides encode the same distinct texts, so compare vectors per second.
    ratio = ingest["vectors_per_s"] / encode["chunks_per_s"]

    log(f"{len(queries)} queries: search (k={SEARCH_K}) then ask")
    query = bench_queries(assistant, queries)
    stats = assistant.stats()
    assistant.close()

    measured = {
        "ingest_to_encode_ratio": round(ratio, 3),
        "search_p50_ms": query["search_p50_ms"],
        "ask_p50_ms": query["ask_p50_ms"],
    }
    result = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "cwd": os.getcwd(),
        "corpus": str(corpus),
        "limit": args.limit,
        "queries_file": str(args.queries.resolve()),
        "settings": {
            "model": model_name,
            "chunk_tokens": stats.chunk_tokens,
            "chunk_overlap": stats.chunk_overlap,
            "batch_size": assistant.settings.batch_size,
            "answer_passages": assistant.settings.answer_passages,
            # Older builds had dense search only.
            "search_mode": getattr(assistant.settings, "search_mode", "dense"),
        },
        "model_load_seconds": round(model_load_s, 3),
        "ingest": ingest,
        "encode": encode,
        "ingest_to_encode_ratio": measured["ingest_to_encode_ratio"],
        "query": query,
        "peak_rss_mb_after_ingest": round(rss_after_ingest, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "index_bytes": tree_bytes(index_root),
        "targets": [
            {"metric": t.key, "op": t.op, "target": t.limit, "value": measured[t.key], "met": t.met(measured[t.key])}
            for t in TARGETS
        ],
        "environment": {**environment(), "load_average_1m_start": load_at_start},
        "index_dir": str(index_root) if args.keep else None,
    }
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.corpus.is_dir():
        print(
            f"bench: corpus folder {args.corpus} not found; the shared corpus lives beside the repository "
            "at ../shared/corpus (or pass --corpus DIR)",
            file=sys.stderr,
        )
        return 2
    if not args.queries.is_file():
        print(f"bench: queries file {args.queries} not found (pass --queries FILE)", file=sys.stderr)
        return 2
    result = run(args)
    print(json.dumps(result) if args.json else markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
