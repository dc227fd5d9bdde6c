"""What one-document commits cost on a synthetic index: seconds, bytes written, disk used.

Builds a synthetic index of N chunks (`benchmarks/synthetic_index.build_index`: real FTS5 store,
real FAISS index, real manifest) in a temporary directory, then times three real commits through
the ingest and remove paths: adding one small document, editing it, removing it. The embedder is a
hashed bag of words with the index's dimension (embedding is not what is measured). Bytes written
are this process's `/proc/self/io` counters over the commit (`wchar`: bytes handed to write();
`write_bytes`: bytes sent to the block device); disk is the index directory's size after the commit,
the SQLite write-ahead log included.

Usage: python benchmarks/store_commit.py [--chunks N] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
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


def measured(step: str, action, root: Path) -> dict:
    before = io_counters()
    began = time.perf_counter()
    action()
    seconds = time.perf_counter() - began
    after = io_counters()
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
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    options = UpdateOptions(chunk_tokens=200, chunk_overlap=0, max_file_bytes=50_000_000, batch_size=32,
                            lock_timeout=10)
    embedder = HashedWords()
    with tempfile.TemporaryDirectory(prefix="foi-store-commit-") as work:
        root = Path(work) / "index"
        began = time.perf_counter()
        synthetic_index.build_index(root, args.chunks, corpus=args.corpus,
                                    log=lambda line: print(line, file=sys.stderr))
        (Path(work) / f"{root.name}.store.sqlite").unlink()  # the builder's own copy: not part of the index
        build_s = time.perf_counter() - began
        directory = IndexDirectory(root)
        docs = Path(work) / "docs"
        docs.mkdir()
        note = docs / "note.txt"
        rows = []
        note.write_text("A reply about the council's winter gritting routes and the salt it bought in 2024.\n")
        rows.append(measured("add one document", lambda: update_index(directory, [note], embedder, options), root))
        time.sleep(0.01)
        note.write_text(note.read_text() + "\nA correction: the salt was bought in January 2025.\n")
        rows.append(measured("edit it", lambda: update_index(directory, [note], embedder, options), root))
        rows.append(measured("remove it", lambda: remove_documents(directory, [str(note)], lock_timeout=10), root))
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
