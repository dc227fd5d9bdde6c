"""FOI field accuracy against the hand labels, and the extraction time on the sheffield corpus.

Usage:
    python benchmarks/foi_accuracy.py [--corpus ../shared/corpus] [--labels examples/labels/foi_labels.jsonl]
        [--errors] [--timing] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.foi.accuracy import load_labels, score, time_extraction  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--labels", type=Path, default=REPO / "examples" / "labels" / "foi_labels.jsonl")
    parser.add_argument("--errors", action="store_true", help="List the documents where a field is wrong.")
    parser.add_argument("--timing", action="store_true", help="Also time extraction over corpus/sheffield-wdtk.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = score(load_labels(args.labels), args.corpus)
    timing = time_extraction(args.corpus / "sheffield-wdtk") if args.timing else None
    if args.json:
        print(json.dumps({**report.to_dict(), "timing": timing}, indent=2))
        return
    print(report.format_table())
    if args.errors:
        for error in report.errors:
            print(json.dumps(error, ensure_ascii=False))
    if timing:
        print(f"sheffield-wdtk: {timing['documents']} documents read in {timing['read_seconds']} s, "
              f"FOI fields extracted in {timing['extract_seconds']} s ({timing['extract_cpu_seconds']} s CPU)")


if __name__ == "__main__":
    main()
