"""Table rows that a count question names, read from the whole of its best documents.

"How many rapes were recorded on hospital grounds in Cumbria each year?" is answered by the
row "Rape 8 4 3 3 1 19" of a 20-page table, under the header "Offence 2019 2020 ..."; the
passage retrieval finds is the letter around the table, and the row's own words ("Rape")
carry almost nothing for an embedding. A line of a retrieved response that holds the counted
thing's most specific word and a figure is a candidate, weighed with the header line above it.
"""

from __future__ import annotations

import re

from assistant.abstain import counted_terms
from assistant.figures import has_figure
from assistant.candidates import Candidate
from assistant.evidence import is_question, quotable_region
from assistant.sentence_choice import years_in
from assistant.terms import idf_weights, terms_of

MAX_DOCUMENTS = 3  # the best distinct responses among the retrieved passages
MAX_ROWS = 4  # per document, in reading order
MAX_ROW_CHARS = 200
HEADER_REACH = 4000  # how far above a row its header line may be, in characters
_LINE = re.compile(r"[^\n]+")


def counted_rows(question: str, retrieved: list, counts: dict[str, int], total: int) -> list[tuple[Candidate, str]]:
    """(candidate row, its header line or "") for each line naming what `question` counts.

    Args:
        question: The user's question; only "how many X" / "number of X" questions have rows.
        retrieved: (hit, document) pairs, best first.
        counts: {term: documents holding it} of the collection; total: its documents.
    """
    counted = counted_terms(question)
    if not counted:
        return []
    # The most specific word of what is counted: "rape" of "rapes", "smith" of "people named Smith".
    weights = idf_weights(counted, counts, total)
    head = max(counted, key=weights.__getitem__)
    found, documents = [], {}
    for hit, document in retrieved:
        region = None if document.doc_id in documents else quotable_region(document)
        if region and len(documents) < MAX_DOCUMENTS:
            documents[document.doc_id] = (hit, document, region)
    for hit, document, (start, end) in documents.values():
        rows = 0
        for match in _LINE.finditer(document.text, start, end):
            line = match.group().strip()
            if len(line) > MAX_ROW_CHARS or head not in line.lower():  # cheap: a word starting with head holds it
                continue
            if not has_figure(line) or is_question(line):
                continue
            if not any(word.startswith(head) for word in terms_of(line)):
                continue
            begin = match.start() + match.group().index(line[0])
            candidate = Candidate(hit, document, begin, begin + len(line), hit.score)
            found.append((candidate, _header(document.text, match.start())))
            rows += 1
            if rows == MAX_ROWS:
                break
    return found


def _header(text: str, start: int) -> str:
    """The nearest line above `start` naming two or more years ("Offence 2019 2020 2021"), or ""."""
    above = text[max(0, start - HEADER_REACH) : start].split("\n")
    for line in reversed(above):
        if len(line) <= MAX_ROW_CHARS * 2 and len(years_in(line)) >= 2:
            return " ".join(line.split())
    return ""
