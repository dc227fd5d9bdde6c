"""Every answer of the labelled sets with what it cited and why it answered: for error analysis.

Usage:
    python benchmarks/answer_errors.py --index DIR [--root ../shared/corpus] --out FILE.jsonl
        [--questions examples/eval/questions.jsonl ...] [--against NAME=DIR ...] [--set NAME=VALUE ...]

Runs `ask` on every question with `abstain_confidence_below` 0, so every question reports the
sentences it would quote and the abstention signals (`Answer.signals`), and writes one JSON line
per question: set, id, kind, answerable, relevant, confidence, signals, abstained (nothing was
quotable), and each citation's file (relative to the root), whether it is relevant, and its quote.
`--against demo=DIR` also asks every answerable question against another index (whose corpus
does not answer it): the generated negatives of `benchmarks/fit_abstention.py`.

Prints the wrong citations and, for the shipped threshold, the wrong abstentions.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant import Assistant  # noqa: E402
from assistant.evaluation import _relative, load_questions  # noqa: E402
from assistant.settings import Settings  # noqa: E402

SETS = ["examples/eval/questions.jsonl", "examples/eval/heldout.jsonl", "examples/eval/blind2.jsonl",
        "examples/eval/blind3.jsonl", "examples/eval/blind4.jsonl"]


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def ask_all(assistant: Assistant, path: str, root: Path, *, against: str | None = None) -> list[dict]:
    """One record per question of `path` (only the answerable ones, as negatives, with `against`)."""
    rows = []
    for question in load_questions(path):
        if against and not question.answerable:
            continue
        answer = assistant.ask(question.question)
        relevant = set(question.relevant) if not against else set()
        rows.append({
            "set": Path(path).stem + (f"@{against}" if against else ""),
            "id": question.id,
            "kind": question.kind,
            "question": question.question,
            "answerable": question.answerable and not against,
            "relevant": sorted(relevant),
            "confidence": answer.confidence,
            "signals": answer.signals,
            "abstained": answer.abstained,
            "citations": [
                {"file": _relative(c.path, root), "relevant": _relative(c.path, root) in relevant,
                 "quote": " ".join(c.quote.split())[:300]}
                for c in answer.citations
            ],
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--root", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--questions", nargs="+", default=[str(REPO / s) for s in SETS])
    parser.add_argument("--against", action="append", default=[], metavar="NAME=DIR")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    overrides = {name: _value(value) for name, value in (item.split("=", 1) for item in args.set)}
    options = {"show_progress": False, "abstain_confidence_below": 0.0, **overrides}
    root = Path(args.root).resolve()
    rows = []
    full = Assistant.open(args.index, **options)
    for path in args.questions:
        rows += ask_all(full, path, root)
    for item in args.against:
        name, directory = item.split("=", 1)
        other = Assistant.open(directory, **options)
        for path in args.questions:
            rows += ask_all(other, path, root, against=name)
    Path(args.out).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    threshold = Settings().abstain_confidence_below
    for row in rows:
        wrong = [c for c in row["citations"] if not c["relevant"]]
        # A listing answer (from FOI metadata) carries no confidence and is never abstained on by it.
        shipped_abstains = row["abstained"] or (row["confidence"] is not None and row["confidence"] < threshold)
        if row["answerable"] and wrong and not shipped_abstains:
            print(f"WRONG CITATION {row['set']} {row['id']}: {row['question']}")
            for c in wrong:
                print(f"    {c['file']}: {c['quote'][:160]}")
        if row["answerable"] == shipped_abstains and "@" not in row["set"]:
            print(f"WRONG {'ABSTENTION' if shipped_abstains else 'ANSWER'} {row['set']} {row['id']} "
                  f"conf={row['confidence']} {row['signals']}: {row['question']}")
    print(f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
