"""The spreadsheet row map of a store: where each row's line lies in its document's text."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ingest.documents import TableRow

TABLE_ROWS_SCHEMA = """
CREATE TABLE IF NOT EXISTS table_rows (
    doc_id TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    sheet TEXT,
    row INTEGER NOT NULL,
    PRIMARY KEY (doc_id, start)
) WITHOUT ROWID;
"""
"""Optional: an index written before spreadsheets were read has no such table, and every
look-up then finds no rows (its documents have none), so old indexes open unchanged."""


class TableRowIndex:
    """The row-map side of `index.store.Store`, which mixes it in. Expects `_db`."""

    _db: sqlite3.Connection

    def add_table_rows(self, doc_id: str, rows: Iterable[TableRow]) -> None:
        """Store a document's row map."""
        self._db.executemany(
            "INSERT INTO table_rows VALUES (?, ?, ?, ?, ?)",
            ((doc_id, row.start, row.end, row.sheet, row.number) for row in rows),
        )

    def delete_table_rows(self, doc_id: str) -> None:
        self._db.execute("DELETE FROM table_rows WHERE doc_id = ?", (doc_id,))

    def table_rows(self, doc_id: str, start: int = 0, end: int | None = None) -> list[TableRow]:
        """The rows of a document whose lines overlap `start:end` (all rows by default), in text order.

        Returns:
            Empty for documents that are not spreadsheets.
        """
        # Row lines never overlap: the first row to read is the last one starting at or before
        # `start`, found through the primary key, so a look-up deep in a 100,000-row sheet is cheap.
        sql = (
            "SELECT sheet, row, start, end FROM table_rows WHERE doc_id = ? AND start >= COALESCE("
            "(SELECT MAX(start) FROM table_rows WHERE doc_id = ? AND start <= ?), 0) AND end > ?"
        )
        values: list = [doc_id, doc_id, start, start]
        if end is not None:
            sql += " AND start < ?"
            values.append(end)
        try:
            found = self._db.execute(sql + " ORDER BY start", values).fetchall()
        except sqlite3.OperationalError:  # an index older than the table
            return []
        return [TableRow(sheet, number, row_start, row_end) for sheet, number, row_start, row_end in found]

    def rows_in_span(self, doc_id: str, start: int, end: int) -> tuple[str | None, int, int] | None:
        """(sheet, first row, last row) of the rows that `start:end` touches, counting only the
        first touched row's sheet (a chunk never spans two), or None when it touches none."""
        found = self.table_rows(doc_id, start, end)
        if not found:
            return None
        sheet = found[0].sheet
        numbers = [row.number for row in found if row.sheet == sheet]
        return sheet, numbers[0], numbers[-1]
