"""Real files in a zip: their compression ratios (for `zip_max_ratio`) and the cost of reading them.

Zips a corpus folder in memory with deflate, as an FOI bundle would be sent,
prints the median and largest member compression ratio (all members, and
members of 1 MB or more, the ones `zip_max_ratio` judges), then reads the
archive with the zip reader (ingest/readers/archive.py, guard included) and
each file from disk with the same readers, and prints both times.

Usage::

    python benchmarks/zip_bundle.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.readers import read_bytes, read_file  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = parser.parse_args()
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(args.corpus).as_posix())
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = [i for i in archive.infolist() if i.compress_size]
    ratios = [i.file_size / i.compress_size for i in infos]
    large = [i.file_size / i.compress_size for i in infos if i.file_size >= 1_000_000]
    print(f"members: {len(infos)}, archive {len(data) / 1e6:.1f} MB, expanded {sum(i.file_size for i in infos) / 1e6:.1f} MB")
    print(f"compression ratio, all members: median {statistics.median(ratios):.1f}, max {max(ratios):.1f}")
    if large:
        print(f"compression ratio, members >= 1 MB ({len(large)}): max {max(large):.1f}")

    started = time.perf_counter()
    from_zip = read_bytes(data, "corpus.zip")
    zip_seconds = time.perf_counter() - started
    started = time.perf_counter()
    from_disk = [read_file(p, max_bytes=100_000_000) for p in files if p.suffix.lower() in {".pdf", ".mbox", ".html", ".txt", ".md", ".docx", ".eml"}]
    disk_seconds = time.perf_counter() - started
    disk_documents = sum(len(r.documents) for r in from_disk)
    print(f"read as one zip: {len(from_zip.documents)} documents, {len(from_zip.skipped)} skipped parts, {zip_seconds:.1f} s")
    print(f"read file by file: {disk_documents} documents, {disk_seconds:.1f} s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
