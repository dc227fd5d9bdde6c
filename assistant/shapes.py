"""The JSON shape of hits, citations and answers: one place for the CLI, the UI endpoints and exports.

Two hand-built dicts for the same thing drift apart (`meta` in one, `metadata` in
the other), so every `--json` output and every named UI endpoint builds its
records here. The shapes are documented in the README ("JSON shapes").
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer import Answer, Citation
from assistant.foi import foi_meta
from index.search import Hit


def hit_json(hit: Hit, citation: str) -> dict:
    """A search hit with its citation line and FOI fields (`search --json` hits)."""
    return {
        "rank": hit.rank,
        "score": hit.score,
        "doc_id": hit.doc_id,
        "path": hit.path,
        "part": hit.part,
        "title": hit.title,
        "kind": hit.kind,
        "page": hit.page,
        "page_end": hit.page_end,
        "start": hit.start,
        "end": hit.end,
        "text": hit.text,
        "citation": citation,
        "also_in": hit.also_in,
        "also_in_ids": list(hit.also_in_ids),
        "rerank_score": hit.rerank_score,
        "ocr": hit.ocr,
        "sheet": hit.sheet,
        "rows": list(hit.rows) if hit.rows else None,
        "meta": foi_meta(hit.metadata),
    }


def citation_json(citation: Citation) -> dict:
    """One numbered citation of an answer (`ask --json` citations)."""
    return {
        "n": citation.n,
        "doc_id": citation.doc_id,
        "path": citation.path,
        "part": citation.part,
        "title": citation.title,
        "page": citation.page,
        "start": citation.start,
        "end": citation.end,
        "quote": citation.quote,
        "citation": citation.citation,
        "ocr": citation.ocr,
        "sheet": citation.sheet,
        "rows": list(citation.rows) if citation.rows else None,
        "meta": foi_meta(citation.metadata),
    }


def answer_json(answer: Answer, cite: Callable[[Hit], str]) -> dict:
    """An answer (`ask --json`); `passages`, the nearest passages, only when it abstained.

    Args:
        answer: What `Assistant.ask` returned.
        cite: The citation line of a hit (`Assistant.citation`).
    """
    return {
        "question": answer.question,
        "answer": answer.answer,
        "citations": [citation_json(citation) for citation in answer.citations],
        "abstained": answer.abstained,
        "filters_from_question": answer.filters,
        "matching": answer.matching,
        "passages": [hit_json(hit, cite(hit)) for hit in answer.passages] if answer.abstained else [],
        "answer_mode": answer.answer_mode,
        "dropped": [{"sentence": d["sentence"], "reason": d["reason"]} for d in answer.dropped],
        "note": answer.note,
    }
