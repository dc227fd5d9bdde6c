"""The words of questions and texts, stemmed alike, and how much of a question a text covers."""

from __future__ import annotations

import math
import re

_STOPWORDS = frozenset(
    "a an and any are as at be been by can could did do does for from had has have how i in is it its "
    "many me much of on or our please should tell than that the their them there these they this those "
    "to was we were what when where which who whom why will with would you your about into per any "
    "confirm confirmed use used uses using".split()
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_terms(question: str) -> set[str]:
    """The stemmed words of `question` without stopwords."""
    words = re.findall(r"[\w£/.-]+", question.lower())
    return {_stem(w.strip(".-")) for w in words if w.strip(".-") and w.strip(".-") not in _STOPWORDS}


def terms_of(sentence: str) -> set[str]:
    """The stemmed words of `sentence`."""
    return {_stem(w.strip(".-")) for w in re.findall(r"[\w£/.-]+", sentence.lower())}


def with_compounds(terms, present: set[str]) -> set[str]:
    """`present` plus each of `terms` that it holds only as part of a compound or split apart.

    "street lights" asked, "streetlights" written (or the reverse): the words are the same,
    the spacing is not. Parts are at least three letters long, so "a" + "ward" is not "award".
    """
    terms = [t for t in terms if len(t) >= 3]
    added: set[str] = set()
    for first in terms:
        for second in terms:
            joined = first + second
            if first != second and any(p.startswith(joined) for p in present if p[:3] == joined[:3]):
                added.update((first, second))
        for cut in range(3, len(first) - 2):
            head, tail = first[:cut], first[cut:]
            if head in present and any(p.startswith(tail) or _stem(tail) == p for p in present if p[:3] == tail[:3]):
                added.add(first)
                break
    return present | added


def idf_weights(terms, counts: dict[str, int], total: int) -> dict[str, float]:
    """{term: inverse document frequency} of `terms` in a collection of `total` documents, `counts` holding them."""
    return {t: math.log((total + 1) / (counts.get(t, 0) + 0.5)) for t in terms}


def question_terms(question: str) -> list[str]:
    """The question's content words, stemmed (numbers and codes left to retrieval)."""
    return sorted(t for t in content_terms(question) if t.isalpha() and len(t) > 2)


def evidence_coverage(terms: list[str], passages: list[str], counts: dict[str, int], total: int) -> float:
    """Share of the question's information (IDF-weighted words) found in the passages.

    A question about something the documents never mention (a word absent from the
    corpus, or from every retrieved passage) scores low even when its other words match.
    """
    if not terms:
        return 1.0
    present = set().union(*(terms_of(text) for text in passages)) if passages else set()
    present = with_compounds(terms, present)
    weights = idf_weights(terms, counts, total)
    found = sum(w for t, w in weights.items() if any(p.startswith(t) for p in present if p[:3] == t[:3]))
    return found / (sum(weights.values()) or 1.0)
