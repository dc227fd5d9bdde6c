"""Fit the abstention model of `assistant/abstain.py` on labelled and generated questions.

Usage:
    python benchmarks/fit_abstention.py --index FULL --demo-index DEMO [--save EXAMPLES.json]

FULL holds the whole `../shared/corpus`, DEMO the demo corpus (`foi demo --no-serve` builds
./demo-index). Training examples, each the signals of one `ask` and whether it should answer:

- every question of examples/eval/questions.jsonl and heldout.jsonl against FULL (as labelled);
- the same answerable questions against DEMO, whose corpus does not answer them (negatives);
- examples/eval/demo.jsonl against DEMO (as labelled) and, all unanswerable, against FULL.

examples/eval/blind2.jsonl is never used here: it measures the fitted model afterwards.
Prints the weights to paste into assistant/abstain.py and the training abstention metrics.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant import Assistant  # noqa: E402
from assistant.abstain import SIGNALS  # noqa: E402
from assistant.evaluation import load_questions  # noqa: E402

EVAL = REPO / "examples" / "eval"


def _signals(assistant: Assistant, questions, answerable) -> list[tuple[list[float], int]]:
    rows = []
    for question in questions:
        answer = assistant.ask(question.question)
        if answer.signals:  # no signals: nothing quotable was retrieved, always an abstention
            rows.append(([answer.signals[name] for name in SIGNALS], int(answerable(question))))
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 20000, rate: float = 0.5):
    """Logistic regression by gradient descent; classes weighted to count equally."""
    w, b = np.zeros(x.shape[1]), 0.0
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        grad = weight * (p - y)
        w -= rate * (x.T @ grad / len(y) + l2 * w)
        b -= rate * grad.mean()
    return w, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--demo-index", required=True)
    parser.add_argument("--save", metavar="FILE.json", help="also write the examples (signals, label) here")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    # Confidence 0: never abstain by the model, so every question reports its signals.
    options = {"show_progress": False, "abstention": "evidence", "abstain_confidence_below": 0.0}
    full = Assistant.open(args.index, **options)
    demo = Assistant.open(args.demo_index, **options)
    labelled = [q for name in ("questions.jsonl", "heldout.jsonl") for q in load_questions(EVAL / name)]
    demo_questions = load_questions(EVAL / "demo.jsonl")
    rows = _signals(full, labelled, lambda q: q.answerable)
    rows += _signals(demo, [q for q in labelled if q.answerable], lambda q: False)
    rows += _signals(demo, demo_questions, lambda q: q.answerable)
    rows += _signals(full, demo_questions, lambda q: False)
    if args.save:
        Path(args.save).write_text(json.dumps({"signals": SIGNALS, "rows": rows}), encoding="utf-8")
    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([r[1] for r in rows], dtype=float)
    w, b = fit(x, y)
    p = 1 / (1 + np.exp(-(x @ w + b)))
    abstain = p < 0.5
    print(f"{len(y)} examples, {int(y.sum())} should answer, {int(len(y) - y.sum())} should abstain")
    print("WEIGHTS = {" + ", ".join(f'"{n}": {v:.3f}' for n, v in zip(SIGNALS, w)) + "}")
    print(f"BIAS = {b:.3f}")
    correct = abstain == (y == 0)
    print(
        f"training: accuracy {correct.mean():.3f}, abstention precision "
        f"{(y[abstain] == 0).mean() if abstain.any() else float('nan'):.3f}, "
        f"recall {abstain[y == 0].mean():.3f}; answerable wrongly abstaining {int((abstain & (y == 1)).sum())}"
    )


if __name__ == "__main__":
    main()
