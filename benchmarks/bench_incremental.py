"""Incremental-update benchmark: re-ingest unchanged, one edited document, sync after deletions.

Copies the corpus folder into a temporary directory (never into the repository),
ingests it, then measures:

1. re-ingest of the unchanged copy (target: at most 3% of the first ingest's time);
2. one edited document (target: only its changed chunks embedded, shown as a count);
3. `--sync` after deleting 10% of the files.

Usage: python benchmarks/bench_incremental.py [--corpus DIR] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from assistant import Assistant  # noqa: E402
from machine import cpu_model  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "sheffield-wdtk"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, help="use only the first N files (sorted)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"bench: corpus folder {args.corpus} not found (it lives in ../shared/corpus)")

    work = Path(tempfile.mkdtemp(prefix="foi-incremental-"))
    try:
        files = sorted(p for p in args.corpus.iterdir() if p.is_file() and not p.name.startswith("."))
        files = files[: args.limit] if args.limit else files
        copy = work / "docs"
        copy.mkdir()
        for path in files:
            shutil.copy2(path, copy / path.name)
        assistant = Assistant.open(work / "index", show_progress=False)
        assistant.embedder  # load the model before timing
        first = assistant.ingest([copy])
        again = assistant.ingest([copy])

        edited = _edit_one(copy)
        time.sleep(0.01)
        change = assistant.ingest([copy])

        doomed = sorted(copy.iterdir())[:: 10]
        for path in doomed:
            path.unlink()
        synced = assistant.ingest([copy], sync=True)
        check = assistant.check()
        results = {
            "corpus": str(args.corpus),
            "files": len(files),
            "first_ingest": {"seconds": round(first.seconds, 2), "documents": first.documents,
                             "chunks": first.chunks, "embedded": first.embedded},
            "reingest_unchanged": {"seconds": round(again.seconds, 3), "embedded": again.embedded,
                                   "share_of_first": round(again.seconds / first.seconds, 4),
                                   "target": "<= 0.03"},
            "one_edited_document": {"file": edited.name, "seconds": round(change.seconds, 3),
                                    "updated_documents": change.updated, "embedded_chunks": change.embedded,
                                    "chunks_in_index": change.chunks},
            "sync_after_deleting_10pct": {"deleted_files": len(doomed), "seconds": round(synced.seconds, 3),
                                          "removed_documents": synced.removed, "documents_left": synced.documents,
                                          "embedded": synced.embedded, "check_ok": check.ok},
            "cpu": cpu_model(), "cores": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2),
            "backend": assistant.stats().__dict__.get("backend", "?"),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("| step | seconds | detail |\n| --- | --- | --- |")
    f, r, e, s = (results[k] for k in ("first_ingest", "reingest_unchanged", "one_edited_document",
                                       "sync_after_deleting_10pct"))
    print(f"| first ingest ({results['files']} files) | {f['seconds']} | {f['documents']} documents, "
          f"{f['chunks']} chunks, {f['embedded']} embedded |")
    print(f"| re-ingest, nothing changed | {r['seconds']} | {r['share_of_first']:.2%} of the first ingest "
          f"(target ≤ 3%), {r['embedded']} embedded |")
    print(f"| one edited message | {e['seconds']} | {e['updated_documents']} document updated, "
          f"{e['embedded_chunks']} of {e['chunks_in_index']} chunks embedded |")
    print(f"| sync after deleting {s['deleted_files']} files (10%) | {s['seconds']} | "
          f"{s['removed_documents']} documents removed, {s['embedded']} embedded, check ok: {s['check_ok']} |")
    print(f"\nmachine: {results['cpu']}, {results['cores']} cores, load average {results['load_average']}; "
          f"backend {results['backend']}")
    print(f"command: python benchmarks/bench_incremental.py{' --limit ' + str(args.limit) if args.limit else ''}")


def _edit_one(folder: Path) -> Path:
    """Append a sentence to the body of the last message of the largest file."""
    target = max(folder.iterdir(), key=lambda p: p.stat().st_size)
    text = target.read_text(encoding="utf-8", errors="surrogateescape")
    target.write_text(
        text.rstrip("\n") + "\n\nCorrection: the figures above were revised on 1 March 2025.\n",
        encoding="utf-8", errors="surrogateescape",
    )
    return target


if __name__ == "__main__":
    main()
