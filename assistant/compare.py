"""Compare responses across authorities, and find earlier requests like a draft.

`compare` answers "which forces confirmed X, which refused, and under what":
one row per relevant response with its FOI fields and the sentence that carries
the answer. `similar` finds previous requests that asked the same thing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.answer import best_sentences
from assistant.foi import foi_meta
from index.search import Hit

COMPARE_FIELDS = [
    "authority", "reference", "date", "outcome", "exemptions", "sentence",
    "citation", "path", "part", "doc_id", "start", "end", "score",
]


@dataclass(frozen=True)
class ComparisonRow:
    """One response in a comparison; `sentence == document.text[start:end]`."""

    authority: str | None
    reference: str | None
    date: str | None
    outcome: str | None
    exemptions: list[str]
    sentence: str
    citation: str
    path: str
    part: str | None
    doc_id: str
    start: int
    end: int
    score: float

    def to_dict(self) -> dict:
        return asdict(self)


def comparison_rows(assistant, topic: str, *, limit: int = 20, **filters) -> list[ComparisonRow]:
    """One row per document relevant to `topic` (best first), with its answer sentence.

    Args:
        assistant: An opened Assistant.
        topic: What the responses are about, e.g. "facial recognition".
        limit: At most this many rows.
        **filters: FOI filters passed on to `Assistant.search`.
    """
    result = assistant.search(topic, k=limit, per_document=1, **filters)
    vector = assistant.embedder.embed([topic])[0]
    picks = best_sentences(topic, vector, [(hit, assistant.document(hit.doc_id)) for hit in result.hits],
                           assistant.embedder)
    rows = []
    for hit in result.hits:
        start, end = picks.get(hit.doc_id, (hit.start, hit.end))
        document = assistant.document(hit.doc_id)
        meta = foi_meta(hit.metadata)
        rows.append(
            ComparisonRow(
                authority=meta["authority"],
                reference=hit.metadata.get("reference"),
                date=hit.metadata.get("date_display"),
                outcome=meta["thread_outcome"] or meta["outcome"],
                exemptions=[e.get("code", "") for e in meta["exemptions"] if e.get("applied", True)],
                sentence=document.text[start:end] if document else hit.text,
                citation=assistant.citation(hit),
                path=hit.path,
                part=hit.part,
                doc_id=hit.doc_id,
                start=start,
                end=end,
                score=hit.score,
            )
        )
    return rows


def similar_requests(assistant, text: str, *, limit: int = 10) -> list[ComparisonRow]:
    """Earlier requests that asked much the same as `text` (a draft request), with outcomes."""
    rows = comparison_rows(assistant, text, limit=limit * 3)
    requests = [row for row in rows if _role(assistant, row.doc_id) in (None, "request")]
    return (requests or rows)[:limit]


def _role(assistant, doc_id: str) -> str | None:
    document = assistant.document(doc_id)
    return foi_meta(document.metadata)["role"] if document else None


def write_csv(rows: Iterable[ComparisonRow], path: Path) -> None:
    """Write comparison rows as CSV (formula-like cells neutralised)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COMPARE_FIELDS)
        writer.writeheader()
        for row in rows:
            record = row.to_dict()
            record["exemptions"] = "; ".join(record["exemptions"])
            writer.writerow({key: csv_safe(record[key]) for key in COMPARE_FIELDS})


def csv_safe(value):
    """`value`, with a leading quote if a spreadsheet would run it as a formula."""
    # A cell starting with = + - @ is run as a formula by spreadsheets (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


__all__ = ["ComparisonRow", "comparison_rows", "similar_requests", "write_csv", "Hit"]
