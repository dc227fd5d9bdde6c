"""Turn a free-text query into an SQLite FTS5 (BM25) match expression.

Reference numbers and section numbers are exact tokens that embeddings blur:
"18201/18", "31(3)" and "FOI-5531" become phrases of their parts, so they match
only where the parts stand together.
"""

from __future__ import annotations

import re

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
