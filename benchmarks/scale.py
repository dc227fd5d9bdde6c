"""Scale benchmark: synthetic indexes of 10,000 to 1,000,000 chunks, searched dense-only and hybrid.

Each is a whole index generation (SQLite store with FTS5 passages, FAISS vectors,
manifest) that `IndexDirectory.open()` opens like any other.

Everything is SYNTHETIC, built for cost, not for relevance:

* Vectors: unit vectors in 384 dimensions drawn from a mixture of 1,000 clusters
  in a 64-dimensional subspace, plus isotropic noise, so that they have the low
  intrinsic dimension and clustering of sentence embeddings. Query vectors are
  perturbed copies of random stored vectors. They are unrelated to the texts.
* Texts: 120-180 words per passage, 2-6 passages per document (4 on average).
  Words are sampled with their real frequencies from the shared corpus
  (`../shared/corpus`: the Sheffield WhatDoTheyKnow mailboxes and the WMP
  texts, read by the project's own readers): half from one real document
  chosen per synthetic document (so words cluster by topic, as in real
  passages), 47% from the corpus-wide word counts, 3% numbers from a Zipf tail
  (reference numbers, amounts), which keeps the vocabulary growing with size.
  Query texts are the 50 real questions of `benchmarks/queries.txt`.
* Boilerplate: sentence keys are synthetic (6 per passage, some drawn from a
  pool of recurring sentences); the SQL that `Store.refresh_boilerplate`
  runs then derives the boilerplate table from them.

The store is written with bulk `executemany` in one transaction, through the
same schema as `index.store.Store`; the vectors through `VectorIndex` (add in
batches, then `fit`). Per size and vector-index kind it prints: build time,
size on disk, open time and resident memory of a fresh process that opens the
snapshot with `IndexDirectory.open()` and runs one hybrid query, p50/p95 of
`index.search.search_vectors` (k=10, at most 2 per document, boilerplate
demotion and collapsing on) in `dense` and in `hybrid` mode, one query at a
time, and recall@10 of the vector index against exact search.

Usage::

    python benchmarks/scale.py [--sizes 10000,100000,1000000] [--kinds auto|flat,ivf-sq8]
                               [--queries 200] [--workdir DIR] [--keep] [--json]
    python benchmarks/scale.py --sizes 1000000 --index DIR   # measure a synthetic index built before

`--index` measures an index that `synthetic_index.build_index` built with that many chunks (e.g. by
`benchmarks/store_commit.py --keep`, after its writes) instead of building one; build columns are empty.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import faiss
import numpy as np

from synthetic_index import (
    ANN_THRESHOLD, CORPUS, DIMENSION, FETCH, FLAT, IVF, QUERIES, STORE_NAME, WordModel, build_generation, build_store,
    REPO, queries_for, query_texts, synthetic,
)


# Measuring, in a fresh process ------------------------------------------------
SEARCH_SCRIPT = """
import json, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
import numpy as np
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from index.directory import IndexDirectory
from index.search import Boilerplate, search_vectors
work = Path({work!r})
queries = np.load(work / "queries.npy")
truth = np.load(work / "truth.npy")
texts = json.loads((work / "texts.json").read_text())
before = rss()
started = time.perf_counter()
snapshot = IndexDirectory(Path({root!r})).open()
opened = time.perf_counter() - started
rss_open = rss()
def run(i, mode):
    return search_vectors(snapshot, queries[i], k=10, max_per_document=2, query_text=texts[i % len(texts)],
                          mode=mode, boilerplate=Boilerplate())
first = time.perf_counter()
run(0, "hybrid")
first = time.perf_counter() - first
rss_query = rss()
out = {{"open_s": opened, "rss_open_mb": rss_open, "rss_mb": rss_query, "first_query_ms": first * 1000}}
for mode in ("dense", "hybrid"):
    for i in range(3):
        run(i, mode)
    latencies = []
    for i in range(len(queries)):
        began = time.perf_counter()
        run(i, mode)
        latencies.append((time.perf_counter() - began) * 1000)
    out[mode] = latencies
from assistant.terms import question_terms
store = snapshot.store
store._db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.passage_terms USING fts5vocab(main, 'passages', 'row')")
def vocabulary_sums(prefixes):  # what term_document_counts did before term_counts (format 4)
    return {{p: store._db.execute("SELECT COALESCE(SUM(doc), 0) FROM temp.passage_terms WHERE term >= ? AND term < ?",
                                 (p, p + "\\uffff")).fetchone()[0] for p in prefixes}}
for name, count in (("terms_vocab", vocabulary_sums), ("terms", lambda p: store.term_document_counts(p)[1])):
    latencies = []
    for text in texts:
        prefixes = question_terms(text)
        began = time.perf_counter()
        got = count(prefixes)
        latencies.append((time.perf_counter() - began) * 1000)
        assert got == vocabulary_sums(prefixes), text
    out[name] = latencies
found = [snapshot.vectors.search(q, {fetch})[1][:10] for q in queries]
out["recall_at_10"] = float(np.mean([len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth)]))
out["rss_end_mb"] = rss()
print(json.dumps(out))
"""


def measure(root: Path, work: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SEARCH_SCRIPT.format(repo=str(REPO), work=str(work), root=str(root), fetch=FETCH)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(done.stdout)


def prepare_queries(work: Path, vectors: np.ndarray, count: int, texts: list[str]) -> None:
    """The query vectors, their exact top 10 and the query texts, where `measure` reads them."""
    queries = queries_for(vectors, count)
    exact = faiss.IndexFlatIP(DIMENSION)
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    np.save(work / "queries.npy", queries)
    np.save(work / "truth.npy", truth)
    (work / "texts.json").write_text(json.dumps(texts))


def row_of(size: int, kind: str, build_s, fts_optimize_s, root: Path, result: dict) -> dict:
    return {
        "chunks": size,
        "kind": kind,
        "build_s": build_s,
        "fts_optimize_s": fts_optimize_s,
        "disk_mb": round(disk_mb(root), 1),
        "open_s": round(result["open_s"], 3),
        "rss_mb": round(result["rss_mb"]),
        "dense_p50_ms": round(float(np.percentile(result["dense"], 50)), 2),
        "dense_p95_ms": round(float(np.percentile(result["dense"], 95)), 2),
        "hybrid_p50_ms": round(float(np.percentile(result["hybrid"], 50)), 2),
        "hybrid_p95_ms": round(float(np.percentile(result["hybrid"], 95)), 2),
        "recall_at_10": round(result["recall_at_10"], 3),
        "terms_vocab_p50_p95_ms": "/".join(f"{np.percentile(result['terms_vocab'], q):.2f}" for q in (50, 95)),
        "terms_p50_p95_ms": "/".join(f"{np.percentile(result['terms'], q):.2f}" for q in (50, 95)),
    }


def measure_existing(args, texts: list[str], log) -> None:
    """One row for the synthetic index at `args.index` (its vectors are the builder's, seed 1)."""
    size = int(args.sizes)
    with tempfile.TemporaryDirectory(prefix="foi-scale-") as scratch:
        work = Path(scratch)
        prepare_queries(work, synthetic(size, seed=1), args.queries, texts)
        kind = json.loads((args.index / "manifest.json").read_text())["vector_index"]
        log(f"  measuring {args.index} ({kind}; load average {os.getloadavg()[0]:.1f})")
        row = row_of(size, kind, "", "", args.index, measure(args.index, work))
    row["load"] = round(os.getloadavg()[0], 1)
    print(json.dumps({**row, "synthetic": True}) if args.json else
          "| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()) + " |", flush=True)


def disk_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="Comma-separated numbers of chunks.")
    parser.add_argument("--kinds", default="auto",
                        help=f"Vector index kinds ({FLAT}, {IVF}), or auto: the kind ingest would choose "
                             f"(ann_threshold {ANN_THRESHOLD:,}).")
    parser.add_argument("--queries", type=int, default=200, help="Timed queries per mode (query texts cycle).")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="Where the word frequencies come from.")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="Keep the built indexes in the workdir.")
    parser.add_argument("--json", action="store_true", help="One JSON object per row instead of Markdown.")
    parser.add_argument("--index", type=Path, default=None,
                        help="Measure this synthetic index (of the one size in --sizes) instead of building one.")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="foi-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    with open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "?")
    model = WordModel(args.corpus)
    texts = query_texts()
    note = (f"SYNTHETIC index: clustered {DIMENSION}-d vectors (not embeddings, unrelated to the texts) and "
            f"passages of real words sampled from {model.documents:,} documents of {args.corpus} "
            f"({model.corpus_words:,} words, {model.corpus_tokens:,} tokens); {len(texts)} real query texts "
            f"from {QUERIES.name}, {args.queries} timed queries per mode")
    machine = (f"machine: {os.cpu_count()} CPUs, {cpu}; faiss {faiss.__version__}; SQLite {sqlite3.sqlite_version}; "
               f"load average {os.getloadavg()[0]:.1f}")
    log(f"# {note}\n# {machine}")
    if not args.json:
        print(f"{note}.\n\n{machine}.\n")
        print("| chunks | index | build s | of which FTS5 optimize s | disk MB | open s | RSS MB | dense p50 ms "
              "| dense p95 ms | hybrid p50 ms | hybrid p95 ms | recall@10 | term stats p50/p95 ms (fts5vocab sum) "
              "| term stats p50/p95 ms (term_counts) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    if args.index is not None:
        measure_existing(args, texts, log)
        if args.workdir is None:
            workdir.rmdir()  # made above, unused by --index
        return
    for size in [int(s) for s in args.sizes.split(",")]:
        log(f"# {size:,} chunks: building the store (load average {os.getloadavg()[0]:.1f})")
        work = workdir / f"n{size}"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir()
        store_path = work / STORE_NAME
        timings = build_store(store_path, size, model, log)
        documents = sqlite3.connect(store_path).execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        log(f"  store {timings['store_s']:.0f} s, boilerplate {timings['boilerplate_s']:.0f} s, "
            f"FTS5 optimize {timings['fts_optimize_s']:.1f} s, "
            f"{store_path.stat().st_size / 1e6:,.0f} MB, {documents:,} documents")
        vectors = synthetic(size, seed=1)
        prepare_queries(work, vectors, args.queries, texts)
        kinds = [FLAT if size <= ANN_THRESHOLD else IVF] if args.kinds == "auto" else args.kinds.split(",")
        for kind in kinds:
            root = work / kind
            vector_s = build_generation(root, store_path, vectors, kind, documents)
            log(f"  {kind}: vectors {vector_s:.0f} s; measuring (load average {os.getloadavg()[0]:.1f})")
            result = measure(root, work)
            row = row_of(size, kind, round(sum(timings.values()) + vector_s, 1), round(timings["fts_optimize_s"], 1),
                         root, result)
            log(f"  store build {timings['store_s']:.1f} s, boilerplate {timings['boilerplate_s']:.1f} s, "
                f"vectors {vector_s:.1f} s; RSS after open {result['rss_open_mb']:.0f} MB, after one hybrid "
                f"query {result['rss_mb']:.0f} MB (first query {result['first_query_ms']:.0f} ms), after all "
                f"{result['rss_end_mb']:.0f} MB; load average {os.getloadavg()[0]:.1f}")
            if args.json:
                print(json.dumps({**row, "synthetic": True}), flush=True)
            else:
                print("| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()) + " |",
                      flush=True)
            if not args.keep:
                shutil.rmtree(root)
        if not args.keep:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
