"""The candidate sentences of an answer: the authority's own statements in the retrieved passages.

A requester's message, a repeated request, a question, an acknowledgement of the
request, table rules and e-mail headers are not answers (`assistant.evidence`).
One exception: a question that names a reference ("What was request 855A/22
about?", "Which force answered FOI-24576-25-0300-000?") asks about the request
itself, so in a document that holds the reference the request's own words and
the line holding the reference (a letter heading, an attachment's name) are
candidates too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.evidence import (
    YEAR, answer_after_mark, is_acknowledgement, is_question, question_span, quotable_region, readable,
    split_at_question,
)
from assistant.sentence_choice import holds_code, request_references
from index.records import StoredDocument
from index.search import Hit
from ingest.sentences import sentence_spans
from ingest.tables import is_row_line

MIN_SENTENCE_CHARS = 25
MAX_SENTENCE_CHARS = 600
_HEADER_LINE = re.compile(
    r"^(?:from|to|sent|cc|subject|date)\s*:|@|https?://|www\.|mailto:|\b(?:telephone|tel|phone|website|e-?mail|fax)\s*:", re.I | re.M
)

# "Yours sincerely,\nSheffield City Council": a letter's closing names its author, it answers nothing.
_VALEDICTION = re.compile(
    r"^\s*(?:yours (?:sincerely|faithfully|truly)|(?:kind|best|warm|many) (?:regards|thanks)|regards|thank you)\b[,.!]?\s*"
    r"(?:\n.{0,80}){0,3}$",
    re.I,
)


@dataclass(frozen=True)
class Candidate:
    """A sentence [start, end) of `document`, found in the passage `hit`."""

    hit: Hit
    document: StoredDocument
    start: int
    end: int
    score: float


def answer_candidates(retrieved: list[tuple[Hit, StoredDocument]], codes: set[str] = frozenset()) -> list[Candidate]:
    """Every sentence of the retrieved passages that may answer, each once, in passage order.

    Args:
        retrieved: Passages and their documents, best first.
        codes: `assistant.sentence_choice.question_codes` of the question: in a document
            that holds one that names a request (`request_references`), the request's words
            and the reference's line are candidates.
    """
    seen: set[tuple[str, int, int]] = set()
    candidates = []
    holding: dict[str, bool] = {}
    # "s437 notices" asks about notices, not about a request: its code does not make questions quotable.
    codes = request_references(codes)

    def add(hit, document, start, end):
        if (document.doc_id, start, end) not in seen:
            seen.add((document.doc_id, start, end))
            candidates.append(Candidate(hit, document, start, end, hit.score))

    for hit, document in retrieved:
        region = quotable_region(document)
        if region is None:
            continue  # the requester's own message
        if document.doc_id not in holding:
            holding[document.doc_id] = bool(codes) and holds_code(codes, f"{document.title}\n{document.text}")
        about_request = holding[document.doc_id]
        spans = sentence_spans(document.text[hit.start : hit.end], offset=hit.start, whole_word_abbreviations=True)
        for start, end in (piece for span in spans for piece in split_at_question(document.text, *span)):
            sentence = document.text[start:end]
            if about_request and len(sentence) <= MAX_SENTENCE_CHARS and holds_code(codes, sentence):
                add(hit, document, start, end)  # the reference's own line says what was asked or sent
                continue
            if len(sentence) < MIN_SENTENCE_CHARS and any(ch.isdigit() for ch in sentence):
                # A bare figure under its question ("35247"): quote the question with it.
                question = question_span(document, start)
                if question is not None and region[0] <= question[0]:
                    add(hit, document, question[0], end)
                continue
            if not MIN_SENTENCE_CHARS <= len(sentence) <= MAX_SENTENCE_CHARS:
                continue
            if start == hit.start and start > 0 and sentence[0].islower():
                continue  # the tail of a sentence the passage boundary cut; another passage holds it whole
            if not about_request:
                if not region[0] <= start < region[1] or (is_question(sentence) and not _answered_inline(sentence)):
                    continue  # a quoted or repeated request, or a question: not an answer
                if is_acknowledgement(sentence):
                    continue  # "Thank you for your request ... relating to X": the topic, not an answer
            if _VALEDICTION.match(sentence):
                continue
            if not is_row_line(sentence) and (not readable(sentence) or _HEADER_LINE.search(sentence)):
                continue  # table rules, e-mail headers and URLs make poor answers; a row with its headers is fine
            add(hit, document, start, end)
    return candidates


def _answered_inline(sentence: str) -> bool:
    """A question line with its figure on the next line ("... sent out in 2022\n35247")."""
    head, _, last = sentence.rstrip().rpartition("\n")
    # A year is not an answer: "... at any period during the 2023 calendar year." still asks.
    figure = any(ch.isdigit() for ch in YEAR.sub("", last))
    if bool(head) and len(last) < 60 and figure and not is_question(last):
        return True
    return answer_after_mark(last)
