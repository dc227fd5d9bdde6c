"""Training pairs for the embedder from the corpus's own structure: request question → answer.

A WhatDoTheyKnow thread holds the requester's questions (the request message) and
the authority's answers (the response, which often restates each numbered question
before answering it); a West Midlands Police response letter carries its request
under a "Request" heading. Each numbered request question is paired with the
answer that follows its restatement; an unnumbered request is paired with the
start of the answer. Threads that any evaluation set lists as relevant, and
threads whose request shares a question with one of those, are left out: training
on evaluated threads would leak the answers into the model.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.foi_fields import _part_order
from index.records import StoredDocument
from ingest.foi.sections import own_text_end, response_start

MAX_PASSAGE_CHARS = 1200  # about the 256 tokens MiniLM reads; the rest would be truncated anyway
MIN_QUESTION_CHARS = 15
MIN_ANSWER_CHARS = 20
_ANSWER_ROLES = ("response", "internal review")
# "1." / "1)" / "(1)" / "Q1" / "Question 1:" at the start of a line.
_NUMBERED = re.compile(r"^[ \t]*(?:\(?(\d{1,2})[.)]|Q(?:uestion)?[ \t]*(\d{1,2})[.:)]?)[ \t]+(?=\S)", re.M | re.I)
_GREETING = re.compile(r"^\s*(?:Dear\b[^\n]*|Good (?:morning|afternoon)[^\n]*)\n", re.I)
_SIGN_OFF = re.compile(r"^\s*(?:Yours (?:faithfully|sincerely)|Kind regards|Many thanks|Regards|Thank you)\b", re.I | re.M)
_THANKS = re.compile(r"^\s*Thank you for your (?:recent )?(?:request|email|enquiry|clarification)[^.]{0,300}\.\s*", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_PREAMBLE = re.compile(r"^\s*Please find [^:]{0,80}?response[^:]{0,40}?(?:set\s+out\s+below|below|attached)\s*:?\s*", re.I)
# A holding reply the outcome rules may read as a response: it answers nothing.
_HOLDING = re.compile(r"apologi[sz]e for (?:the delay|not meeting|any inconvenience)|actively working on your request", re.I)
# Where the authority's closing boilerplate (queries, review rights, re-use licence) starts.
_CLOSING = re.compile(
    r"^[ \t]*(?:If you have any queries about this response|If you are (?:dis|un)satisfied"
    r"|The information (?:provided|supplied) in this response is available for re-use)", re.I | re.M
)
_HEADING = re.compile(r"^\s*(?:RESPONSE|Response|Our response|Answer|Decision)\s*:?[ \t]*\n")


@dataclass(frozen=True)
class TrainingPair:
    """One (query, positive passage) example and the thread (file path) it came from."""

    query: str
    passage: str
    thread: str


@dataclass
class PairSet:
    """The pairs of a corpus and what was left out."""

    pairs: list[TrainingPair] = field(default_factory=list)
    threads: int = 0  # threads that gave at least one pair
    excluded_threads: int = 0  # listed by an evaluation set, or sharing a request question with one
    threads_without_pairs: int = 0


def evaluated_files(eval_sets: Iterable[str | Path]) -> set[str]:
    """Every `relevant` path (relative to the corpus root) of the given JSONL evaluation sets."""
    relevant: set[str] = set()
    for path in eval_sets:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                relevant.update(str(r).lstrip("./") for r in json.loads(line).get("relevant") or ())
    return relevant


def _is_listed(path: str, listed: set[str]) -> bool:
    posix = Path(path).as_posix()
    return any(posix == rel or posix.endswith("/" + rel) for rel in listed)


def _normalised(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _numbered_items(text: str) -> list[tuple[int, str]]:
    """(number, text) of each numbered item, the text running to the next item."""
    marks = list(_NUMBERED.finditer(text))
    items = []
    for mark, following in zip(marks, marks[1:] + [None]):
        body = text[mark.end() : following.start() if following else len(text)]
        items.append((int(mark.group(1) or mark.group(2)), body.strip()))
    return items


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _request_body(text: str) -> str:
    """The requester's own words: no greeting, no sign-off, no quoted correspondence."""
    body = text[: own_text_end(text)]
    body = _GREETING.sub("", body, count=1)
    sign_off = _SIGN_OFF.search(body)
    return body[: sign_off.start()] if sign_off else body


def request_questions(text: str) -> list[tuple[int | None, str]]:
    """The request's questions: its numbered items, else the whole request as one question."""
    body = _request_body(text)
    items = [(n, _clean(_SIGN_OFF.split(q)[0])) for n, q in _numbered_items(body)]
    items = [(n, q) for n, q in items if len(q) >= MIN_QUESTION_CHARS]
    if len(items) >= 2:
        return items
    whole = _clean(body)
    return [(None, whole[:MAX_PASSAGE_CHARS])] if len(whole) >= MIN_QUESTION_CHARS else []


def _without_restatement(block: str, question: str) -> str:
    """The answer part of a response block: leading lines that restate the question dropped."""
    asked = set(_WORD.findall(question.lower()))
    lines = block.splitlines()
    while lines:
        words = _WORD.findall(lines[0].lower())
        if words and sum(w in asked for w in words) / len(words) < 0.8:
            break
        lines.pop(0)
    return _clean("\n".join(lines))


def answer_text(text: str) -> str:
    """The authority's answer: from its response heading to the quoted correspondence."""
    end = own_text_end(text)
    answer = text[response_start(text, end) : end]
    closing = _CLOSING.search(answer)
    answer = answer[: closing.start()] if closing else answer
    answer = _GREETING.sub("", _HEADING.sub("", answer, count=1), count=1)
    return _PREAMBLE.sub("", _THANKS.sub("", answer, count=1), count=1)


def thread_pairs(request: str, answers: list[str], thread: str) -> list[TrainingPair]:
    """Pairs from one thread's request text and its answers' texts."""
    questions = request_questions(request)
    pairs = []
    for answer in answers:
        blocks = dict(_numbered_items(answer))
        for number, question in questions:
            if number is not None and number in blocks:
                passage = _without_restatement(blocks[number], question)
            elif number is None or not blocks:
                passage = _clean(answer)
            else:
                continue
            passage = passage[:MAX_PASSAGE_CHARS]
            if len(passage) >= MIN_ANSWER_CHARS and not (len(passage) < 400 and _HOLDING.search(passage)):
                pairs.append(TrainingPair(question, passage, thread))
        if any(n is None for n, _ in questions) or not blocks:
            break  # an unnumbered request: the first answer is the one that answers it
    return pairs


def _split_thread(documents: list[StoredDocument]) -> tuple[str, list[str]]:
    """(request text, answer texts) of one file's documents, oldest first."""
    request, answers = "", []
    for document in documents:
        foi = (document.metadata or {}).get("foi") or {}
        role, from_authority = foi.get("role"), foi.get("from_authority")
        if role == "request" and from_authority is not True and not request:
            request = document.text
        elif role in _ANSWER_ROLES and from_authority is not False:
            text = document.text
            start = response_start(text, own_text_end(text))
            if not request and start > 0:  # a response letter that restates its request first
                request = re.sub(r"^[^\n]*\n\s*Request\s*\n", "", text[:start], count=1)
            answers.append(answer_text(text))
    return request, [a for a in answers if a.strip()]


def build_pairs(documents: Iterable[StoredDocument], excluded_files: set[str]) -> PairSet:
    """Training pairs from stored documents, leaving out evaluated threads.

    Args:
        documents: The index's stored documents (all of them; grouped by file).
        excluded_files: Paths relative to the corpus root (an evaluation set's `relevant`);
            a thread whose path ends with one of them, or whose request shares a
            question with such a thread, gives no pairs.
    """
    by_file: dict[str, list[StoredDocument]] = defaultdict(list)
    for document in documents:
        by_file[document.location.path].append(document)
    threads = {}
    for path, docs in sorted(by_file.items()):
        docs.sort(key=lambda d: _part_order(d.location.part))
        threads[path] = _split_thread(docs)
    excluded = {path for path in threads if _is_listed(path, excluded_files)}
    held_out_questions = {
        _normalised(q) for path in excluded for _, q in request_questions(threads[path][0])
    }
    result = PairSet()
    seen: set[tuple[str, str]] = set()
    for path, (request, answers) in threads.items():
        questions = {_normalised(q) for _, q in request_questions(request)} if request else set()
        if path in excluded or questions & held_out_questions:
            result.excluded_threads += 1
            continue
        if not request or not answers:
            continue
        pairs = [p for p in thread_pairs(request, answers, path) if (p.query, p.passage) not in seen]
        seen.update((p.query, p.passage) for p in pairs)
        if pairs:
            result.threads += 1
            result.pairs.extend(pairs)
        else:
            result.threads_without_pairs += 1
    return result
