"""The plain-text table `foi eval` prints for an evaluation report."""

from __future__ import annotations

from assistant.evaluation import EvaluationReport, Summary

_COLUMNS = [
    ("n", "questions", "{}"),
    ("R@1", "recall_at_1", "{:.3f}"),
    ("R@5", "recall_at_5", "{:.3f}"),
    ("R@10", "recall_at_10", "{:.3f}"),
    ("MRR@10", "mrr_at_10", "{:.3f}"),
    ("nDCG@10", "ndcg_at_10", "{:.3f}"),
    ("Ev@5", "evidence_hit_at_5", "{:.3f}"),
    ("CitePrec", "citation_precision", "{:.3f}"),
    ("AbstAcc", "abstention_accuracy", "{:.3f}"),
    ("AbstP", "abstention_precision", "{:.3f}"),
    ("AbstR", "abstention_recall", "{:.3f}"),
    ("search p50/p95 ms", ("search_ms_p50", "search_ms_p95"), "{:.0f}/{:.0f}"),
    ("ask p50/p95 ms", ("ask_ms_p50", "ask_ms_p95"), "{:.0f}/{:.0f}"),
]


def _cell(summary: Summary, key, fmt: str) -> str:
    keys = key if isinstance(key, tuple) else (key,)
    values = [getattr(summary, name) for name in keys]
    return "-" if any(v is None for v in values) else fmt.format(*values)


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def format_table(report: EvaluationReport, *, per_question: bool) -> str:
    """`foi eval`'s plain-text report: overall metrics, one row per kind, then (optionally) one row per question."""
    o = report.overall
    out = [
        f"Evaluation of {o.questions} questions ({o.answerable} answerable, "
        f"{o.questions - o.answerable} unanswerable), k={report.k}, root {report.root}",
        "Retrieval metrics over answerable questions, by distinct file; "
        f"Ev@5 over {o.with_evidence} with evidence; CitePrec over {o.answered} answered; AbstAcc over all.",
        "",
    ]
    header = ["group"] + [name for name, _, _ in _COLUMNS]
    rows = [["all"] + [_cell(o, key, fmt) for _, key, fmt in _COLUMNS]]
    rows += [[kind] + [_cell(s, key, fmt) for _, key, fmt in _COLUMNS] for kind, s in report.by_kind.items()]
    out += _grid(header, rows)
    if per_question:
        out += ["", "Per question (rank = first relevant file among distinct files; '-' = not found or n/a):", ""]
        header = ["id", "kind", "rank", "R@5", "nDCG", "Ev@5", "cites", "CitePrec", "abstained", "ok", "ms s/a"]
        rows = [
            [
                r.id,
                r.kind or "-",
                "-" if r.first_relevant_rank is None else str(r.first_relevant_rank),
                "-" if r.recall is None else f"{r.recall[5]:.2f}",
                "-" if r.ndcg_at_10 is None else f"{r.ndcg_at_10:.2f}",
                "-" if r.evidence_hit_at_5 is None else ("yes" if r.evidence_hit_at_5 else "no"),
                str(r.citations),
                "-" if r.citation_precision is None else f"{r.citation_precision:.2f}",
                "yes" if r.abstained else "no",
                "yes" if r.abstention_correct else "NO",
                f"{r.search_ms:.0f}/{r.ask_ms:.0f}",
            ]
            for r in report.results
        ]
        out += _grid(header, rows)
    return "\n".join(out)
