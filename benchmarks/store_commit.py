"""What one-document commits cost on a synthetic index: seconds, bytes written, disk used.

Builds a synthetic index of N chunks (`benchmarks/synthetic_index.build_index`: real FTS5 store,
real FAISS index, real manifest) in a temporary directory, then times three real commits through
the ingest and remove paths: adding one small document, editing it, removing it. The embedder is a
hashed bag of words with the index's dimension (embedding is not what is measured). Bytes written
are this process's `/proc/self/io` counters over the commit (`wchar`: bytes handed to write();
`write_bytes`: bytes sent to the block device); disk is the index directory's size after the commit,
the SQLite write-ahead log included.

With `--keep DIR` the synthetic index is built once at DIR (and its first, one-off write done
there) and reused by later runs, so that a 1M-chunk index is built once. `--profile N` prints, per
step, the N functions with the most cumulative time (cProfile) and the SQL statements the writer
ran with their total seconds and count, to stderr.

Usage: python benchmarks/store_commit.py [--chunks N] [--keep DIR] [--profile N] [--json]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import synthetic_index  # noqa: E402

from index.directory import IndexDirectory  # noqa: E402
from index.maintenance import remove_documents  # noqa: E402
from index.store_connections import WriteConnection  # noqa: E402
from index.update import UpdateOptions, update_index  # noqa: E402


class HashedWords:
    """Unit vectors of hashed word counts, named as the synthetic index's model."""

    model_id = "synthetic"
    dimension = synthetic_index.DIMENSION
    max_tokens = 256
    backend = "torch"

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))

    def embed(self, texts, *, batch_size=32, progress=None):
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            out[row] /= max(np.linalg.norm(out[row]), 1e-9)
        return out


def io_counters() -> dict[str, int]:
    counters = {}
    for line in Path("/proc/self/io").read_text().splitlines():
        name, value = line.split(":")
        counters[name] = int(value)
    return counters


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class StatementTimes:
    """Seconds and count per SQL statement the writer's connection runs, while installed."""

    def __init__(self):
        self.times: dict[str, list[float]] = {}
        self._saved = {}

    def __enter__(self):
        for name in ("execute", "executemany"):
            original = getattr(WriteConnection, name)
            self._saved[name] = original

            def timed(connection, sql, *args, _original=original, **kwargs):
                began = time.perf_counter()
                cursor = _original(connection, sql, *args, **kwargs)
                entry = self.times.setdefault(" ".join(sql.split())[:110], [0.0, 0])
                entry[0] += time.perf_counter() - began
                entry[1] += 1
                return cursor

            setattr(WriteConnection, name, timed)
        return self

    def __exit__(self, *exc):
        for name, original in self._saved.items():
            setattr(WriteConnection, name, original)

    def report(self, top: int) -> str:
        rows = sorted(self.times.items(), key=lambda item: -item[1][0])[:top]
        return "\n".join(f"  {seconds:8.3f} s {count:6d}x  {sql}" for sql, (seconds, count) in rows)


def measured(step: str, action, root: Path, profile: int = 0) -> dict:
    before = io_counters()
    began = time.perf_counter()
    if profile:
        profiler = cProfile.Profile()
        with StatementTimes() as statements:
            profiler.runcall(action)
    else:
        action()
    seconds = time.perf_counter() - began
    after = io_counters()
    if profile:
        print(f"--- {step}: {seconds:.3f} s; SQL statements (seconds, count):", file=sys.stderr)
        print(statements.report(profile), file=sys.stderr)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(profile)
    wal = root / "store.sqlite-wal"
    return {
        "step": step, "seconds": round(seconds, 3),
        "wchar_mb": round((after["wchar"] - before["wchar"]) / 1e6, 2),
        "write_bytes_mb": round((after["write_bytes"] - before["write_bytes"]) / 1e6, 2),
        "index_mb": round(folder_bytes(root) / 1e6, 1),
        "wal_mb": round(wal.stat().st_size / 1e6, 2) if wal.exists() else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, default=synthetic_index.CORPUS)
    parser.add_argument("--keep", type=Path, help="build the index here once and reuse it")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    options = UpdateOptions(chunk_tokens=200, chunk_overlap=0, max_file_bytes=50_000_000, batch_size=32,
                            lock_timeout=10)
    embedder = HashedWords()
    with tempfile.TemporaryDirectory(prefix="foi-store-commit-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        root = work / "index"
        began = time.perf_counter()
        reused = args.keep is not None and (root / "store.sqlite").is_file()
        if not reused:
            synthetic_index.build_index(root, args.chunks, corpus=args.corpus,
                                        log=lambda line: print(line, file=sys.stderr))
            (work / f"{root.name}.store.sqlite").unlink()  # the builder's own copy: not part of the index
        build_s = time.perf_counter() - began
        directory = IndexDirectory(root)
        docs = work / "docs"
        docs.mkdir(exist_ok=True)
        note = docs / "note.txt"
        rows = []
        if args.keep is not None and not reused:  # the one-off first write, kept out of the rows
            first = docs / "first.txt"
            first.write_text("The first write to a synthetic index builds its sentence-hash index once.\n")
            rows.append(measured("first write (one-off)", lambda: update_index(directory, [first], embedder, options),
                                 root))
        note.write_text("A reply about the council's winter gritting routes and the salt it bought in 2024.\n")
        rows.append(measured("add one document", lambda: update_index(directory, [note], embedder, options), root,
                             args.profile))
        time.sleep(0.01)
        note.write_text(note.read_text() + "\nA correction: the salt was bought in January 2025.\n")
        rows.append(measured("edit it", lambda: update_index(directory, [note], embedder, options), root,
                             args.profile))
        rows.append(measured("remove it", lambda: remove_documents(directory, [str(note)], lock_timeout=10), root,
                             args.profile))
    result = {"chunks": args.chunks, "build_s": round(build_s, 1), "rows": rows,
              "load_average": round(os.getloadavg()[0], 2)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"synthetic index of {args.chunks:,} chunks (built in {build_s:.0f} s)\n")
    print("| step | seconds | written (wchar) MB | block writes MB | index MB after | WAL MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['step']} | {row['seconds']} | {row['wchar_mb']} | {row['write_bytes_mb']} | "
              f"{row['index_mb']} | {row['wal_mb'] if row['wal_mb'] is not None else '-'} |")
    print(f"\nload average {result['load_average']}; command: python benchmarks/store_commit.py --chunks {args.chunks}")


if __name__ == "__main__":
    main()
