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
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.foi.case_events import CaseRecord  # noqa: E402
from assistant.cases import STATUSES, build_cases  # noqa: E402
from ingest.foi.annotate import annotate  # noqa: E402
from ingest.foi.dates import parse_date  # noqa: E402
from ingest.foi.deadlines import nation_of, working_days_between  # noqa: E402
from ingest.readers.dispatch import read_bytes  # noqa: E402


def records_of_file(path: Path, name: str, texts: list | None = None) -> list[CaseRecord]:
    documents = read_bytes(path.read_bytes(), path.name).documents
    annotate(documents)
    if texts is not None:
        texts.extend(d.text for d in documents)
    return [CaseRecord(f"{name}#{d.part}", name, d.part, str(d.metadata.get("subject") or d.title or ""), d.metadata)
            for d in documents]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--labels", type=Path, default=ROOT / "examples" / "labels" / "case_status_blind.jsonl")
    parser.add_argument("--show-disagreements", action="store_true")
    parser.add_argument("--deadlines", action="store_true",
                        help="Instead: compare every sheffield-wdtk thread's computed due date with the one the "
                             "authority states in its acknowledgement.")
    parser.add_argument("--outcomes", type=Path, nargs="?", const=ROOT / "examples" / "labels" / "case_outcome_blind.jsonl",
                        help="Instead: requester-style outcome agreement against these labels.")
    args = parser.parse_args()
    if args.outcomes:
        compare_outcomes(args.corpus, args.outcomes, args.show_disagreements)
        return
    if args.deadlines:
        compare_deadlines(args.corpus, args.show_disagreements)
        return
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


# What a requester calls an outcome: every refusal ground is a refusal.
REQUESTER_OUTCOME = {"cost limit": "refused", "vexatious": "refused", "neither confirm nor deny": "refused"}


def requester_outcome(outcome: str | None) -> str:
    return REQUESTER_OUTCOME.get(outcome or "", outcome or "none")


def compare_outcomes(corpus: Path, labels_file: Path, show: bool) -> None:
    """The thread's stored `thread_outcome` and its case's outcome against requester-style labels."""
    labels = [json.loads(line) for line in labels_file.read_text().splitlines() if line.strip()]
    tables = {"thread_outcome": Counter(), "case outcome": Counter()}
    wrong = []
    for label in labels:
        records = records_of_file(corpus / label["path"], label["path"])
        thread = next((r.foi.get("thread_outcome") for r in records if r.foi.get("thread_outcome")), None)
        case = build_cases(records, date.today())[0]
        for name, value in (("thread_outcome", thread), ("case outcome", case.outcome)):
            tables[name][(label["outcome"], requester_outcome(value))] += 1
        if requester_outcome(case.outcome) != label["outcome"]:
            wrong.append((label, case))
    kinds = ["disclosed", "partially disclosed", "not held", "refused", "none"]
    for name, table in tables.items():
        right = sum(n for (a, b), n in table.items() if a == b)
        print(f"{name}: {right}/{len(labels)} = {right / len(labels):.2f} agree with the requester-style labels")
        used = [k for k in kinds if any(k in pair for pair in table)] + sorted(
            {b for _, b in table} - set(kinds))
        print("| label \\ computed | " + " | ".join(used) + " |")
        print("| --- |" + " --- |" * len(used))
        for row in used:
            if any(a == row for a, _ in table):
                print(f"| {row} | " + " | ".join(str(table.get((row, col), 0) or "") for col in used) + " |")
    for label, case in wrong if show else []:
        decided = next((e for e in reversed(case.events) if e.outcome), None)
        print(f"  {label['path']}: label {label['outcome']}, case {case.outcome} "
              f"(from {decided.record.part if decided else '-'})")


# WhatDoTheyKnow's own deadline, quoted in its "delayed" reminder to the authority.
_WDTK_DUE = re.compile(r"responded promptly and\s+by\s+(\d{1,2} \w+ \d{4})")


def compare_deadlines(corpus: Path, show: bool) -> None:
    """Computed due dates against the authority's own ("we must respond ... by DD/MM/YYYY") and
    WhatDoTheyKnow's ("should normally have responded promptly and by D Month YYYY")."""
    results = {"authority": Counter(), "WhatDoTheyKnow": Counter()}
    differ = []
    for path in sorted((corpus / "sheffield-wdtk").glob("*.mbox")):
        name = f"sheffield-wdtk/{path.name}"
        texts: list[str] = []
        records = records_of_file(path, name, texts)
        case = build_cases(records, date.today())[0]
        if case.due is None:
            continue
        nation = nation_of(case.authority, case.law)
        stated = next((r for r in records if r.foi.get("from_authority") and (r.foi.get("dates") or {}).get("due")
                       and r.foi.get("role") == "acknowledgement"), None)
        wdtk = next((m.group(1) for t in texts for m in [_WDTK_DUE.search(" ".join(t.split()))] if m), None)
        for source, said in (("authority", stated and stated.foi["dates"]["due"]),
                             ("WhatDoTheyKnow", wdtk and parse_date(wdtk) and parse_date(wdtk).isoformat())):
            if not said:
                continue
            said_day = date.fromisoformat(said)
            delta = (working_days_between(case.due, said_day, nation) if said_day >= case.due
                     else -working_days_between(said_day, case.due, nation))
            results[source][delta] += 1
            if delta:
                differ.append((source, name, said, case))
    for source, deltas in results.items():
        total = sum(deltas.values())
        spread = ", ".join(f"{d:+d}: {n}" for d, n in sorted(deltas.items()) if d)
        print(f"due date vs {source}: {deltas[0]}/{total} agree; working days later(+)/earlier(-) than computed: {spread or '-'}")
    for source, name, said, case in differ if show else []:
        print(f"  {name}: {source} says {said}, computed {case.due} ({case.evidence.get('due', {}).get('basis')})")


if __name__ == "__main__":
    main()
