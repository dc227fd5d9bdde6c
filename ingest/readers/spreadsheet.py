"""Workbooks (.xlsx .xlsm .xls .ods): every sheet, one "Header: value; ..." line per row.

python-calamine (Rust) reads all four formats and hands over the values the
application last computed for formulas (never the formula text), dates as
dates. Rows are taken one at a time from its range, so Python never holds the
sheet's cells next to calamine's copy.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable, Iterator
from pathlib import PurePath

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from ingest.documents import Document, Skipped
from ingest.errors import SkippedFile
from ingest.readers.base import ReadResult, one_line
from ingest.tables import TableWriter

logger = logging.getLogger(__name__)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted .xlsx/.ods is not a ZIP but an OLE container holding these streams.
_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
MAX_ROWS_PER_SHEET = 1_048_576
"""Excel's own limit; rows past it are cut, and the report says so."""


def read(data: bytes, name: str) -> ReadResult:
    """Read a workbook into one document: every sheet, hidden ones included and marked.

    Each sheet starts with a `Sheet: NAME` line (`Sheet: NAME (hidden)`), then lines
    above its header row (titles), then one line per row with a value, written as
    "Header: value; Header: value" (see `ingest.tables.TableWriter`).

    Args:
        data: The file's bytes.
        name: The file name (its extension is the kind: xlsx, xlsm, xls, ods).

    Returns:
        One document whose `rows` map each row's line to its sheet and row number.

    Raises:
        SkippedFile: The workbook is encrypted, corrupt, or not a workbook.
    """
    suffix = PurePath(name).suffix.lower()
    kind = suffix.lstrip(".")
    _refuse_unreadable(data, suffix)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types per format
        raise SkippedFile(_open_error(exc, suffix)) from exc
    writer = TableWriter()
    skipped: list[Skipped] = []
    for sheet_meta in workbook.sheets_metadata:
        visible = sheet_meta.visible == SheetVisibleEnum.Visible
        try:
            sheet = workbook.get_sheet_by_name(sheet_meta.name)
        except Exception as exc:
            skipped.append(Skipped(path=f"sheet {sheet_meta.name}", reason=f"could not be read: {one_line(exc)}"))
            continue
        writer.begin_sheet(sheet_meta.name, hidden=not visible)
        # calamine's rows start at the sheet's first row (empty ones included) and its
        # columns at the used range's first column.
        first_column = (sheet.start or (0, 0))[1]
        writer.column_offset = first_column
        merged = _merged_ranges(sheet, first_column)
        rows = _limited(sheet.iter_rows(), sheet_meta.name, skipped)
        for index, cells in enumerate(rows):
            texts = [format_value(value) for value in cells]
            writer.add_row(index + 1, _fill_merged(texts, index, merged))
        writer.end_sheet()
    text, table_rows = writer.result()
    if not text.strip():
        raise SkippedFile("empty workbook (no cell has a value)")
    title = PurePath(name).stem
    metadata = {"sheets": ", ".join(writer.sheet_names)}
    document = Document(path="", part=None, kind=kind, title=title, text=text, metadata=metadata, rows=table_rows)
    return ReadResult(documents=[document], skipped=skipped)


def format_value(value: object) -> str:
    """A cell value as a person reads it: 174 not 174.0, dates as ISO dates, TRUE/FALSE."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _refuse_unreadable(data: bytes, suffix: str) -> None:
    if data.startswith(_OLE_MAGIC):
        if any(stream in data for stream in _ENCRYPTION_STREAMS):
            raise SkippedFile("password-protected workbook (encrypted; cannot be read without the password)")
        if suffix != ".xls":
            raise SkippedFile(f"mislabelled {suffix} file: it is an old binary Office file (rename it to .xls)")
    elif data.startswith(b"PK"):
        if suffix == ".xls":
            raise SkippedFile("mislabelled .xls file: it is a ZIP-based workbook (rename it to .xlsx or .ods)")
    else:
        raise SkippedFile(f"corrupt {suffix} workbook: not a ZIP or Office file")


def _open_error(exc: Exception, suffix: str) -> str:
    message = one_line(exc)
    if "password" in message.lower() or "encrypt" in message.lower():
        return "password-protected workbook (encrypted; cannot be read without the password)"
    return f"corrupt {suffix} workbook: {message}"


def _limited(rows: Iterable[list], sheet: str, skipped: list[Skipped]) -> Iterator[list]:
    for count, row in enumerate(rows):
        if count == MAX_ROWS_PER_SHEET:
            skipped.append(Skipped(path=f"sheet {sheet}", reason=f"rows after the first {MAX_ROWS_PER_SHEET:,} cut"))
            return
        yield row


def _merged_ranges(sheet, first_column: int) -> list[tuple[int, int, int, int]]:
    """Merged areas as (top, left, bottom, right), columns counted from the used range's first."""
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # not every format records merges
        return []
    return [
        (top, left - first_column, bottom, right - first_column)
        for (top, left), (bottom, right) in ranges
    ]


def _fill_merged(texts: list[str], row: int, merged: list[tuple[int, int, int, int]]) -> list[str]:
    """Give every cell of a merged area the area's value (stored in its top-left cell only).

    Only areas starting on this row are filled across; a value merged down is carried
    by `TableWriter`'s header handling, so rows stay independent of each other.
    """
    for top, left, bottom, right in merged:
        if top == row and 0 <= left < len(texts) and texts[left]:
            for column in range(left + 1, min(right + 1, len(texts))):
                if not texts[column]:
                    texts[column] = texts[left]
    return texts
