"""Which candidate sentences an answer quotes: relevant, not repetitive, and about the question.

A cited sentence is a claim that its document answers the question, so beyond
maximal marginal relevance two rules guard citation precision:

- a sentence that holds none of the question's content words (in itself or in the
  question line it answers) is not quoted while another candidate holds some: a
  figure line that only matches "how many" is not about the asked thing;
- only documents that hold the question's words about as well as the best one
  (`document_coverage` of their own words, within `DOCUMENT_COVER_SLACK`) are quoted, and when the
  question names a reference or code ("855A/22"), only documents that hold it:
  the response to another request is not an answer, however alike its wording;
  likewise for the names the question holds ("Humberside", "Smith") that some
  retrieved document holds: another force's answer to a round-robin request is not;
- a sentence that names years but not the question's ("2022/23" for "in 2024") is not quoted
  while another candidate names the question's years or none: it answers another period;
- a sentence from a document not yet quoted must come close to the best one in
  relevance (`OTHER_DOCUMENT_MARGIN`) and cover the question's words (weighted by
  rarity among the candidates) about as well as the first quoted document does
  (`OTHER_DOCUMENT_COVER_SLACK`): a second document is a second claim to relevance.
"""

from __future__ import annotations

import math
import re

import numpy as np

from assistant.terms import content_terms, idf_weights, terms_of, with_compounds

OTHER_DOCUMENT_MARGIN = 0.06  # vs WEAKER_MARGIN within the documents already quoted
WEAKER_MARGIN = 0.12
OTHER_DOCUMENT_COVER_SLACK = 0.1
NEAR_DUPLICATE = 0.9
DOCUMENT_COVER_SLACK = 0.15
_NOT_A_CODE = re.compile(r"^\d{1,4}(?:[/-]\d{1,4})?$")  # small numbers and years ("2023/24") vary in form


def question_codes(question: str) -> set[str]:
    """References and codes in `question` ("855a/22", "18201/18", "01/foi/25/006753/z"), lower case."""
    return {t for t in content_terms(question) if any(ch.isdigit() for ch in t) and not _NOT_A_CODE.match(t)}


_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][A-Za-z&'’-]+")
_NOT_NAMES = frozenset(
    "I FOI EIR PCN PCNs CCTV A&E January February March April May June July August September October "
    "November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)  # months vary in form ("13 April 2024", "13/04/24")


def question_names(question: str) -> set[str]:
    """Names in `question`: its capitalised words but the first ("Humberside", "Smith", "RIDDOR"), lower case."""
    found = (re.sub(r"['’]s?$", "", m.group(0)) for m in _NAME.finditer(question.strip()))
    return {name.lower() for name in found if name not in _NOT_NAMES and len(name) > 2}


def names_held(names: set[str], texts: list[str]) -> set[str]:
    """The names that some of `texts` hold: a name no retrieved document holds restricts nothing."""
    return {n for n in names if any(name_in(n, t.lower()) for t in texts)}


def holds_names(names: set[str], text: str) -> bool:
    """Whether `text` holds every one of `names`, also inside a word ("StreetsAhead"); True for none."""
    lowered = text.lower()
    return all(name_in(n, lowered) for n in names)


def name_in(name: str, lowered: str) -> bool:
    """Whether lower-cased text holds `name`, or the place of a demonym ("cumbrian" → "cumbria")."""
    if name.endswith("ian"):
        name = name[:-1]
    elif name.endswith("ean"):
        name = name[:-2]
    return name in lowered


def request_references(codes: set[str]) -> set[str]:
    """The codes that can name a request ("855a/22", "foi/920", "1406745"), not a statute's
    section, a product or a unit ("s437", "5g", "hs2", "20mph"): a separator and three digits, or five digits."""
    return {c for c in codes if (sum(ch.isdigit() for ch in c) >= 3 and any(ch in "/-" for ch in c))
            or sum(ch.isdigit() for ch in c) >= 5}


def holds_code(codes: set[str], text: str) -> bool:
    """Whether `text` holds one of the question's codes (True when it names none)."""
    lowered = text.lower()
    return not codes or any(code in lowered for code in codes)


def document_coverage(terms: list[str], codes: set[str], text: str, counts: dict[str, int], total: int) -> float:
    """Share of the question's words (collection-IDF weighted) and codes that a whole document holds.

    Args:
        terms: `assistant.terms.question_terms` of the question.
        codes: `question_codes` of the question; each weighs as much as a word no document holds.
        text: The document's title and text.
        counts: {term: documents holding it} of the collection; total: its documents.
    """
    rarest = math.log((total + 1) / 0.5)
    weights = idf_weights(terms, counts, total)
    if not weights and not codes:
        return 1.0
    lowered = text.lower()
    present = with_compounds(weights, {p for p in terms_of(text) if len(p) >= 3})
    by_prefix: dict[str, list[str]] = {}
    for word in present:
        by_prefix.setdefault(word[:3], []).append(word)
    found = sum(w for t, w in weights.items() if any(p.startswith(t) for p in by_prefix.get(t[:3], ())))
    found += rarest * sum(code in lowered for code in codes)
    return found / (sum(weights.values()) + rarest * len(codes) or 1.0)


# A comma ends a year ("January 2024, and ...") unless a digit follows it ("2024,000" is an amount).
_YEARS = re.compile(
    r"(?<![\d/£.,-])((?:19|20)\d\d)(?:[/-](\d{2}|\d{4}))?(?![\d/]|,\d)|(?<![\d/£.,-])(\d\d)/(\d\d)(?![\d/])"
)


def years_in(text: str) -> set[int]:
    """The first year of each year or financial year in `text`: "2023" and "2023/24" -> 2023, "23/24" -> 2023."""
    found = set()
    for match in _YEARS.finditer(text):
        if match.group(1):
            found.add(int(match.group(1)))
        elif int(match.group(4)) == (int(match.group(3)) + 1) % 100:  # "23/24", not a date's "13/04"
            found.add(2000 + int(match.group(3)))
    return found


def year_disagrees(asked: set[int], text: str) -> bool:
    """Whether `text` names years but none the question asks about: 2022/23 figures for a 2024 question."""
    named = years_in(text)
    return bool(asked and named and not asked & named)


def choose_sentences(
    relevance: np.ndarray,
    vectors: np.ndarray,
    similarity: np.ndarray,
    cover: np.ndarray,
    min_score: float,
    limit: int,
    documents: list[str],
    balance: float = 0.7,
    document_cover: dict[str, float] | None = None,
    other_years: np.ndarray | None = None,
    own_cover: dict[str, float] | None = None,
    no_unit: np.ndarray | None = None,
) -> list[int]:
    """Indexes of the sentences to quote, in the order they were chosen.

    Args:
        relevance: Each candidate's combined score.
        vectors: Their unit embeddings (for redundancy).
        similarity: Their cosine with the question; below `min_score` never quoted.
        cover: Their weighted share of the question's content words (with their question line).
        min_score: See `similarity`.
        limit: At most this many sentences.
        documents: Each candidate's document id.
        balance: Relevance against redundancy in maximal marginal relevance.
        document_cover: {doc_id: `document_coverage`} of the documents that may be quoted; None: any.
        other_years: Whether each candidate names years but not the question's (`year_disagrees`):
            not quoted while another candidate does not.
        own_cover: {doc_id: coverage of the document's own words} (without the request it quotes),
            compared within `DOCUMENT_COVER_SLACK`; None: `document_cover`. A reply refusing the
            request quotes it whole and so holds the question best, yet answers nothing.
        no_unit: For a question asking for a figure (`figures.asked_unit`: a sum of money, a duration,
            a count), whether each candidate states none: not quoted while another candidate states one.
    """
    available = [i for i in range(len(relevance)) if similarity[i] >= min_score]
    if document_cover is not None:
        available = [i for i in available if documents[i] in document_cover]
        # Over every candidate document: when the document that holds the question best has
        # nothing quotable, a weaker one is not the answer in its place.
        holding = document_cover if own_cover is None else own_cover
        best_document = max(holding.values(), default=0.0)
        available = [i for i in available if holding[documents[i]] >= best_document - DOCUMENT_COVER_SLACK]
    available = _preferring(available, cover > 0)
    if other_years is not None:
        available = _preferring(available, np.logical_not(other_years))
    if no_unit is not None:
        available = _preferring(available, np.logical_not(no_unit))
    chosen: list[int] = []
    best = float(relevance[available].max()) if available else 0.0
    while available and len(chosen) < limit:
        if chosen:
            redundancy = (vectors[available] @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(available))
        scores = balance * relevance[available] - (1 - balance) * redundancy
        pick = available[int(np.argmax(scores))]
        if relevance[pick] < best - WEAKER_MARGIN or (chosen and redundancy[available.index(pick)] > NEAR_DUPLICATE):
            break  # the rest are much weaker than the best, or near-duplicates
        if chosen and documents[pick] not in {documents[c] for c in chosen}:
            first_cover = max(float(cover[c]) for c in chosen if documents[c] == documents[chosen[0]])
            if relevance[pick] < best - OTHER_DOCUMENT_MARGIN or cover[pick] < first_cover - OTHER_DOCUMENT_COVER_SLACK:
                available.remove(pick)
                continue
        chosen.append(pick)
        available.remove(pick)
    return chosen


def _preferring(available: list[int], wanted: np.ndarray) -> list[int]:
    """The candidates of `available` that are `wanted`, or all of them when none is."""
    kept = [i for i in available if wanted[i]]
    return kept or available
