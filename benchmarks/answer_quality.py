"""Answer quality of the default configuration on several question sets, in one table.

Usage:
    python benchmarks/answer_quality.py --index DIR [--root ../shared/corpus]
        [--questions examples/eval/questions.jsonl examples/eval/heldout.jsonl examples/eval/blind2.jsonl
            examples/eval/blind3.jsonl examples/eval/blind4.jsonl]
        [--set NAME=VALUE ...] [--json OUT]

One row per question set (and one for its numeric questions): document recall@5, MRR@10,
Ev@5 (a top-5 passage holds the evidence), citation precision (cited file is relevant),
abstention accuracy, precision and recall. `--set` overrides a setting (e.g.
`--set abstention=cosine`), so before and after can be measured on one index.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant import Assistant  # noqa: E402
from assistant.evaluation import evaluate, load_questions, summarise  # noqa: E402

SETS = ["examples/eval/questions.jsonl", "examples/eval/heldout.jsonl", "examples/eval/blind2.jsonl",
        "examples/eval/blind3.jsonl", "examples/eval/blind4.jsonl"]
COLUMNS = [
    ("n", "questions", "{}"), ("R@5", "recall_at_5", "{:.3f}"), ("MRR@10", "mrr_at_10", "{:.3f}"),
    ("Ev@5", "evidence_hit_at_5", "{:.3f}"), ("CitePrec", "citation_precision", "{:.3f}"),
    ("AbstAcc", "abstention_accuracy", "{:.3f}"), ("AbstP", "abstention_precision", "{:.3f}"),
    ("AbstR", "abstention_recall", "{:.3f}"), ("ask p50 ms", "ask_ms_p50", "{:.0f}"),
]


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--root", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--questions", nargs="+", default=[str(REPO / s) for s in SETS])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json", help="write every question's result to this file")
    args = parser.parse_args()
    overrides = {name: _value(value) for name, value in (item.split("=", 1) for item in args.set)}
    print("$ python " + " ".join(shlex.quote(a) for a in sys.argv), f"(load average {os.getloadavg()[0]:.1f})")
    assistant = Assistant.open(args.index, show_progress=False, **overrides)
    rows, dump = [], {}
    for path in args.questions:
        report = evaluate(assistant, load_questions(path), root=args.root, k=10)
        name = Path(path).stem
        rows.append((name, report.overall))
        numeric = [r for r in report.results if r.kind == "numeric"]
        if numeric:
            rows.append((f"{name} (numeric)", summarise(numeric)))
        dump[name] = [asdict(r) for r in report.results]
    header = ["set"] + [c[0] for c in COLUMNS]
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for name, summary in rows:
        cells = [name] + [
            "-" if getattr(summary, key) is None else fmt.format(getattr(summary, key)) for _, key, fmt in COLUMNS
        ]
        print("| " + " | ".join(cells) + " |")
    print(f"(load average at the end {os.getloadavg()[0]:.1f})")
    if args.json:
        Path(args.json).write_text(json.dumps(dump, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
