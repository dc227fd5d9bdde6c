"""Re-order the top candidate passages of a search before the per-document cap and the cut to k.

Fusion puts first the passages that share the question's wording, and in an FOI thread
the passage most like the question is the requester's own message ("Please provide the
total spend on agency staff ..."), which answers nothing, while the response's figure
list embeds far from the question (README, "Answer quality"). So the first
`candidates` passages of the fused ranking are re-ordered by

    - position_weight x rank / candidates                 (fusion's order, as a prior)
    + figure_weight x figure density    (only for a "how many / how much / cost" question)
    - requester_penalty               (a passage of the requester's message: FOI role
                                       "request", or a WhatDoTheyKnow sender)
    + year_weight                     (the question names a year or financial year and the
                                       passage or its title names it too, not in the requester's
                                       message: an authority answers the same question for many
                                       years, one thread each)

and the rest keep their order below them. Each hit keeps its `score` (its cosine), so
thresholds keep their meaning. The weights were chosen on questions.jsonl + heldout.jsonl.
`search` re-orders; `ask` reads fusion's passages (re-ordering them lowered citation precision).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.sentence_choice import years_in

_NUMERIC_INTENT = re.compile(r"\b(?:how (?:many|much)|numbers? of|costs?|spen[dt]|total|amount|figures?)\b", re.I)
_FIGURE = re.compile(r"£\s?\d|\b\d[\d,.]*\b")
_FIGURES_SATURATE = 20


@dataclass(frozen=True)
class Rescoring:
    """Weights of the re-ordering (see the module docstring); `candidates` 0 switches it off."""

    candidates: int = 0
    position_weight: float = 0.1
    figure_weight: float = 0.0
    requester_penalty: float = 0.0
    year_weight: float = 0.0

    def __bool__(self) -> bool:
        return self.candidates > 1 and bool(self.figure_weight or self.requester_penalty or self.year_weight)


def numeric_intent(question: str) -> bool:
    """True for a question whose answer is a figure: how many, how much, cost, spend, total, number of."""
    return bool(_NUMERIC_INTENT.search(question))


def figure_density(text: str) -> float:
    """Figures (money, counts, years) in `text`, as a share of `_FIGURES_SATURATE` (at most 1)."""
    return min(len(_FIGURE.findall(text)), _FIGURES_SATURATE) / _FIGURES_SATURATE


def from_requester(metadata: dict) -> bool:
    """True for the requester's message: its FOI role is "request", or it was not sent by the authority."""
    foi = metadata.get("foi")
    return isinstance(foi, dict) and (foi.get("role") == "request" or foi.get("from_authority") is False)


def rescore(pairs: list, question: str, rescoring: Rescoring) -> list:
    """`pairs` (hit, document), best first, with the first `rescoring.candidates` re-ordered."""
    head, tail = pairs[: rescoring.candidates], pairs[rescoring.candidates :]
    if len(head) < 2:
        return pairs
    numeric = numeric_intent(question)
    asked = years_in(question) if rescoring.year_weight else set()

    def value(position: int) -> float:
        hit = head[position][0]
        score = -rescoring.position_weight * position / rescoring.candidates
        if numeric:
            score += rescoring.figure_weight * figure_density(hit.text)
        if from_requester(hit.metadata):  # it names the asked year too, and answers nothing
            score -= rescoring.requester_penalty
        elif asked and asked & years_in(f"{hit.title}\n{hit.text}"):
            score += rescoring.year_weight
        return score

    values = [value(i) for i in range(len(head))]
    order = sorted(range(len(head)), key=lambda i: (-values[i], i))
    return [head[i] for i in order] + tail


def capped(pairs: list, *, k: int, per_document: int) -> list:
    """The first `k` of `pairs` with at most `per_document` from one document, renumbered from 1."""
    taken: dict[str, int] = {}
    chosen = []
    for hit, document in pairs:
        if taken.get(hit.doc_id, 0) >= per_document:
            continue
        taken[hit.doc_id] = taken.get(hit.doc_id, 0) + 1
        chosen.append((replace(hit, rank=len(chosen) + 1), document))
        if len(chosen) == k:
            break
    return chosen
