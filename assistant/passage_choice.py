"""Which passages of a document fill its places in a ranking.

Fusion ranks documents well, but inside a document the passages it puts first are
often not the ones that answer: the answering passage of a long response is its
third or fourth chunk, or a figure list the embedding ranks below the prose around
it (README, "Answer quality"). So the documents keep the places fusion gave them,
and each document's places go to its passages that best cover the question's rare
words — and, for a "how many / how much" question, that carry figures.
"""

from __future__ import annotations

import math
import re

from assistant.terms import question_terms, terms_of

_NUMERIC_INTENT = re.compile(r"\b(?:how (?:many|much)|numbers? of|costs?|spen[dt]|total|amount|figures?)\b", re.I)
_FIGURE = re.compile(r"£\s?\d|\b\d[\d,.]*\b")
_FIGURES_SATURATE = 20


def choose_passages(pairs: list, question: str, counts: tuple[int, dict[str, int]], *, k: int, per_document: int,
                    term_weight: float, figure_weight: float) -> list:
    """The top `k` of `pairs` (hit, document) under the per-document cap, document places
    as ranked, each filled by that document's best passage by score + term and figure bonus.

    Args:
        pairs: Ranked (hit, document) pairs, several per document (fetched uncapped).
        question: The query.
        counts: (passages, {term: passages holding it}) for `question_terms(question)`.
        k: Places to fill.
        per_document: At most this many places per document.
        term_weight: Weight of the IDF-weighted share of the question's words in a passage.
        figure_weight: Weight of the passage's figures, for numeric questions only.
    """
    places: list[str] = []
    taken: dict[str, int] = {}
    for hit, _ in pairs:
        if taken.get(hit.doc_id, 0) < per_document:
            taken[hit.doc_id] = taken.get(hit.doc_id, 0) + 1
            places.append(hit.doc_id)
            if len(places) == k:
                break
    total, document_counts = counts
    weights = {t: math.log((total + 1) / (document_counts.get(t, 0) + 0.5)) for t in question_terms(question)}
    numeric = bool(_NUMERIC_INTENT.search(question))

    def bonus(hit) -> float:
        present = terms_of(hit.text)
        found = sum(w for t, w in weights.items() if any(p.startswith(t) for p in present if p[:3] == t[:3]))
        value = term_weight * found / (sum(weights.values()) or 1.0)
        if numeric:
            value += figure_weight * min(len(_FIGURE.findall(hit.text)), _FIGURES_SATURATE) / _FIGURES_SATURATE
        return value

    by_document: dict[str, list] = {}
    for position, pair in enumerate(pairs):
        by_document.setdefault(pair[0].doc_id, []).append((pair[0].score + bonus(pair[0]), -position, pair))
    for options in by_document.values():
        options.sort(key=lambda option: (option[0], option[1]), reverse=True)
    used: dict[str, int] = {}
    chosen = []
    for doc_id in places:
        index = used.get(doc_id, 0)
        used[doc_id] = index + 1
        chosen.append(by_document[doc_id][index][2])
    return [(_reranked(hit, rank), document) for rank, (hit, document) in enumerate(chosen, start=1)]


def _reranked(hit, rank: int):
    from dataclasses import replace

    return replace(hit, rank=rank)
