"""Build synthetic indexes of N chunks for benchmarks: real FTS5 store, real FAISS index, real manifest.

The passages are real words of ../shared/corpus sampled with their frequencies (documents' word
sequences); the vectors are clustered random unit vectors (not embeddings). `build_index` makes a
whole index directory; `build_store` and `build_generation` are its two halves, for benchmarks that
time them apart (benchmarks/scale.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from assistant.settings import Settings  # noqa: E402
from index.boilerplate import DEFAULT_MIN_DOCUMENTS, REFRESH_SQL  # noqa: E402
from index.directory import STORE_NAME, VECTORS_FOLDER  # noqa: E402
from index.generation_row import GenerationRow  # noqa: E402
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
    store.commit()  # the schema
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
    """An index directory at `root` whose generation 1 is `store_path` (hard-linked as its store, in
    WAL mode, with its generation row) and the vectors in an index of `kind`; returns the seconds
    spent on the vectors."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    os.link(store_path, root / STORE_NAME)
    started = time.perf_counter()
    index = VectorIndex.create(DIMENSION)
    ids = np.arange(len(vectors), dtype=np.int64)
    for begin in range(0, len(vectors), BATCH):
        index.add(vectors[begin : begin + BATCH], ids[begin : begin + BATCH])
    index.fit(0 if kind == IVF else len(vectors) + 1)
    assert index.kind == kind
    names = index.write_files(root / VECTORS_FOLDER, 1)
    seconds = time.perf_counter() - started
    manifest = Manifest(
        format_version=FORMAT_VERSION, generation=1, model="synthetic", dimension=DIMENSION, max_tokens=256,
        chunk_tokens=200, chunk_overlap=0, created_at=now_iso(), updated_at=now_iso(), documents=documents,
        chunks=len(vectors), vectors=len(vectors), migrations=list(ALL_MIGRATIONS), vector_index=kind,
    )
    store = Store(root / STORE_NAME)
    store.record_generation(GenerationRow(1, manifest.to_json(), names, []))
    store.commit()
    store.close()
    manifest.write(root)
    return seconds


def build_index(directory: Path, chunks: int, *, kind: str | None = None, corpus: Path = CORPUS,
                log=lambda message: None) -> Path:
    """Build an index directory of `chunks` synthetic chunks at `directory` and return its path.

    `kind` is the vector index kind (default: the one ingest would choose for that many vectors).
    The store file is kept beside the index as `directory.parent / (directory.name + ".store.sqlite")`
    (the index hard-links it as its store).
    """
    store_path = directory.parent / f"{directory.name}.store.sqlite"
    if store_path.exists():
        store_path.unlink()
    build_store(store_path, chunks, WordModel(corpus), log)
    documents = sqlite3.connect(store_path).execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    kind = kind or (FLAT if chunks <= ANN_THRESHOLD else IVF)
    build_generation(directory, store_path, synthetic(chunks, seed=1), kind, documents)
    return directory


