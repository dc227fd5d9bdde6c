"""How often `ask` quotes the evidence itself: the share of answerable questions whose answer
contains one of their evidence strings (`foi eval` measures retrieval, not the quote).

Usage:
    python benchmarks/answer_evidence.py --index DIR [--questions examples/eval/tables.jsonl] [--misses]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=REPO / "examples" / "eval" / "tables.jsonl")
    parser.add_argument("--misses", action="store_true", help="print the answers that miss their evidence")
    args = parser.parse_args()
    assistant = Assistant.open(args.index, show_progress=False)
    questions = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    answerable = [q for q in questions if q.get("answerable", True) and q.get("evidence")]
    quoted = 0
    for question in answerable:
        answer = assistant.ask(question["question"])
        hit = any(evidence in answer.answer for evidence in question["evidence"])
        quoted += hit
        if args.misses and not hit:
            print(f"MISS {question['id']}: {answer.answer[:300]}", file=sys.stderr)
    print(json.dumps({
        "questions": len(answerable), "answer_quotes_evidence": quoted,
        "share": round(quoted / max(len(answerable), 1), 3), "load": os.getloadavg(),
    }))


if __name__ == "__main__":
    main()
