"""Case status accuracy against blind labels (examples/labels/case_status_blind.jsonl).

Reads each labelled mailbox with the project's own readers and FOI annotation
(the metadata ingest stores), builds its case as of the label's date, and
prints the confusion table (rows: label, columns: computed) and the
disagreements. No index or model is needed: the case code sees exactly the
stored FOI fields an index would hold.

    python benchmarks/case_accuracy.py [--corpus ../shared/corpus] [--labels FILE] [--show-disagreements]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.case_events import CaseRecord  # noqa: E402
from assistant.cases import STATUSES, build_cases  # noqa: E402
from ingest.foi.annotate import annotate  # noqa: E402
from ingest.readers.dispatch import read_bytes  # noqa: E402


def records_of_file(path: Path, name: str) -> list[CaseRecord]:
    documents = read_bytes(path.read_bytes(), path.name).documents
    annotate(documents)
    return [CaseRecord(f"{name}#{d.part}", name, d.part, str(d.metadata.get("subject") or d.title or ""), d.metadata)
            for d in documents]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--labels", type=Path, default=ROOT / "examples" / "labels" / "case_status_blind.jsonl")
    parser.add_argument("--show-disagreements", action="store_true")
    args = parser.parse_args()
    labels = [json.loads(line) for line in args.labels.read_text().splitlines() if line.strip()]
    confusion: Counter = Counter()
    received_agree = 0
    wrong = []
    for label in labels:
        records = records_of_file(args.corpus / label["path"], label["path"])
        cases = build_cases(records, date.fromisoformat(label["as_of"]))
        case = cases[0]
        confusion[(label["status"], case.status)] += 1
        received_agree += (case.received and case.received.isoformat()) == label["received"]
        if case.status != label["status"] or (case.received and case.received.isoformat()) != label["received"]:
            wrong.append((label, case))
    total = len(labels)
    right = sum(n for (a, b), n in confusion.items() if a == b)
    print(f"case status: {right}/{total} = {right / total:.2f} agree with the blind labels (as of {labels[0]['as_of']})")
    print(f"received date: {received_agree}/{total} agree")
    used = [s for s in STATUSES if any(s in pair for pair in confusion)]
    width = max(len(s) for s in used)
    print("| label \\ computed | " + " | ".join(used) + " |")
    print("| --- |" + " --- |" * len(used))
    for row in used:
        print(f"| {row} | " + " | ".join(str(confusion.get((row, col), 0) or "") for col in used) + " |")
    if args.show_disagreements:
        for label, case in wrong:
            print(f"\n{label['path']}: label {label['status']} (received {label['received']}), computed {case.status} "
                  f"(received {case.received}, due {case.due}, review due {case.review_due})\n  label note: {label['note']}")
            for event in case.events:
                print(f"    {event.date} {event.kind} {event.record.part} {event.outcome or ''}")
    _ = width


if __name__ == "__main__":
    main()
