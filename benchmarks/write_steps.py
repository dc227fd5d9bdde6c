"""The end-of-write steps on a synthetic store: boilerplate recount (full vs delta) and FTS5 merge.

Builds a store of N synthetic passages with `benchmarks/scale.py`'s builder (in a temporary
directory), then in one write transaction removes one document and adds one (with recurring and
unique sentence keys, as the builder makes them), and times `refresh_boilerplate` on the change
against a full recount, and a bounded FTS5 `merge` against `optimize`. It measures these steps
only, not a whole commit (benchmarks/store_commit.py times those).

Usage: python benchmarks/write_steps.py [--size N] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import scale  # noqa: E402
import synthetic_index  # noqa: E402

from index.boilerplate import DEFAULT_MIN_DOCUMENTS  # noqa: E402
from index.passages import LEXICAL_MERGE_PAGES  # noqa: E402
from index.store import Store  # noqa: E402


def _timed(action) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def _rows(db, table: str) -> list[tuple]:
    return sorted(tuple(row) for row in db.execute(f"SELECT * FROM {table}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="synthetic passages")
    parser.add_argument("--corpus", type=Path, default=scale.CORPUS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="foi-write-steps-") as work:
        path = Path(work) / "store.sqlite"
        scale.build_store(path, args.size, scale.WordModel(args.corpus), lambda line: print(line, file=sys.stderr))
        store = Store(path)
        store.refresh_boilerplate(DEFAULT_MIN_DOCUMENTS)  # records the threshold, as any write since does
        store.commit()
        db = store._db
        pool = np.array([hashlib.sha1(str(i).encode()).hexdigest()[:16] for i in range(5000)])
        rng = np.random.default_rng(7)
        doc_id = db.execute("SELECT doc_id FROM documents LIMIT 1 OFFSET ?", (args.size // 7,)).fetchone()[0]
        store.delete_document(doc_id)
        orphans = store.orphan_vectors()
        store.delete_vectors(orphans)
        db.execute("INSERT INTO documents VALUES ('newdoc', 'txt', 'New', 'new text', '[]', '{}', 'now', 'now')")
        first = args.size + 10
        for seq in range(4):
            vector_id = first + seq
            db.execute("INSERT INTO vectors VALUES (?, ?)", (vector_id, f"new{seq}"))
            db.execute("INSERT INTO chunks VALUES ('newdoc', ?, 0, 1, NULL, NULL, ?)", (seq, vector_id))
            db.execute("INSERT INTO passages(rowid, text) VALUES (?, 'disclosure of the requested information')",
                       (vector_id,))
            db.executemany("INSERT INTO vector_sentences VALUES (?, ?, ?)",
                           synthetic_index._sentence_rows(vector_id, rng, pool))
        delta_s = _timed(lambda: store.refresh_boilerplate(DEFAULT_MIN_DOCUMENTS))
        delta_tables = (_rows(db, "sentence_documents"), _rows(db, "boilerplate"))
        full_s = _timed(lambda: store.refresh_boilerplate(DEFAULT_MIN_DOCUMENTS, full=True))
        full_tables = (_rows(db, "sentence_documents"), _rows(db, "boilerplate"))
        merge_s = _timed(lambda: db.execute("INSERT INTO passages(passages, rank) VALUES ('merge', ?)", (LEXICAL_MERGE_PAGES,)))
        optimize_s = _timed(lambda: db.execute("INSERT INTO passages(passages) VALUES ('optimize')"))
        store.rollback()
        store.close()
    row = {
        "passages": args.size, "removed_vectors": len(orphans), "added_vectors": 4,
        "boilerplate_delta_s": round(delta_s, 3), "boilerplate_full_s": round(full_s, 3),
        "delta_equals_full": delta_tables == full_tables,
        "fts_merge_s": round(merge_s, 3), "fts_optimize_s": round(optimize_s, 3),
        "load_average": os.getloadavg()[0],
    }
    if args.json:
        print(json.dumps(row))
    else:
        print("| passages | boilerplate delta s | full s | same tables | FTS5 merge s | optimize s | load |")
        print("|---:|---:|---:|---|---:|---:|---:|")
        print(f"| {row['passages']:,} | {row['boilerplate_delta_s']} | {row['boilerplate_full_s']} | "
              f"{row['delta_equals_full']} | {row['fts_merge_s']} | {row['fts_optimize_s']} | {row['load_average']:.1f} |")


if __name__ == "__main__":
    main()
