"""Split passage text into sentences, keeping each sentence's character span."""

from __future__ import annotations

import re
from collections.abc import Iterator

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before
# whitespace and an upper-case letter, digit or opening quote, or at a blank line or a
# line break that starts a list item, a heading-like line or a table row line.
_BOUNDARY = re.compile(
    r"""(?<=[.!?])["')\]]?\s+(?=["'(\[]?[A-Z0-9£])"""
    r"""|\n\s*\n"""
    r"""|(?<=:)[ \t]*\n"""
    r"""|\n(?=\s*(?:[-*•]|\d{1,2}[.)]|[A-Z][A-Za-z ]{0,40}\n))"""
    r"""|\n(?=[^\n:;]{1,80}: [^\n]*?; [^\n:;]{1,80}: )"""  # a table row line ("Header: value; Header: value")
)
_LIST_MARKER = re.compile(r"(?:\d{1,2}|[a-zA-Z]|[ivx]{1,4})[.)]|")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "Mr.", "Mrs.", "Ms.", "Dr.", "No.", "St.", "s.", "ss.", "para.", "cf.", "vs.")


def sentence_spans(text: str, offset: int = 0, *, whole_word_abbreviations: bool = False) -> Iterator[tuple[int, int]]:
    """Yield (start, end) spans of sentences in `text`, shifted by `offset`, trimmed of whitespace.

    With `whole_word_abbreviations`, only a whole word such as "s." or "No." is an
    abbreviation; otherwise any word ending so is ("cameras." then ends no sentence).
    Boilerplate keys stored in existing indexes were cut the old way, so index/ keeps it.
    """
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()]
        if _LIST_MARKER.fullmatch(before.strip()) and "\n\n" in match.group(0):
            start = match.end()  # a bare "1)" above a paragraph: the paragraph is the sentence
            continue
        if _LIST_MARKER.fullmatch(before.strip()) or _abbreviated(before, whole_word_abbreviations):
            continue
        yield from _trimmed(text, start, match.start(), offset)
        start = match.end()
    yield from _trimmed(text, start, len(text), offset)


def _abbreviated(before: str, whole_word: bool) -> bool:
    if not whole_word:
        return before.rstrip().endswith(_ABBREVIATIONS)
    words = before.split()
    return bool(words) and words[-1].lstrip("([\"'") in _ABBREVIATIONS


def _trimmed(text: str, start: int, end: int, offset: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield offset + start, offset + end
