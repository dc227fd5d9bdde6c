"""A question naming a request's reference shows that request's documents first.

"What was the outcome of West Midlands Police request 11435/17?" is a look-up: the user names
the request. Fusion ranked the response carrying FOI 11435/17 third, below other WMP
responses worded closer to "outcome of ... request". The documents whose FOI fields
carry a reference the question names (`ingest.foi.filters`: letters and digits equal) come
first, each by its best passages for the question, and the rest of the ranking follows.
A reference only mentioned in a text is left to the lexical ranking, which matches it exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant.sentence_choice import question_codes, request_references
from index.search import Hit


def referenced_first(
    question: str, hits: list[Hit], k: int, search_referenced: Callable[[str], list[Hit]]
) -> list[Hit]:
    """`hits` with the passages of `search_referenced(reference)` for each request reference in
    `question` moved or added to the front, cut to `k` and renumbered."""
    pinned: list[Hit] = []
    for reference in sorted(request_references(question_codes(question))):
        taken = {(h.doc_id, h.start) for h in pinned}
        pinned += [h for h in search_referenced(reference) if (h.doc_id, h.start) not in taken]
    if not pinned:
        return hits
    taken = {(h.doc_id, h.start) for h in pinned}
    ranked = pinned + [h for h in hits if (h.doc_id, h.start) not in taken]
    return [replace(hit, rank=rank) for rank, hit in enumerate(ranked[:k], start=1)]
