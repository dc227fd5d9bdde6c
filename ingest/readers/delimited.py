"""CSV and TSV files: one table, its first row the header, one "Header: value; ..." line per row."""

from __future__ import annotations

import csv
import io
from pathlib import PurePath

from ingest.documents import Document, Skipped
from ingest.errors import SkippedFile
from ingest.readers.base import ReadResult, normalise_newlines
from ingest.readers.encoding import binary_kind, decode_bytes
from ingest.tables import TableWriter

STRAY_NULS = 16
STRAY_NUL_SHARE = 0.001
"""Up to this many NUL bytes, or this share of the file, are stray (a damaged export) and
removed; more mean the file is binary."""
_MAGIC_CHECK = 8192


def read(data: bytes, name: str) -> ReadResult:
    """Read a .csv (comma, semicolon or tab, sniffed) or .tsv (tab) file.

    The encoding is taken as for text files (BOM, UTF-8, else Windows-1252). Row
    numbers are the file's line-based record numbers, the header being row 1, as a
    spreadsheet application shows them when it opens the file.

    Args:
        data: The file's bytes.
        name: The file name; its extension picks the kind ("csv" or "tsv").

    Returns:
        One document with its row map; a note in `skipped` when stray NUL bytes were removed.

    Raises:
        SkippedFile: The file is binary (a workbook or archive named .csv, many NUL bytes) or has no rows.
    """
    suffix = PurePath(name).suffix.lower()
    skipped: list[Skipped] = []
    nuls = data.count(b"\x00")
    if nuls and binary_kind(data.replace(b"\x00", b"")[:_MAGIC_CHECK]) is None and nuls <= max(STRAY_NULS, STRAY_NUL_SHARE * len(data)):
        data = data.replace(b"\x00", b"")
        skipped.append(Skipped(path="NUL bytes", reason=f"{nuls} stray NUL byte{'s' * (nuls != 1)} removed; the rest was read"))
    why_binary = binary_kind(data)
    if why_binary:
        raise SkippedFile(f"binary content in a {suffix} file ({why_binary})")
    text = normalise_newlines(decode_bytes(data))
    delimiter = "\t" if suffix == ".tsv" else _sniff_delimiter(text)
    writer = TableWriter()
    writer.begin_sheet(None)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            writer.add_row(number, cells)
    except csv.Error as exc:
        raise SkippedFile(f"malformed {suffix} file: {exc} (record {reader.line_num})") from exc
    body, rows = writer.result()
    if not rows:
        raise SkippedFile(f"no rows: the {suffix} file has a header at most")
    document = Document(
        path="", part=None, kind=suffix.lstrip("."), title=PurePath(name).stem, text=body, rows=rows
    )
    return ReadResult(documents=[document], skipped=skipped)


def _sniff_delimiter(text: str) -> str:
    sample = text[:_MAGIC_CHECK]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","
