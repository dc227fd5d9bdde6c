"""Write table rows as self-describing "Header: value; Header: value" lines.

A line that names each value's column can be embedded, quoted and cited on its
own: a run of whole lines is a valid chunk with its header context, so the
chunker only has to cut between lines (see `ingest.chunking`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.documents import TableRow

CELL_SEPARATOR = "; "
TABLE_KINDS = frozenset({"xlsx", "xlsm", "xls", "ods", "csv", "tsv"})
"""Document kinds whose text is all table rows (spreadsheets and delimited files)."""
_SPACE = re.compile(r"\s+")
_ROW_LINE = re.compile(r"[^\n:;]{1,80}: [^\n;]*(?:; [^\n:;]{1,80}: [^\n;]*)+")


def is_row_line(text: str) -> bool:
    """True for a line written by `row_line` with two or more cells ("Year: 2021/22; Spend: £5")."""
    return _ROW_LINE.fullmatch(text) is not None


def clean_cell(value: object) -> str:
    """A cell's text on one line: whitespace runs (line breaks included) become one space."""
    return _SPACE.sub(" ", str(value)).strip()


def column_label(index: int) -> str:
    """The spreadsheet letter of a 0-based column: 0 -> "A", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def header_names(cells: Sequence[str], first_column: int = 0) -> list[str]:
    """Header names for a header row: an empty header becomes "Column C" (its letter),
    and a repeated one gets its letter too, so every value keeps a distinct label.

    Args:
        cells: The header row's cells.
        first_column: The 0-based column of the first cell (for the letters).
    """
    names: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        name = clean_cell(cell).rstrip(":")
        if not name:
            name = f"Column {column_label(first_column + index)}"
        elif name in seen:
            name = f"{name} ({column_label(first_column + index)})"
        seen.add(name)
        names.append(name)
    return names


def row_line(headers: Sequence[str], cells: Sequence[str], first_column: int = 0) -> str:
    """One row as "Header: value; Header: value"; empty cells are left out.

    Args:
        headers: Names from `header_names`; cells beyond them are labelled by column letter.
        cells: The row's cell texts (already formatted).
        first_column: The 0-based column of the first cell (for the letters).

    Returns:
        The line, or "" when every cell is empty.
    """
    pairs = []
    for index, cell in enumerate(cells):
        value = clean_cell(cell)
        if not value:
            continue
        name = headers[index] if index < len(headers) else f"Column {column_label(first_column + index)}"
        pairs.append(f"{name}: {value}")
    return CELL_SEPARATOR.join(pairs)


HEADER_SEARCH_ROWS = 10
"""A header row is looked for among a sheet's first this many rows with a value."""


class TableWriter:
    """Builds a document text from sheets of rows, and the map of where each row's line lies.

    Per sheet: a `Sheet: NAME` line, the title lines above the header row, then one
    `row_line` per row with a value. The header row is the first of the sheet's first
    rows with two or more values (else its first row); rows before it with a single
    value are titles. Rows arrive one at a time, so a sheet is never held whole.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._offset = 0
        self.rows: list[TableRow] = []
        self.sheet_names: list[str] = []
        """The sheets written, in order, each "NAME" or "NAME (hidden)"."""
        self._sheet: str | None = None
        self._pending: list[tuple[int, list[str]]] = []
        self._headers: list[str] | None = None
        self._heading: str | None = None
        self.column_offset = 0
        """The 0-based spreadsheet column of each row's first cell, for "Column C" labels."""

    def begin_sheet(self, name: str | None, *, hidden: bool = False) -> None:
        """Start a sheet; `name` None for a file that is one table (CSV), which gets no heading."""
        self._sheet, self._pending, self._headers = name, [], None
        # The heading waits for the sheet's first value, so that empty sheets leave no trace.
        self._heading = None if name is None else f"Sheet: {name}" + (" (hidden)" if hidden else "")

    def add_row(self, number: int, cells: list[str]) -> None:
        """Add the row numbered `number` (1-based, as the application shows it)."""
        if not any(cell.strip() for cell in cells):
            return  # empty rows are dropped
        if self._headers is not None:
            self._write_row(number, cells)
            return
        self._pending.append((number, cells))
        if _filled(cells) >= 2 or len(self._pending) >= HEADER_SEARCH_ROWS:
            self._flush_pending()

    def end_sheet(self) -> None:
        """Finish the current sheet (a sheet of titles only is written as they are)."""
        if self._headers is None and self._pending:
            self._flush_pending()
        if self._lines and self._lines[-1] != "":
            self._write("")

    def result(self) -> tuple[str, list[TableRow]]:
        """The document text and its row map, in text order."""
        self.end_sheet()
        return "\n".join(self._lines).rstrip("\n"), self.rows

    def _flush_pending(self) -> None:
        pending, self._pending = self._pending, []
        header_at = next((i for i, (_, cells) in enumerate(pending) if _filled(cells) >= 2), 0)
        for number, cells in pending[:header_at]:  # titles are rows too: a quote of one cites its row
            line = " ".join(clean_cell(c) for c in cells if clean_cell(c))
            start = self._write(line)
            self.rows.append(TableRow(self._sheet, number, start, start + len(line)))
        self._headers = header_names(pending[header_at][1], self.column_offset)
        for number, cells in pending[header_at + 1 :]:
            self._write_row(number, cells)

    def _write_row(self, number: int, cells: list[str]) -> None:
        line = row_line(self._headers or [], cells, self.column_offset)
        if line:
            start = self._write(line)
            self.rows.append(TableRow(self._sheet, number, start, start + len(line)))

    def _write(self, line: str) -> int:
        """Append a line (after the sheet's heading, if not yet written); returns where it starts."""
        if self._heading is not None and line:
            heading, self._heading = self._heading, None
            self.sheet_names.append(heading.removeprefix("Sheet: "))
            self._write(heading)
        start = self._offset
        self._lines.append(line)
        self._offset += len(line) + 1
        return start


def _filled(cells: list[str]) -> int:
    return sum(1 for cell in cells if cell.strip())
