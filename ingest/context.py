"""A chunk's context: the title and structural lines above it that its own text depends on.

A table row ("Financial Year: 2021/22; Adult Social Worker: £407,601.52") or a figure
under a numbered question ("21/22: 7695") shares no words with a question about it: the
caption and the numbered request question ("2. What was the total spend ... on (agency)
social workers ...?") sit in the chunk before. With a context scheme other
than "none" (the `chunk_context` setting, off by default), the chunker prefixes each
chunk's *embedding* (and its lexical entry) with a short context built here; the chunk's
span and text stay exactly the document's.

The context is, most important first: the nearest question above the chunk (a line holding
"?" with the lines of its numbered item), the caption lines directly above the table the
chunk starts in (a sheet's `Sheet: NAME` and title lines, a drawn table's caption) or, for
prose without a question, the nearest heading above, and in `SCHEME` the document's title
(less "RE:" and "Freedom of Information request -"). Only lines before the chunk's start
are read, so nothing the chunk already holds is repeated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.tables import is_row_line

SCHEME = "title-question-caption-v1"
"""The context scheme with the document's title, recorded in the index manifest (`chunk_context`)."""
UNTITLED_SCHEME = "question-caption-v1"
"""The same without the title."""
NO_CONTEXT = "none"
"""The manifest's scheme for an index whose chunks are embedded as they are (the default, and format 7 and before)."""
SCHEMES = (NO_CONTEXT, UNTITLED_SCHEME, SCHEME)
CONTEXT_TOKENS = 48
"""Most of the model's tokens a context may take (fewer when the chunk leaves less room)."""
SEPARATOR = " | "

_LOOK_BACK_LINES = 20  # a question further above than this (or _LOOK_BACK_CHARS) is not the chunk's
_LOOK_BACK_CHARS = 2000
_TABLE_LINES = 20_000  # at most this many row lines are walked back to find a table's top
_QUESTION_LINES = 4  # a numbered question wraps over at most this many lines
_CAPTION_LINES = 3
_TITLE_WORDS = 12
_TITLE_NOISE = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw)\s*:\s*)*(?:freedom of information request\s*[-–—:]\s*)?", re.IGNORECASE
)
_ITEM_START = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}[.)]|[-*•])\s*", re.IGNORECASE)
_HEADING = re.compile(r"^[A-Z0-9][^.;,!?]{1,58}[^.;,!?\s]$")


def clean_title(title: str) -> str:
    """A document's title without reply prefixes and the FOI request boilerplate."""
    return " ".join(_TITLE_NOISE.sub("", title or "").split())


def chunk_context(text: str, start: int, title: str, *, table: bool = False) -> list[str]:
    """The context parts of the chunk starting at `start` in `text`, most important first.

    Args:
        text: The document's text.
        start: Where the chunk starts.
        title: The document's title.
        table: The document is all table rows (a spreadsheet); otherwise a chunk is in a
            table when its first line is a `Header: value; ...` row line.

    Returns:
        The question, caption or heading above (each on one line) and the cleaned title;
        an empty part is left out.
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    first_line = text[start : len(text) if line_end < 0 else line_end].strip()
    in_table = table or is_row_line(first_line)
    anchor = _table_top(text, line_start) if in_table else line_start
    lines = [line.strip() for line in text[max(0, anchor - _LOOK_BACK_CHARS) : max(0, anchor - 1)].split("\n")]
    lines = lines[-_LOOK_BACK_LINES:] if anchor > 0 else []
    parts: list[str] = []
    question = None if "?" in first_line else _question(lines)
    if question is not None:
        parts.append(question[2])
    if in_table:
        caption = _caption(lines, after=question[1] if question else -1)
        if caption:
            parts.append(caption)
    elif question is None:
        heading = _heading(lines)
        if heading:
            parts.append(heading)
    cleaned = " ".join(clean_title(title).split()[:_TITLE_WORDS])
    chunk_head = " ".join(text[start : start + 2 * len(cleaned) + 200].split()).lower()
    # A title that is the document's first line (plain text, PDF) often is the chunk's own start.
    if cleaned and cleaned.lower() not in chunk_head and all(cleaned.lower() not in part.lower() for part in parts):
        parts.append(cleaned)
    return parts


def _table_top(text: str, line_start: int) -> int:
    """Where the run of row lines holding the line at `line_start` begins (it may begin chunks earlier)."""
    top = line_start
    for _ in range(_TABLE_LINES):
        if top == 0:
            break
        previous_start = text.rfind("\n", 0, top - 1) + 1
        if not is_row_line(text[previous_start : top - 1].strip()):
            break
        top = previous_start
    return top


def fit_context(parts: list[str], budget: int, count_tokens: Callable[[str], int]) -> str:
    """`parts` joined with " | ", cut word by word to at most `budget` tokens; "" when none fit."""
    if budget <= 0 or not parts:
        return ""
    joined = SEPARATOR.join(parts)
    if count_tokens(joined) <= budget:
        return joined
    words = joined.split(" ")
    low, high = 0, len(words)  # the longest prefix of words that fits
    while low < high:
        middle = (low + high + 1) // 2
        if count_tokens(" ".join(words[:middle])) <= budget:
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low]).rstrip(" |")


def embedded_text(context: str, text: str) -> str:
    """What the model embeds for a chunk: its context line, then its text (the text alone without one)."""
    return f"{context}\n{text}" if context else text


def _question(lines: list[str]) -> tuple[int, int, str] | None:
    """(first line, last line, text) of the nearest question above: a line holding "?", with
    the lines of its numbered item above it ("2. What was the total spend ... during the
    financial years 1/4/19 to" + "31/3/23? Broken down by financial year, specifically:")."""
    for index in range(len(lines) - 1, -1, -1):
        if "?" not in lines[index] or is_row_line(lines[index]):
            continue
        first = index
        while first > 0 and index - first < _QUESTION_LINES - 1 and not _ITEM_START.match(lines[first]):
            previous = lines[first - 1]
            if not previous or "?" in previous or is_row_line(previous) or previous.endswith((".", ":")):
                break
            first -= 1
        return first, index, " ".join(lines[first : index + 1])
    return None


def _caption(lines: list[str], *, after: int) -> str:
    """The non-blank lines directly above a table (below the question's last line, `after`)."""
    caption: list[str] = []
    index = len(lines) - 1
    while index > after and lines[index] and len(caption) < _CAPTION_LINES and not is_row_line(lines[index]):
        caption.insert(0, lines[index])
        index -= 1
    return " ".join(caption)


def _heading(lines: list[str]) -> str:
    """The nearest short, unpunctuated line above that follows a blank line (or starts the text)."""
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line and _HEADING.match(line) and (index == 0 or not lines[index - 1]) and not is_row_line(line):
            return line
    return ""
