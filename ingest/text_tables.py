"""Tables drawn in plain text (box-drawing or pipe/Markdown) rewritten as "Header: value; ..." lines.

An FOI reply often pastes a spreadsheet into an email as a box-drawing table:

    │Financial Year│Adult Social Worker │…│
    ├──────────────┼────────────────────┼…┤
    │2021/22       │£407,601.52         │…│

Embedded as it is, such a table is one passage of rules and cells in which no
figure is next to its column's name. Rewritten, each row reads
"Financial Year: 2021/22; Adult Social Worker: £407,601.52; …", which a sentence
embedding can match and an answer can quote as one row.
"""

from __future__ import annotations

import re

from ingest.tables import header_names, row_line

_CELL_BARS = "│┃║|"
_SPLIT = re.compile(r"[│┃║|]")
_RULE = re.compile(r"^[\s─━═┄┈\-=_+:┌┐└┘├┤┬┴┼╔╗╚╝╠╣╦╩╬╒╕╘╛╞╡╤╧╪╓╖╙╜╟╢╥╨╫│┃║|]+$")
_RULE_STROKES = re.compile(r"[─━═┄┈\-=]{3,}")


def rewrite_text_tables(text: str) -> str:
    """`text` with every plain-text table of two or more columns written one row per line.

    A table is a run of lines that each begin with a cell bar (`│`, `║` or `|`) or are
    rules (`├──┼──┤`, `|---|---|`, `+---+`). The lines before its first inner rule are
    the header (a header cell written over two lines is joined); the rows follow. Rows
    between rules are one row each, even when a cell wraps onto a second line. Text
    outside tables is left exactly as it was.

    Args:
        text: Extracted text with "\\n" line ends.

    Returns:
        The text with tables rewritten; the same string when it holds none.
    """
    if not any(bar in text for bar in _CELL_BARS):
        return text
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        end = index
        while end < len(lines) and _kind(lines[end]):
            end += 1
        block = lines[index:end]
        rewritten = _rewrite(block) if sum(1 for line in block if _kind(line) == "cells") >= 2 else None
        if rewritten is None:
            out.extend(block or [lines[index]])
            index = max(end, index + 1)
            continue
        out.extend(rewritten)
        index = end
    return "\n".join(out)


def _kind(line: str) -> str | None:
    stripped = line.strip()
    if not stripped:
        return None
    if _RULE.match(stripped) and _RULE_STROKES.search(stripped):
        return "rule"
    if stripped[0] in _CELL_BARS and len(_SPLIT.findall(stripped)) >= 2:
        return "cells"
    return None


def _cells(line: str) -> list[str]:
    parts = _SPLIT.split(line.strip())
    if parts and not parts[0].strip():
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    return [part.strip() for part in parts]


def _rewrite(block: list[str]) -> list[str] | None:
    """The block's rows as lines, or None when it is not a table of two or more columns."""
    groups: list[list[list[str]]] = [[]]
    for line in block:
        if _kind(line) == "rule":
            if groups[-1]:
                groups.append([])
        else:
            groups[-1].append(_cells(line))
    groups = [group for group in groups if group]
    if not groups:
        return None
    width = max(len(cells) for group in groups for cells in group)
    if width < 2:
        return None
    captions = []  # a title drawn as the table's first, one-cell row ("│Annual Levy In, Sent … │")
    while groups and len(groups[0][0]) == 1 and len(groups) + len(groups[0]) > 2:
        captions.append(" ".join(cell for cell in groups[0].pop(0) if cell))
        if not groups[0]:
            groups.pop(0)
    if not groups:
        return None
    if len(groups) == 1:  # no rule under the header: the first line is the header
        header, rows = [groups[0][0]], [[cells] for cells in groups[0][1:]]
    elif len(groups) == 2:  # one rule under the header: every body line is a row
        header, rows = groups[0], [[cells] for cells in groups[1]]
    else:  # rules between rows: each group is one row, its wrapped lines joined
        header, rows = groups[0], groups[1:]
    headers = header_names(_joined(header, width))
    cells_of_rows = [_joined(row, width) for row in rows]
    for previous, cells in zip(cells_of_rows, cells_of_rows[1:]):
        if not cells[0] and any(cells[1:]):
            cells[0] = previous[0]  # a first cell merged down over several rows ("2019/20 │Paid In", "│Spent")
    written = [row_line(headers, cells) for cells in cells_of_rows]
    lines = [line for line in written if line]
    return [caption for caption in captions if caption] + lines if lines else None


def _joined(lines: list[list[str]], width: int) -> list[str]:
    """Cells of lines that make up one row, joined per column ("Adult Social" + "Worker")."""
    columns = []
    for column in range(width):
        pieces = [cells[column] for cells in lines if column < len(cells) and cells[column]]
        columns.append(" ".join(pieces))
    return columns
