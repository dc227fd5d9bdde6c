"""Evidence spans: where in `document.text` an extracted field came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A character span of the document text; `text == document.text[start:end]`."""

    start: int
    end: int
    text: str

    @classmethod
    def of(cls, text: str, start: int, end: int) -> "Span":
        return cls(start, end, text[start:end])

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text}


def sentence_bounds(text: str, start: int, end: int, limit: int = 400) -> tuple[int, int]:
    """The sentence (or line group) around [start, end), at most `limit` chars each way.

    Sentences end at ". ", "? ", "! " or a blank line; wrapped email lines
    (single newlines) do not end a sentence.
    """
    left = max(0, start - limit)
    head = text[left:start]
    cut = max(head.rfind(". "), head.rfind(".\n"), head.rfind("? "), head.rfind("\n\n"), head.rfind(":\n"))
    s = left + cut + 2 if cut >= 0 else left
    right = min(len(text), end + limit)
    tail = text[end:right]
    stops = [i for i in (tail.find(". "), tail.find(".\n"), tail.find("\n\n")) if i >= 0]
    e = end + min(stops) + 1 if stops else right
    while s < start and text[s].isspace():
        s += 1
    return s, max(e, end)
