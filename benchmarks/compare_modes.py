"""Retrieval modes side by side on the evaluation set, in one run over one index.

dense only, BM25 only, hybrid, and hybrid with boilerplate demotion and collapsing.

Usage:
    python benchmarks/compare_modes.py --index DIR [--questions examples/eval/questions.jsonl]
        [--root ../shared/corpus] [--json]

The index must hold the documents of `--root` (e.g. `foi ingest ../shared/corpus --index DIR`).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant import Assistant  # noqa: E402
from assistant.evaluation import evaluate, load_questions  # noqa: E402

VARIANTS = [
    ("dense", {"search_mode": "dense", "boilerplate_penalty": 0.0, "collapse_boilerplate": False}),
    ("lexical (BM25)", {"search_mode": "lexical", "boilerplate_penalty": 0.0, "collapse_boilerplate": False}),
    ("hybrid", {"search_mode": "hybrid", "boilerplate_penalty": 0.0, "collapse_boilerplate": False}),
    # The defaults: hybrid, boilerplate demoted by settings.boilerplate_penalty and collapsed.
    ("hybrid + boilerplate (default)", {"search_mode": "hybrid"}),
]
COLUMNS = [
    ("R@1", "recall_at_1"), ("R@5", "recall_at_5"), ("R@10", "recall_at_10"), ("MRR@10", "mrr_at_10"),
    ("nDCG@10", "ndcg_at_10"), ("Ev@5", "evidence_hit_at_5"), ("CitePrec", "citation_precision"),
    ("AbstAcc", "abstention_accuracy"), ("search p50 ms", "search_ms_p50"), ("ask p50 ms", "ask_ms_p50"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=REPO / "examples" / "eval" / "questions.jsonl")
    parser.add_argument("--root", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    questions = load_questions(args.questions)
    rows = {}
    embedder = None
    for name, settings in VARIANTS:
        assistant = Assistant.open(args.index, embedder=embedder, show_progress=False, **settings)
        embedder = assistant.embedder  # one model for every variant
        report = evaluate(assistant, questions, root=args.root)
        rows[name] = {key: getattr(report.overall, key) for _, key in COLUMNS}
        print(f"[compare] {name} done", file=sys.stderr)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{len(questions)} questions from {args.questions.name}; index {args.index}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| mode | " + " | ".join(label for label, _ in COLUMNS) + " |")
    print("| --- " * (len(COLUMNS) + 1) + "|")
    for name, values in rows.items():
        cells = [f"{values[key]:.3f}" if isinstance(values[key], float) and "ms" not in key
                 else f"{values[key]:.0f}" if values[key] is not None else "-" for _, key in COLUMNS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\ncommand: python benchmarks/compare_modes.py " + shlex.join(sys.argv[1:]))


if __name__ == "__main__":
    main()
