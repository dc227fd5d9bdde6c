"""Measure retrieval and answers against a set of questions with known answers.

A question set is a JSONL file, one question per line::

    {"id": "wmp-bwv", "question": "Does West Midlands Police use body cameras?",
     "relevant": ["wmp/wmp-pcc-2019-01031-tools-and-tactics.txt"],
     "evidence": ["Body worn video cameras – I can confirm"], "answerable": true}

`relevant` lists files relative to the folder that was ingested (the *root*);
a search hit is relevant when its file is one of them. An mbox counts as one
document however many messages of it are hit. `evidence` holds short verbatim
strings that a good passage contains. Unanswerable questions (the corpus does
not hold the answer) only count towards abstention accuracy.

Document metrics are computed over the distinct files of the top-`k` passages,
each counted once at the rank where it first appears.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from assistant.eval_questions import EvaluationError, Question, load_questions  # noqa: F401 - part of this API
from index.search import Hit

logger = logging.getLogger(__name__)

CUTOFFS = (1, 5, 10)
EVIDENCE_DEPTH = 5
RANK_DEPTH = 10

SearchFn = Callable[[str, int], list[Hit]]
AskFn = Callable[[str], object]
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class QuestionResult:
    """What retrieval and answering did for one question.

    Retrieval fields are None for unanswerable questions; `evidence_hit_at_5`
    is None without evidence strings; `citation_precision` is None when the
    question is unanswerable, the answer abstained or cited nothing.
    """

    id: str
    kind: str
    answerable: bool
    documents: list[str]
    first_relevant_rank: int | None
    recall: dict[int, float] | None
    reciprocal_rank: float | None
    ndcg_at_10: float | None
    evidence_hit_at_5: bool | None
    abstained: bool
    abstention_correct: bool
    citations: int
    citation_precision: float | None
    search_ms: float
    ask_ms: float


@dataclass(frozen=True)
class Summary:
    """Metrics averaged over a group of questions; None when nothing was measured.

    Attributes:
        questions: Questions in the group.
        answerable: Of which answerable; retrieval metrics average over these.
        with_evidence: Answerable questions with evidence strings.
        answered: Answerable questions whose answer did not abstain and cited something.
    """

    questions: int
    answerable: int
    with_evidence: int
    answered: int
    recall_at_1: float | None
    recall_at_5: float | None
    recall_at_10: float | None
    mrr_at_10: float | None
    ndcg_at_10: float | None
    evidence_hit_at_5: float | None
    citation_precision: float | None
    abstention_accuracy: float | None
    search_ms_p50: float | None
    search_ms_p95: float | None
    ask_ms_p50: float | None
    ask_ms_p95: float | None
    # Of the answers that abstained, the share on unanswerable questions; of the
    # unanswerable questions, the share that abstained.
    abstention_precision: float | None = None
    abstention_recall: float | None = None


@dataclass(frozen=True)
class EvaluationReport:
    """The overall summary, one summary per question kind, and every question's result."""

    k: int
    root: str
    overall: Summary
    by_kind: dict[str, Summary]
    results: list[QuestionResult]

    def to_dict(self) -> dict:
        """A JSON-ready dict (recall keys become "recall_at_N")."""
        data = asdict(self)
        for result in data["results"]:
            recall = result.pop("recall")
            for cutoff in CUTOFFS:
                result[f"recall_at_{cutoff}"] = None if recall is None else recall[cutoff]
        return data

    def format_table(self, *, per_question: bool = True) -> str:
        """A plain-text report: overall metrics, one row per kind, then one row per question."""
        from assistant.evaluation_table import format_table

        return format_table(self, per_question=per_question)


# Scoring -------------------------------------------------------------------


def normalise(text: str) -> str:
    """Whitespace collapsed to single spaces and case folded, for evidence matching."""
    return " ".join(text.split()).casefold()


def ranked_documents(paths: Iterable[str], root: Path) -> list[str]:
    """Hit paths relative to `root`, each file once, in order of first appearance."""
    documents: list[str] = []
    for path in paths:
        relative = _relative(path, root)
        if relative not in documents:
            documents.append(relative)
    return documents


def _relative(path: str, root: Path) -> str:
    resolved = Path(path).resolve()  # relative hit paths are relative to the cwd of the ingest
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return resolved.as_posix()


def document_metrics(
    documents: Sequence[str], relevant: Iterable[str]
) -> tuple[dict[int, float], float, float, int | None]:
    """Recall at each cutoff, reciprocal rank and nDCG at 10, first relevant rank (1-based).

    Args:
        documents: Ranked distinct documents.
        relevant: The relevant documents (binary relevance).
    """
    relevant = set(relevant)
    ranks = [rank for rank, doc in enumerate(documents, start=1) if doc in relevant]
    recall = {cutoff: sum(1 for r in ranks if r <= cutoff) / len(relevant) for cutoff in CUTOFFS}
    first = ranks[0] if ranks else None
    reciprocal = 1.0 / first if first is not None and first <= RANK_DEPTH else 0.0
    dcg = sum(1.0 / math.log2(r + 1) for r in ranks if r <= RANK_DEPTH)
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(relevant), RANK_DEPTH) + 1))
    return recall, reciprocal, dcg / ideal, first


def evidence_found(texts: Iterable[str], evidence: Iterable[str]) -> bool:
    """True when some text contains some evidence string, ignoring case and whitespace."""
    needles = [normalise(e) for e in evidence]
    return any(needle in normalise(text) for text in texts for needle in needles)


# Running -------------------------------------------------------------------


def evaluate(
    assistant,
    questions: Sequence[Question],
    *,
    root: str | Path,
    k: int = 10,
    search: SearchFn | None = None,
    ask: AskFn | None = None,
    progress: ProgressFn | None = None,
) -> EvaluationReport:
    """Run every question through search and ask and score the results.

    Args:
        assistant: An open `Assistant` (only used for the default search and ask).
        questions: From `load_questions`.
        root: The folder the `relevant` paths are relative to: the folder that was ingested.
        k: Passages retrieved per question; document metrics use their distinct files.
        search: `search(query, k) -> list[Hit]`; default `assistant.search(...).hits`.
            Lets other retrievers (lexical, hybrid) be measured the same way.
        ask: `ask(question) -> Answer`; default `assistant.ask`.
        progress: Called with (done, total) after each question.

    One untimed search runs first, so model loading does not count as latency.

    Returns:
        The report, with overall, per-kind and per-question results.

    Raises:
        EvaluationError: `root` is not a folder, or none of the relevant files exist under it.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise EvaluationError(f"root {root} is not a folder; pass the folder the relevant paths are relative to")
    if k < 1:
        raise EvaluationError(f"k must be at least 1, got {k}")
    _check_relevant_exist(questions, root)
    search = search or (lambda query, n: assistant.search(query, k=n).hits)
    ask = ask or assistant.ask
    # The first call loads the model and opens the index; keep that out of the latencies.
    search(questions[0].question, k)
    results = []
    for done, question in enumerate(questions, start=1):
        results.append(_run_one(question, root, k, search, ask))
        if progress:
            progress(done, len(questions))
    kinds = sorted({r.kind for r in results if r.kind})
    return EvaluationReport(
        k=k,
        root=str(root),
        overall=summarise(results),
        by_kind={kind: summarise([r for r in results if r.kind == kind]) for kind in kinds},
        results=results,
    )


def _check_relevant_exist(questions: Sequence[Question], root: Path) -> None:
    paths = {p for q in questions for p in q.relevant}
    missing = sorted(p for p in paths if not (root / p).exists())
    if paths and len(missing) == len(paths):
        raise EvaluationError(
            f"none of the {len(paths)} relevant files exist under {root} (e.g. {missing[0]}); "
            "is --root the folder that was ingested?"
        )
    for path in missing:
        logger.warning("relevant file %s does not exist under %s", path, root)


def _run_one(question: Question, root: Path, k: int, search: SearchFn, ask: AskFn) -> QuestionResult:
    started = time.perf_counter()
    hits = search(question.question, k)
    search_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    answer = ask(question.question)
    ask_ms = (time.perf_counter() - started) * 1000

    documents = ranked_documents([hit.path for hit in hits], root)
    recall = reciprocal = ndcg = first = evidence_hit = precision = None
    if question.answerable:
        recall, reciprocal, ndcg, first = document_metrics(documents, question.relevant)
        if question.evidence:
            evidence_hit = evidence_found([hit.text for hit in hits[:EVIDENCE_DEPTH]], question.evidence)
        if not answer.abstained and answer.citations:
            cited = [_relative(c.path, root) in question.relevant for c in answer.citations]
            precision = sum(cited) / len(cited)
    return QuestionResult(
        id=question.id,
        kind=question.kind,
        answerable=question.answerable,
        documents=documents[:RANK_DEPTH],
        first_relevant_rank=first,
        recall=recall,
        reciprocal_rank=reciprocal,
        ndcg_at_10=ndcg,
        evidence_hit_at_5=evidence_hit,
        abstained=answer.abstained,
        abstention_correct=answer.abstained == (not question.answerable),
        citations=len(answer.citations),
        citation_precision=precision,
        search_ms=round(search_ms, 1),
        ask_ms=round(ask_ms, 1),
    )


def summarise(results: Sequence[QuestionResult]) -> Summary:
    """Macro-averaged metrics of a group of results (each question weighs the same)."""
    answerable = [r for r in results if r.answerable]
    with_evidence = [r for r in answerable if r.evidence_hit_at_5 is not None]
    answered = [r for r in answerable if r.citation_precision is not None]
    return Summary(
        questions=len(results),
        answerable=len(answerable),
        with_evidence=len(with_evidence),
        answered=len(answered),
        recall_at_1=_mean(r.recall[1] for r in answerable),
        recall_at_5=_mean(r.recall[5] for r in answerable),
        recall_at_10=_mean(r.recall[10] for r in answerable),
        mrr_at_10=_mean(r.reciprocal_rank for r in answerable),
        ndcg_at_10=_mean(r.ndcg_at_10 for r in answerable),
        evidence_hit_at_5=_mean(float(r.evidence_hit_at_5) for r in with_evidence),
        citation_precision=_mean(r.citation_precision for r in answered),
        abstention_accuracy=_mean(float(r.abstention_correct) for r in results),
        abstention_precision=_mean(float(not r.answerable) for r in results if r.abstained),
        abstention_recall=_mean(float(r.abstained) for r in results if not r.answerable),
        search_ms_p50=_percentile([r.search_ms for r in results], 50),
        search_ms_p95=_percentile([r.search_ms for r in results], 95),
        ask_ms_p50=_percentile([r.ask_ms for r in results], 50),
        ask_ms_p95=_percentile([r.ask_ms for r in results], 95),
    )


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else None


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None
