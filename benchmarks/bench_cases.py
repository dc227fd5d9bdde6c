"""Speed of `foi cases` over an index: open it, then time building every case (first and cached calls).

    python benchmarks/bench_cases.py --index I [--repeat 5]

Prints the number of cases and seconds per call, then where one uncached call spends its time
(reading the stored records, grouping them into cases, building each case's events and status);
the target is under a second for the whole ../shared/corpus once the index is open.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.api import Assistant  # noqa: E402
from assistant.case_stats import authority_stats  # noqa: E402
from assistant.cases import build_case, group_records, records_from_store  # noqa: E402
from assistant.settings import load_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
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
        print(f"cases call {n + 1}: {len(cases)} cases in {elapsed:.3f} s" + (" (reads the stored records)" if n == 0 else ""))
    started = time.perf_counter()
    rows = authority_stats(assistant.cases())
    print(f"stats --authorities: {len(rows)} authorities in {time.perf_counter() - started:.3f} s")
    print_phases(assistant)
    assistant.close()


def print_phases(assistant) -> None:
    """Time the three phases of one uncached `cases` call separately."""
    today = date.today()
    started = time.perf_counter()
    with assistant.snapshots.reading() as snapshot:
        records = records_from_store(snapshot.store)
    read = time.perf_counter() - started
    started = time.perf_counter()
    groups = group_records(records)
    grouped = time.perf_counter() - started
    started = time.perf_counter()
    for case_id, members in groups.items():
        build_case(case_id, members, today)
    built = time.perf_counter() - started
    print(f"phases: read {len(records)} records {read:.3f} s, group into {len(groups)} cases {grouped:.3f} s, "
          f"build events and status {built:.3f} s")


if __name__ == "__main__":
    main()
