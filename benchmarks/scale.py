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
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from assistant.settings import Settings  # noqa: E402
from index.boilerplate import DEFAULT_MIN_DOCUMENTS, REFRESH_SQL  # noqa: E402
from index.directory import GENERATION_MANIFEST, STORE_NAME, VECTORS_NAME  # noqa: E402
from index.manifest import FORMAT_VERSION, Manifest, now_iso  # noqa: E402
from index.migrations import ALL_MIGRATIONS  # noqa: E402
from index.store import Store  # noqa: E402
from index.term_counts import fill_term_counts  # noqa: E402
from index.vectors import FLAT, IVF, VectorIndex  # noqa: E402

DIMENSION = 384
FETCH = 50
BATCH = 10_000
CORPUS = REPO.parent / "shared" / "corpus"
QUERIES = Path(__file__).with_name("queries.txt")
ANN_THRESHOLD = Settings.model_fields["ann_threshold"].default
_TOKEN = re.compile(r"[^\W_]+")  # roughly FTS5's unicode61: letters and digits


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


def query_texts() -> list[str]:
    lines = QUERIES.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# Synthetic texts -------------------------------------------------------------
class WordModel:
    """Words of the real corpus with their frequencies, and the word sequence of each real document."""

    TAIL = 1_000_000  # numbers 1..TAIL-1 follow the corpus words in the vocabulary

    def __init__(self, corpus: Path):
        from ingest.readers import read_file

        files = sorted((corpus / "sheffield-wdtk").glob("*.mbox")) + sorted((corpus / "wmp").glob("*.txt"))
        if not files:
            raise SystemExit(f"no corpus files under {corpus}; the synthetic texts sample its words")
        documents = [
            _TOKEN.findall(document.text.lower())
            for path in files
            for document in read_file(path, max_bytes=64 << 20).documents
        ]
        documents = [words for words in documents if len(words) >= 20]
        counts = Counter(word for words in documents for word in words)
        words = [word for word, _ in counts.most_common()]
        ids = {word: i for i, word in enumerate(words)}
        self.corpus_words = len(words)
        self.corpus_tokens = sum(counts.values())
        self.vocabulary = np.array(words + [str(i) for i in range(1, self.TAIL)], dtype=object)
        self.probabilities = np.array([counts[w] for w in words], dtype=np.float64) / self.corpus_tokens
        self.tokens = np.concatenate([np.array([ids[w] for w in doc], dtype=np.int64) for doc in documents])
        self.lengths = np.array([len(doc) for doc in documents], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])
        self.documents = len(documents)


def synthetic_documents(model: WordModel, passages: int, seed: int):
    """Yield (document number, [passage texts]) until `passages` passages have been made."""
    rng = np.random.default_rng(seed)
    made = 0
    number = 0
    while made < passages:
        count = min(int(rng.integers(2, 7)), passages - made)
        source = int(rng.integers(0, model.documents))
        lengths = rng.integers(120, 181, count)
        total = int(lengths.sum())
        pick = rng.random(total)
        ids = np.empty(total, dtype=np.int64)
        topical = pick < 0.5
        tail = pick >= 0.97
        general = ~topical & ~tail
        ids[topical] = model.tokens[model.offsets[source] + rng.integers(0, model.lengths[source], int(topical.sum()))]
        ids[general] = rng.choice(len(model.probabilities), int(general.sum()), p=model.probabilities)
        ids[tail] = model.corpus_words - 1 + np.minimum(rng.zipf(1.3, int(tail.sum())), model.TAIL - 1)
        words = model.vocabulary[ids].tolist()
        texts, begin = [], 0
        for length in lengths.tolist():
            texts.append(" ".join(words[begin : begin + length]))
            begin += length
        yield number, texts
        made += count
        number += 1


def _sentence_rows(vector_id: int, rng: np.random.Generator, pool: np.ndarray) -> list[tuple[int, str, int]]:
    """Six synthetic sentence keys: in about 70% of passages (the real corpus's share) some recur."""
    recurring = int(rng.integers(1, 7)) if rng.random() < 0.7 else 0
    rows = [(vector_id, str(pool[int(rng.zipf(1.5)) % len(pool)]), int(rng.integers(60, 200)))
            for _ in range(recurring)]
    rows += [(vector_id, f"{vector_id:010x}{j:06x}", int(rng.integers(60, 200))) for j in range(6 - recurring)]
    return rows


def build_store(path: Path, size: int, model: WordModel, log) -> dict[str, float]:
    """Write a store of `size` synthetic passages (vector ids 0..size-1) at `path`."""
    timings = {}
    started = time.perf_counter()
    store = Store(path)
    store.close()
    db = sqlite3.connect(path, isolation_level=None)
    # A bulk build of a file nobody reads yet: no journal, no fsync, a large page cache.
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1048576")
    db.execute("BEGIN")
    rng = np.random.default_rng(3)
    pool = np.array([hashlib.sha1(str(i).encode()).hexdigest()[:16] for i in range(5000)])
    now = now_iso()
    vector_id = 0
    documents, locations, files, vectors, chunks, passages, sentences = [], [], [], [], [], [], []

    def flush():
        db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, '[]', '{}', ?, ?)", documents)
        db.executemany("INSERT INTO locations VALUES (?, '', ?)", locations)
        db.executemany("INSERT INTO files VALUES (?, ?, 0, ?)", files)
        db.executemany("INSERT INTO vectors VALUES (?, ?)", vectors)
        db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, NULL, NULL, ?)", chunks)
        db.executemany("INSERT INTO passages(rowid, text) VALUES (?, ?)", passages)
        db.executemany("INSERT INTO vector_sentences VALUES (?, ?, ?)", sentences)
        for rows in (documents, locations, files, vectors, chunks, passages, sentences):
            rows.clear()

    for number, texts in synthetic_documents(model, size, seed=11):
        text = "\n\n".join(texts)
        doc_id = hashlib.sha256(text.encode()).hexdigest()[:16]
        file = f"synthetic/{number // 1000:04d}/{number:07d}.txt"
        documents.append((doc_id, "txt", f"Synthetic document {number}", text, now, now))
        locations.append((file, doc_id))
        files.append((file, len(text), hashlib.sha256(text.encode()).hexdigest()))
        start = 0
        for seq, passage in enumerate(texts):
            vectors.append((vector_id, hashlib.sha1(passage.encode()).hexdigest()))
            chunks.append((doc_id, seq, start, start + len(passage), vector_id))
            passages.append((vector_id, passage))
            sentences.extend(_sentence_rows(vector_id, rng, pool))
            start += len(passage) + 2
            vector_id += 1
        if len(passages) >= 20_000:
            flush()
            log(f"  store: {vector_id:,} passages, {time.perf_counter() - started:.0f} s")
    flush()
    db.execute("COMMIT")
    timings["store_s"] = time.perf_counter() - started
    began = time.perf_counter()
    db.execute("BEGIN")
    for statement in REFRESH_SQL.split(";"):
        if statement.strip():
            db.execute(statement, {"min_documents": DEFAULT_MIN_DOCUMENTS})
    db.execute("COMMIT")
    timings["boilerplate_s"] = time.perf_counter() - began
    began = time.perf_counter()
    db.execute("INSERT INTO passages(passages) VALUES ('optimize')")  # as Store.optimize_lexical
    db.commit()
    timings["fts_optimize_s"] = time.perf_counter() - began
    began = time.perf_counter()
    fill_term_counts(db)  # a bulk build counts terms in one pass at the end, as m005 does
    db.commit()
    timings["term_counts_s"] = time.perf_counter() - began
    db.close()
    return timings


def build_generation(root: Path, store_path: Path, vectors: np.ndarray, kind: str, documents: int) -> float:
    """An index directory at `root` whose generation 1 holds `store_path` (hard-linked) and
    the vectors in an index of `kind`; returns the seconds spent on the vectors."""
    if root.exists():
        shutil.rmtree(root)
    generation = root / "g000001"
    generation.mkdir(parents=True)
    os.link(store_path, generation / STORE_NAME)
    started = time.perf_counter()
    index = VectorIndex.create(DIMENSION)
    ids = np.arange(len(vectors), dtype=np.int64)
    for begin in range(0, len(vectors), BATCH):
        index.add(vectors[begin : begin + BATCH], ids[begin : begin + BATCH])
    index.fit(0 if kind == IVF else len(vectors) + 1)
    assert index.kind == kind
    index.save(generation / VECTORS_NAME)
    seconds = time.perf_counter() - started
    manifest = Manifest(
        format_version=FORMAT_VERSION, generation=1, model="synthetic", dimension=DIMENSION, max_tokens=256,
        chunk_tokens=200, chunk_overlap=0, created_at=now_iso(), updated_at=now_iso(), documents=documents,
        chunks=len(vectors), vectors=len(vectors), migrations=list(ALL_MIGRATIONS), vector_index=kind,
    )
    (generation / GENERATION_MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    manifest.write(root)
    return seconds


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
        queries = queries_for(vectors, args.queries)
        exact = faiss.IndexFlatIP(DIMENSION)
        exact.add(vectors)
        _, truth = exact.search(queries, 10)
        del exact
        np.save(work / "queries.npy", queries)
        np.save(work / "truth.npy", truth)
        (work / "texts.json").write_text(json.dumps(texts))
        kinds = [FLAT if size <= ANN_THRESHOLD else IVF] if args.kinds == "auto" else args.kinds.split(",")
        for kind in kinds:
            root = work / kind
            vector_s = build_generation(root, store_path, vectors, kind, documents)
            log(f"  {kind}: vectors {vector_s:.0f} s; measuring (load average {os.getloadavg()[0]:.1f})")
            result = measure(root, work)
            row = {
                "chunks": size,
                "kind": kind,
                "build_s": round(sum(timings.values()) + vector_s, 1),
                "fts_optimize_s": round(timings["fts_optimize_s"], 1),
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
