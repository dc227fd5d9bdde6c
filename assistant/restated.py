"""Sentences of a response that restate its request: the requester's words, not an answer.

A response often repeats each numbered question before answering it. `assistant.evidence`
recognises a question by its form ("2. I would like to know the mean wait ...?"), but not
the sentences that go on with it: "If the bands are not applicable, then just the average
overall." reads as a statement and was quoted as the answer. The thread itself says whose
words they are: such a sentence stands, word for word, in a requester's message sent before
the response.
"""

from __future__ import annotations

import re

from assistant.passage_rescore import from_requester

MIN_WORDS = 6  # shorter runs ("the information you requested") recur by chance
_WORD = re.compile(r"\w+")
_MESSAGE = re.compile(r"^message (\d+)$")


def _words(text: str) -> str:
    return " " + " ".join(_WORD.findall(text.lower())) + " "


def _message_number(part: str | None) -> int | None:
    match = _MESSAGE.match(part or "")
    return int(match.group(1)) if match else None


class RequestWords:
    """The requester's messages of a store's threads, each thread read once, to test sentences against."""

    def __init__(self, store):
        self._store = store
        self._threads: dict[str, list[tuple[int, str]]] = {}

    def _requests_of(self, path: str) -> list[tuple[int, str]]:
        if path not in self._threads:
            parts = self._store.locations_of_file(path)
            numbered = {doc_id: _message_number(part) for part, doc_id in parts.items()}
            documents = self._store.documents([d for d, n in numbered.items() if n is not None])
            self._threads[path] = [
                (numbered[doc_id], _words(document.text))
                for doc_id, document in documents.items()
                if from_requester(document.metadata)
            ]
        return self._threads[path]

    def restates(self, path: str, part: str | None, sentence: str) -> bool:
        """Whether `sentence`, from the message `part` of thread `path`, stands word for word in a
        requester's message sent before it (a later one may quote the authority's answer back)."""
        number = _message_number(part)
        if number is None:
            return False
        if len(_WORD.findall(sentence)) < MIN_WORDS:
            return False
        words = _words(sentence)
        return any(earlier < number and words in text for earlier, text in self._requests_of(path))
