"""The cited rows of a spreadsheet as an HTML table with its header, above the viewer's text."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.documents import TableRow
from ingest.tables import CELL_SEPARATOR
from ui.render import esc

MAX_SHOWN_ROWS = 50


def row_cells(line: str) -> list[tuple[str, str]]:
    """The (header, value) pairs of a "Header: value; Header: value" row line."""
    pairs = []
    for cell in line.split(CELL_SEPARATOR):
        header, separator, value = cell.partition(": ")
        if separator:
            pairs.append((header, value))
        elif pairs:  # a value that itself held "; "
            pairs[-1] = (pairs[-1][0], pairs[-1][1] + CELL_SEPARATOR + cell)
    return pairs


def cited_rows_table(text: str, rows: Sequence[TableRow]) -> str:
    """An escaped HTML table of the cited `rows` of a document whose `text` holds their lines:
    one column per header (in first-seen order), the row number first; "" without rows."""
    if not rows:
        return ""
    shown = list(rows)[:MAX_SHOWN_ROWS]
    parsed = [(row.number, dict(row_cells(text[row.start : row.end]))) for row in shown]
    headers: list[str] = []
    for _, cells in parsed:
        headers.extend(header for header in cells if header not in headers)
    sheet = shown[0].sheet
    caption = (f'Sheet "{sheet}", ' if sheet is not None else "") + (
        f"row {shown[0].number}" if len(shown) == 1 else f"rows {shown[0].number}–{shown[-1].number}"
    )
    head = "".join(f"<th>{esc(header)}</th>" for header in ["Row", *headers])
    body = "".join(
        "<tr>" + f"<td>{number}</td>" + "".join(f"<td>{esc(cells.get(header, ''))}</td>" for header in headers) + "</tr>"
        for number, cells in parsed
    )
    more = f'<div class="foi-note">{len(rows) - len(shown)} more rows in the text below.</div>' if len(rows) > len(shown) else ""
    return (
        f'<div class="foi-cited-rows"><table><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}</div>"
    )
