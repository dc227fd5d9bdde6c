"""Acronyms a collection uses for the words of a query: "penalty charge notices" → PCN, PCNs.

An authority's answer often names a thing only by its acronym ("Parking PCNs by Month and Year",
a table headed "PCNs issued"), which neither the question's words nor its embedding reach.
An acronym is added to the lexical query only when the collection shows that it stands for
those words: the term is indexed, and some passage holds it beside all of them ("penalty
charge notices (PCN)"). Nothing is guessed from a list, so it works for any authority's
vocabulary ("Clean Air Zone" → CAZ, "non-disclosure agreements" → NDA).
"""

from __future__ import annotations

import re
import sqlite3

from index.lexical import STOPWORDS
from index.term_counts import has_term_counts

MIN_LETTERS = 3  # two-letter initials ("cn" of "charge notices") would be too often a coincidence
MAX_WORDS = 5
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def candidate_acronyms(query: str) -> dict[str, list[str]]:
    """{acronym: the words it would stand for} for each run of the query's words ("pcn": penalty charge notices).

    A run starts and ends on a content word; its initials are taken with and without the small
    words inside it ("freedom of information": foi and fi).
    """
    words = _WORD.findall(query.lower())
    found: dict[str, list[str]] = {}
    for first in range(len(words)):
        if words[first] in STOPWORDS:
            continue
        for last in range(first + 1, min(first + MAX_WORDS, len(words))):
            run = words[first : last + 1]
            if run[-1] in STOPWORDS:
                continue
            content = [w for w in run if w not in STOPWORDS]
            for initials in {"".join(w[0] for w in run), "".join(w[0] for w in content)}:
                if len(initials) >= MIN_LETTERS and initials not in words:
                    found.setdefault(initials, content)
    return found


def defined_acronyms(db: sqlite3.Connection, query: str) -> list[str]:
    """The acronyms (and their plurals) of `candidate_acronyms` that the passages of `db` define.

    Expects the `passages` FTS5 table and its `term_counts` (index/term_counts.py); none without them.
    """
    candidates = candidate_acronyms(query)
    if not candidates or not has_term_counts(db):
        return []
    forms = {form: acronym for acronym in candidates for form in (acronym, acronym + "s")}
    marks = ", ".join("?" * len(forms))
    indexed = [row[0] for row in db.execute(f"SELECT term FROM term_counts WHERE term IN ({marks}) AND passages > 0",
                                            list(forms))]
    defined = []
    for form in indexed:
        words = candidates[forms[form]]
        match = " AND ".join([f'"{form}"'] + [f'"{_stem(w)}"*' for w in words])
        if db.execute("SELECT 1 FROM passages WHERE passages MATCH ? LIMIT 1", (match,)).fetchone():
            defined.append(form)
    return sorted(defined)


def _stem(word: str) -> str:
    """The word without a plural ending, for a prefix match ("notices" → "notice*" holds "notice")."""
    return word[:-1] if len(word) > 4 and word.endswith("s") else word

