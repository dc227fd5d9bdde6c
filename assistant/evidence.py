"""Which sentences of a document may be quoted as an answer, and what each one answers.

FOI documents are question/answer pairs: a response repeats the requester's
numbered questions and answers each below it. The requester's questions are
never an answer — they share the question's words and nothing else — but the
question above an answer says what the answer is about ("2. How many ... in
2021/22?" above "21/22: 7695"). So a question sentence is not quoted, and each
answer sentence carries the question it answers as its context.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from index.boilerplate import sentence_keys
from index.records import StoredDocument
from ingest.foi.sections import own_text_end, response_start
from ingest.sentences import sentence_spans

_QUESTION_START = re.compile(
    r"^(?:\(?\d{1,2}[.)]\s*|\(?[a-z][.)]\s*|[-*•]\s*|q(?:uestion)?\s*\d+\s*[:.)-]?\s*)?"
    r"(?:please (?:provide|could|can|supply|send|confirm|state|list|tell|advise|give|include)|could you|"
    r"can you|would you|i would (?:like|be grateful)|i am (?:writing|requesting)|i write|i wish|"
    r"i request|how many|how much|how often|how long|what|which|who|when|where|why|does|do|is|are|has|have|"
    r"did|was|were|will|can)\b",
    re.I,
)
_CONTEXT_CHARS = 500  # how far above an answer its question may be
BOILERPLATE_DOCUMENTS = 8  # a sentence in this many documents is a signature or disclaimer, not an answer
_LABEL_CHARS = 20  # shorter lines between a question and its answer are labels ("Answer:")
_BOX = re.compile(r"[─│┌┐└┘├┤┬┴┼═║╔╗╚╝╠╣╦╩╬|+\-=_]")


_REQUEST_WORDING = re.compile(
    r"\bplease (?:provide|supply|state|list|confirm|include|send|advise|give|separate|break down|disclose|specify)\b"
    r"|\b(?:could|can|would) you (?:please )?(?:tell|let me know|provide|confirm|supply|send|list|state|advise)\b",
    re.I,
)
# A request's list item: "• the number of people in arrears", "a copy of the policy;".
_REQUEST_ITEM = re.compile(
    r"^(?:\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s*|[-*•◦]\s*)?(?:the |a )?(?:total )?"
    r"(?:number|numbers|amount|list|copy|"
    r"details|breakdown|value|cost|names?) (?:of|for)\b[^0-9£]*$",
    re.I,
)


# The requester addresses the authority: "crimes logged by your force", "held by your council".
_ADDRESSED = re.compile(r"\byour (?:force|authority|council(?! tax)|organisation|department|constabulary|service)\b", re.I)
# A numbered or bulleted item asking a question without its "?": "• Following the fire how many blocks ...".
_ASKING_ITEM = re.compile(
    r"^(?:\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s*|[-*•◦]\s*)(?:any\b|.*\b(?:how many|how much|whether)\b)", re.I
)
_NEW_ITEM = re.compile(r"\s*(?:\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]|[-*•◦]|q(?:uestion)?\s*\d+)\s", re.I)
YEAR = re.compile(r"\b(?:19|20)\d\d(?:[/-]\d{2,4})?\b")
# Thanks for, or the receipt of, the request: it names the request's topic and answers nothing.
_ACKNOWLEDGEMENT = re.compile(
    r"^(?:view as html\s+)?(?:dear [^,\n]{1,60}?,?\s+)?(?:thank you for your (?:request|e-?mail|enquiry|letter)|"
    r"i acknowledge receipt|we acknowledge receipt|the reference number for your request is|"
    r"(?:we|i) apologise for the delay)"
    r"|^(?:\d+ attachments?\s+)?(?:download\s+)?view as html\s+.{0,120}\.(?:pdf|xlsx?|docx?|csv|zip|od[st])\b"
    r"|^\d+ attachments?\s+.{0,160}?\.(?:pdf|xlsx?|docx?|csv|zip|od[st]|txt|msg|eml)\b"
    r"|\bwhich we received on\b|^views or opinions expressed in this e-?mail|^please (?:don'?t|do not) print this e-?mail|"
    r"^if you have received this e-?mail in error|^this e-?mail (?:and any attachments )?(?:is|are|may be) "
    r"(?:confidential|intended)",
    re.I,
)


def is_question(sentence: str) -> bool:
    """True for a question or a request ("Please provide ...", "• the number of ..."): the requester's words."""
    stripped = " ".join(sentence.split())
    return (
        stripped.endswith(("?", ";"))
        or bool(_QUESTION_START.match(stripped))
        or bool(_REQUEST_WORDING.search(stripped))
        # Years do not make an item an answer: "1. Total number of cameras ... during 2023."
        or bool(_REQUEST_ITEM.match(YEAR.sub("", stripped)))
        or bool(_ADDRESSED.search(stripped))
        or bool(_ASKING_ITEM.match(stripped))
    )


def is_acknowledgement(sentence: str) -> bool:
    """True for thanks for, receipt of or delay with the request ("Dear X, Thank you for your request
    for information relating to Y which we received on ..."), an attachment's line ("View as HTML
    report.pdf", "1 Attachment FOI 1205735 Taxi Licenses.xlsx 17K") or an e-mail disclaimer: none of them answers."""
    return bool(_ACKNOWLEDGEMENT.search(" ".join(sentence.split())))


def quotable_region(document: StoredDocument) -> tuple[int, int] | None:
    """[start, end) of the authority's own words in `document`; None for the requester's.

    A requester's message (WhatDoTheyKnow sender, or classified as a request) has
    nothing to quote; in a response, the quoted earlier correspondence below it and
    a repeated request above its response heading are left out.
    """
    foi = document.metadata.get("foi") if isinstance(document.metadata.get("foi"), dict) else {}
    if foi.get("from_authority") is False or (foi and foi.get("role") == "request"):
        return None
    end = own_text_end(document.text)
    return response_start(document.text, end), end


def readable(sentence: str) -> bool:
    """Words or figures, not table rules or a bare heading: a figure list ("18/19 = 6794") is a fine answer."""
    if not sentence or (len(sentence.split()) < 5 and not any(ch.isdigit() for ch in sentence)):
        return False
    content = sum(ch.isalnum() or ch in "£$%" for ch in sentence)
    return content >= len(sentence) * 0.5 and len(_BOX.findall(sentence)) <= len(sentence) * 0.15


# A line that opens the next question: "How many packets ...", "4. What ...", "Please provide ...".
_NEXT_QUESTION = re.compile(
    r"\n(?=[ \t]*(?:(\(?\d{1,2}[a-z]?[.)]\s*[A-Za-z])|(?:how many|how much|how often|how long|please|could you|can you|"
    r"would you)\b|(what|which|who|when|where|why)\b))",
    re.I,
)


def split_at_question(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut before each line that opens a question or a numbered item after a line
    with a figure: a reply's layout can run an answer ("...29th Feb 2024\n57") into the next question.
    "What", "which", "who" ... also continue wrapped prose, so they cut only after a bare figure's line ("• 16")."""
    pieces, begin = [], start
    for match in _NEXT_QUESTION.finditer(text, start, end):
        before = text[begin : match.start()].rstrip()
        last = before.rpartition("\n")[2]
        figure = any(ch.isdigit() for ch in last)
        if (figure and (len(last) < 25 or not match.group(2))) or answer_after_mark(last):
            pieces.append((begin, begin + len(before)))
            begin = match.end()
    pieces.append((begin, end))
    return pieces


def answer_after_mark(line: str) -> bool:
    """A short answer with a figure after the line's last question mark ("... you employ?- 1.5 FTE")."""
    after = line.rpartition("?")[2] if "?" in line else ""
    return 0 < len(after.strip(" -–:")) < 40 and any(ch.isdigit() for ch in after)


def question_context(document: StoredDocument, start: int) -> str:
    """The question that the sentence at `start` answers, or "" (see `question_span`), with the
    sentences of its item above it: under "3. For which animals have these licences been issued?
    Please state how many of each species." the last sentence alone does not say what is counted."""
    span = question_span(document, start)
    if not span:
        return ""
    return " ".join(document.text[item_start(document.text, span[0]) : span[1]].split())


def item_start(text: str, start: int) -> int:
    """Where the numbered or bulleted question item holding the question at `start` begins: the
    question sentences directly above it, back to a list marker, while no statement lies between."""
    lo = max(0, start - _CONTEXT_CHARS)
    window = text[lo:start]
    begin = start
    spans = [piece for span in sentence_spans(window, whole_word_abbreviations=True)
             for piece in split_at_question(window, *span)]
    for s, e in reversed(spans):
        sentence = window[s:e]
        if window[e:begin - lo].strip() or not is_question(sentence) or _NEW_ITEM.match(text, begin):
            break
        begin = lo + s
    return begin


def question_span(document: StoredDocument, start: int) -> tuple[int, int] | None:
    """The span of the question or request sentence directly above `start`, or None.

    Looked for within `_CONTEXT_CHARS`; short labels such as "Answer:" may lie between.
    A statement in between means the sentence at `start` is not that question's answer line.
    """
    lo = max(0, start - _CONTEXT_CHARS)
    window = document.text[lo:start]
    found = None
    spans = sentence_spans(window, whole_word_abbreviations=True)
    for s, e in (piece for span in spans for piece in split_at_question(window, *span)):
        sentence = window[s:e]
        if is_question(sentence):
            found = (lo + s, lo + e)
        elif len(sentence) >= _LABEL_CHARS:
            found = None
    return found


def boilerplate_sentences(
    texts: list[str], document_counts: Callable[[Iterable[str]], dict[str, int]] | None
) -> list[bool]:
    """For each sentence, whether it (most of it) recurs in `BOILERPLATE_DOCUMENTS` or more
    documents: an address block, a disclaimer, "show quoted sections".

    `document_counts` maps normalised-sentence hashes to document counts (the store's);
    without it nothing counts as boilerplate. The threshold is well above the index's
    own boilerplate count, because a short true answer ("We do not hold this
    information.") can recur in a few responses.
    """
    if document_counts is None or not texts:
        return [False] * len(texts)
    keys = [sentence_keys(text) for text in texts]
    counts = document_counts({key for sentence in keys for key, _ in sentence})
    return [
        sum(chars for key, chars in sentence if counts.get(key, 0) >= BOILERPLATE_DOCUMENTS) >= 0.6 * len(text)
        for text, sentence in zip(texts, keys)
    ]
