"""Speed of `foi cases` over an index: open it, time listing every case (first and cached calls), then
whole `foi cases` processes.

    python benchmarks/bench_cases.py --index I [--repeat 5] [--processes 3]

Prints the number of cases and seconds per call; where one uncached call spends its time (reading the
case groups stored at ingest, against reading every document's FOI fields and grouping them afresh as
an index before format 6 does; building each case's events and status); and the wall time of whole
`foi cases --index I` processes (Python start-up, imports, open, list). The target is under a second
for the whole ../shared/corpus once the index is open. The index must be at the current format (this
script opens it through `Assistant`, which upgrades an older one: never point it at a shared index).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.api import Assistant  # noqa: E402
from assistant.case_stats import authority_stats  # noqa: E402
from assistant.cases import build_case, group_records, records_from_store  # noqa: E402
from index.case_tables import stored_case_groups  # noqa: E402
from assistant.settings import load_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--processes", type=int, default=3, help="Whole `foi cases` processes to time.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    assistant = Assistant(load_settings(index_dir=args.index))
    assistant.stats()
    print(f"open: {time.perf_counter() - started:.3f} s")
    for n in range(args.repeat):
        started = time.perf_counter()
        cases = assistant.cases()
        elapsed = time.perf_counter() - started
        first = " (reads the stored case groups)" if n == 0 else ""
        print(f"cases call {n + 1}: {len(cases)} cases in {elapsed:.3f} s{first}")
    started = time.perf_counter()
    rows = authority_stats(assistant.cases())
    print(f"stats --authorities: {len(rows)} authorities in {time.perf_counter() - started:.3f} s")
    print_phases(assistant)
    assistant.close()
    time_processes(args.index, args.processes)


def time_processes(index: Path, count: int) -> None:
    """Wall time of whole `foi cases --index I` processes (output discarded), as a user runs them."""
    command = [sys.executable, "-c", "from assistant.cli import main; main()", "cases", "--index", str(index)]
    for n in range(count):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[1])
        print(f"process {n + 1}: foi cases in {time.perf_counter() - started:.3f} s wall")


def print_phases(assistant) -> None:
    """Time the phases of one uncached `cases` call separately, and the lazy grouping it replaced."""
    today = date.today()
    with assistant.snapshots.reading() as snapshot:
        started = time.perf_counter()
        groups = stored_case_groups(snapshot.store)
        stored = time.perf_counter() - started
        started = time.perf_counter()
        records = records_from_store(snapshot.store)
        read = time.perf_counter() - started
    started = time.perf_counter()
    lazy = group_records(records)
    grouped = time.perf_counter() - started
    assert lazy.keys() == groups.keys(), "stored case groups differ from grouping afresh"
    started = time.perf_counter()
    for case_id, members in groups.items():
        build_case(case_id, members, today)
    built = time.perf_counter() - started
    print(f"phases: read the stored groups of {len(groups)} cases {stored:.3f} s (afresh: read {len(records)} "
          f"records {read:.3f} s + group {grouped:.3f} s); build events and status {built:.3f} s")


if __name__ == "__main__":
    main()
