"""Turn a free-text query into an SQLite FTS5 (BM25) match expression.

Reference numbers and section numbers are exact tokens that embeddings blur:
"18201/18", "31(3)" and "FOI-5531" become phrases of their parts, so they match
only where the parts stand together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STOPWORDS = frozenset(
    "a about above after again all also am an and any are as at be because been before being below between "
    "both but by can could did do does doing down during each few for from further had has have having he her "
    "here hers him his how i if in into is it its itself just me more most my no nor not now of off on once "
    "only or other our ours out over own please same she should so some such than that the their theirs them "
    "then there these they this those through to too under until up very was we were what when where which "
    "while who whom why will with would you your yours tell".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


def match_expression(query: str) -> str:
    """An FTS5 expression matching any of the query's terms or multi-part tokens."""
    clauses: list[str] = []
    for token in query.split():
        parts = _WORD.findall(token.lower())
        if not parts:
            continue
        if len(parts) > 1:
            clause = '"' + " ".join(parts) + '"'
        elif parts[0] in STOPWORDS or (len(parts[0]) == 1 and not parts[0].isdigit()):
            continue
        else:
            clause = f'"{parts[0]}"'
        if clause not in clauses:
            clauses.append(clause)
    return " OR ".join(clauses)


# Bounding the work of one BM25 query ------------------------------------------
#
# FTS5 computes bm25() for every row that matches the expression before it can
# sort them, at about 1-3 microseconds a row (more with more phrases). A word
# such as "council" is in most passages of an FOI collection, so at 1,000,000
# passages one such word makes a query score most of the index and take
# seconds. Frequent words also carry the least information: BM25's IDF,
# log((N - n + 0.5) / (n + 0.5)), is near zero for them, and FTS5 clamps it to
# 1e-6 once a word is in half the rows. So a query scores at most
# SCORED_PASSAGES rows: its clauses are kept rarest first while the passages
# they match fit that budget, and the rest are left out (Lucene's
# CommonTermsQuery and Elasticsearch's cutoff_frequency make the same trade).
# Reference and section numbers ("18201/18", "31(3)") become phrases that match
# few passages, so they are kept first. A collection no larger than the budget
# is searched with every clause.

SCORED_PASSAGES = 20_000
"""Most passages one lexical query ranks with bm25(): 20-40 ms of scoring on this project's 2-core machine."""
SCORED_SHARE = 0.02
"""Below a million passages the budget is this share of the collection: on the real corpus a
budget of 2% (110 of 5,470 passages) ranked as well or better on every evaluation metric than
scoring every match, and it makes small collections' queries cheaper too."""
MIN_SCORED_PASSAGES = 100
"""Collections up to this size are searched with every clause."""


def scoring_budget(passages: int) -> int:
    """How many passages one lexical query may rank in a collection of `passages`."""
    return min(SCORED_PASSAGES, max(MIN_SCORED_PASSAGES, int(SCORED_SHARE * passages)))


@dataclass(frozen=True)
class LexicalPlan:
    """What to run for a match expression on a large collection.

    Attributes:
        match: The FTS5 expression to run.
        dropped: Clauses left out because they match too many passages.
        ranked: Rank by BM25. When False, every clause that matches anything
            matched more than the budget on its own: `match` requires all of
            them, and the newest passages that match are listed unranked
            (BM25 would have to score them all, and has little to rank them by).
        fallback: Listed instead (newest first) when no passage matches `match`.
    """

    match: str
    dropped: tuple[str, ...] = ()
    ranked: bool = True
    fallback: str = ""


def clauses(match: str) -> list[str] | None:
    """The quoted clauses of an expression made by `match_expression`, or None for any other."""
    parts = match.split(" OR ")
    if all(_CLAUSE.fullmatch(part) for part in parts):
        return parts
    return None


_CLAUSE = re.compile(r'"[^"]+"')


def possessives_as_words(parts: list[str]) -> list[str]:
    """Clauses with a possessive phrase ('"council s"', from "council's") turned into its word.

    Finding such a phrase means walking the passages of two of the most common
    tokens ("s" is in a third of FOI passages), tens of milliseconds at a
    million passages, and the phrase is common itself. Lucene's English
    analyser drops the possessive likewise.
    """
    out: list[str] = []
    for part in parts:
        words = part.strip('"').split(" ")
        if len(words) > 1 and words[-1] == "s":
            part = '"' + " ".join(words[:-1]) + '"'
        if part not in out:
            out.append(part)
    return out


def plan(parts: list[str], matches: dict[str, int], budget: int = SCORED_PASSAGES) -> LexicalPlan:
    """Choose the clauses to score, given how many passages each matches (counts may be capped
    just above `budget`).

    Clauses are kept rarest first while the passages they match, added up, stay
    within `budget`; a reference number's phrase matches few passages, so it is
    kept first. When no clause that matches fits, the clauses are required
    together (AND), unranked: a query made only of common words still finds the
    passages that hold all of them.
    """
    ordered = sorted(parts, key=lambda part: matches[part])
    kept: set[str] = set()
    used = 0
    for part in ordered:
        if used + matches[part] > budget:
            break
        kept.add(part)
        used += matches[part]
    if used:
        return LexicalPlan(
            " OR ".join(part for part in parts if part in kept),
            dropped=tuple(part for part in parts if part not in kept),
        )
    common = [part for part in parts if part not in kept]
    if not common:  # nothing matches at all: the original expression finds nothing, cheaply
        return LexicalPlan(" OR ".join(parts))
    zero = tuple(part for part in parts if part in kept)
    return LexicalPlan(" AND ".join(common), dropped=zero, ranked=False, fallback=common[0])
