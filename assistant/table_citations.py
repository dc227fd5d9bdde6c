"""Spreadsheet citations: which sheet and rows a quote comes from."""

from __future__ import annotations

import dataclasses

from assistant.answer import Answer
from assistant.citations import table_location
from index.store import Store


def with_table_rows(store: Store, answer: Answer) -> Answer:
    """`answer` with each spreadsheet citation's `sheet` and `rows` set from its quote's span,
    and its citation line ending in `sheet "NAME", rows 2–8`; other citations are unchanged."""
    citations = []
    for citation in answer.citations:
        table = store.rows_in_span(citation.doc_id, citation.start, citation.end)
        if table is not None:
            sheet, first, last = table
            citation = dataclasses.replace(
                citation,
                sheet=sheet,
                rows=(first, last),
                citation=f"{citation.citation} — {table_location(sheet, (first, last))}",
            )
        citations.append(citation)
    return dataclasses.replace(answer, citations=citations)
