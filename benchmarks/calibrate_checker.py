"""Choose `llm_support_min` / `llm_coverage_min` from the lines `generative_check.py --dump` wrote.

Usage:
    python benchmarks/calibrate_checker.py LINES.jsonl [--fit questions heldout] [--support S --coverage C]

For each pair of thresholds on a grid, the share of each scripted kind the checker would keep
(a line is kept when its marker and fact checks passed and its similarity and coverage reach
both thresholds). The pair chosen maximises, on the `--fit` sets only, the mean keep rate of
the lines that should be kept (echo, paraphrase) minus the mean keep rate of those that should
be dropped (figure, miscited, unmarked); the other sets are reported with it, never used to choose.
The whole grid of that merit is printed, so a near-tie can be settled by judgement (`--support`,
`--coverage` report a chosen pair beside the shipped 0.6 / 0.6).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

GOOD, BAD = ("echo", "paraphrase"), ("figure", "miscited", "unmarked")
SUPPORT = [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85]
COVERAGE = [0.3, 0.4, 0.5, 0.6, 0.7]


def keep_rates(lines: list[dict], support_min: float, coverage_min: float) -> dict[str, float]:
    """{kind: share kept} at these thresholds."""
    kept, total = Counter(), Counter()
    for line in lines:
        total[line["label"]] += 1
        if line["reason"] is None and line["similarity"] >= support_min and line["coverage"] >= coverage_min:
            kept[line["label"]] += 1
    return {label: kept[label] / total[label] for label in total}


def merit(rates: dict[str, float]) -> float:
    good = [rates[k] for k in GOOD if k in rates]
    bad = [rates[k] for k in BAD if k in rates]
    return sum(good) / len(good) - sum(bad) / len(bad)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines")
    parser.add_argument("--fit", nargs="+", default=["questions", "heldout"])
    parser.add_argument("--support", type=float, help="report this pair instead of the best one (with --coverage)")
    parser.add_argument("--coverage", type=float)
    args = parser.parse_args()
    lines = [json.loads(row) for row in Path(args.lines).read_text(encoding="utf-8").splitlines()]
    fit = [line for line in lines if line["set"] in args.fit]
    grid = [(merit(keep_rates(fit, s, c)), s, c) for s in SUPPORT for c in COVERAGE]
    print(f"merit on {'+'.join(args.fit)} (rows llm_support_min, columns llm_coverage_min {COVERAGE}):")
    for s in SUPPORT:
        print(f"  {s:.2f}: " + " ".join(f"{m:.4f}" for m, gs, _ in grid if gs == s))
    _, support_min, coverage_min = max(grid, key=lambda g: (round(g[0], 3), g[1], g[2]))  # ties: the stricter pair
    if args.support is not None:
        support_min, coverage_min = args.support, args.coverage
    print(f"reported: llm_support_min={support_min} llm_coverage_min={coverage_min}")
    print("| set | thresholds | " + " | ".join(GOOD + BAD) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in GOOD + BAD) + " |")
    for name in sorted({line["set"] for line in lines}):
        subset = [line for line in lines if line["set"] == name]
        for label, (s, c) in (("0.6 / 0.6", (0.6, 0.6)), (f"{support_min} / {coverage_min}", (support_min, coverage_min))):
            rates = keep_rates(subset, s, c)
            print(f"| {name} | {label} | " + " | ".join(f"{rates.get(k, 0):.3f}" for k in GOOD + BAD) + " |")


if __name__ == "__main__":
    main()
