"""Answers to listing questions ("which requests were refused under section 12?").

The documents come from the FOI metadata filter; each is cited by the sentence
its outcome or exemption was read from (the extraction keeps that span), so the
quote shows why the document is on the list.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answer import Answer, Citation, QuoteCheck
from assistant.candidates import MAX_SENTENCE_CHARS
from assistant.question_filters import topic_words
from index.records import StoredDocument
from index.search import Hit
from ingest.documents import ocr_in_span
from ingest.sentences import sentence_spans

_WINDOW = 600  # characters around an evidence span searched for its sentence


def compose_listing(
    question: str,
    filters: dict[str, str],
    retrieved: list[tuple[Hit, StoredDocument]],
    *,
    cite: Callable[[Hit, StoredDocument, int | None], str],
    verify: QuoteCheck,
    max_items: int,
    matching: int,
) -> Answer:
    """One cited sentence per matching request (file), most relevant first.

    Args:
        question: The question as retrieved (a follow-up read with its previous
            question). The words it adds to the filter ("about parking",
            `topic_words`) restrict the list to documents whose title or text
            mention one of them; `listing_note` names the same words.
        filters: The metadata filters read from it (`outcome` or `exemption`).
        retrieved: Passages of documents that satisfy `filters`, best first.
        cite: Citation line for (hit, document, page).
        verify: Re-reads a quote's span from the store (see `compose_answer`).
        max_items: At most this many documents are quoted.
        matching: How many requests in the whole index satisfy `filters`.

    Returns:
        An answer whose citations are the evidence sentences; no citations when
        no retrieved document carries evidence for the filter.
    """
    field = "outcome" if "outcome" in filters else "exemptions"
    topic = topic_words(question)
    citations: list[Citation] = []
    sentences: list[str] = []
    listed: set[str] = set()
    for hit, document in retrieved:
        if hit.path in listed or not _mentions(document, topic):
            continue
        span = _evidence_sentence(document, field, filters.get("exemption", ""))
        if span is None:
            continue  # e.g. the request of a refused thread: its reply carries the evidence
        start, end = span
        quote = document.text[start:end]
        if not verify(document.doc_id, start, end, quote):
            continue
        listed.add(hit.path)
        page = document.page_at(start)
        n = len(citations) + 1
        citations.append(
            Citation(
                n=n, doc_id=document.doc_id, path=hit.path, part=hit.part, title=document.title, page=page,
                start=start, end=end, quote=quote, citation=cite(hit, document, page), score=hit.score,
                metadata=document.metadata, ocr=ocr_in_span(document.pages, start, end),
            )
        )
        sentences.append(f"{' '.join(quote.split())} [{n}]")
        if len(citations) == max_items:
            break
    return Answer(
        question, " ".join(sentences), citations, False, [hit for hit, _ in retrieved],
        filters=dict(filters), matching=matching,
    )


def _mentions(document: StoredDocument, words: list[str]) -> bool:
    if not words:
        return True
    haystack = f"{document.title}\n{document.text}".lower()
    # A prefix, so that "parking" also finds "park" and "permits" finds "permit".
    return any(re.search(r"\b" + re.escape(word[:max(4, len(word) - 2)]), haystack) for word in words)


def _evidence_sentence(document: StoredDocument, field: str, exemption: str) -> tuple[int, int] | None:
    """The sentence around the first evidence span of `field` (for an exemption
    filter, the span naming that exemption), or the span itself when the
    sentence is too long to quote."""
    foi = document.metadata.get("foi") if isinstance(document.metadata.get("foi"), dict) else {}
    spans = (foi.get("evidence") or {}).get(field) or []
    if exemption:
        number = re.sub(r"^(?:s\.|reg\s*)", "", exemption.lower())
        spans = [s for s in spans if number in re.sub(r"\s+", "", str(s.get("text", "")).lower())]
    for span in spans:
        start, end = int(span.get("start", -1)), int(span.get("end", -1))
        if not 0 <= start < end <= len(document.text):
            continue
        window = max(0, start - _WINDOW)
        sentences = sentence_spans(document.text[window : end + _WINDOW], offset=window, whole_word_abbreviations=True)
        for s_start, s_end in sentences:
            if s_start <= start and end <= s_end and s_end - s_start <= MAX_SENTENCE_CHARS:
                return s_start, s_end
        return start, end
    return None


def listing_note(answer: Answer) -> str:
    """The line shown above a listing answer: what was read from the question, and how many match."""
    filters = ", ".join(f"{name} = {value}" for name, value in answer.filters.items())
    shown = len(answer.citations)
    topic = topic_words(answer.question)
    if topic:
        more = f"; {shown} of them mention {' or '.join(repr(w) for w in topic)} and are quoted"
    else:
        more = f"; the {shown} most relevant are quoted" if (answer.matching or 0) > shown else ""
    return (
        f"Answered from the FOI metadata ({filters}, read from the question): "
        f"{answer.matching} request(s) in the index match{more}."
    )
