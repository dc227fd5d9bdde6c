"""Word .docx files: paragraphs and tables in document order."""

from __future__ import annotations

import io
import logging
import re

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.documents import Document
from ingest.errors import SkippedFile
from ingest.readers.base import ReadResult, make_title, normalise_newlines, one_line
from ingest.tables import header_names, row_line

logger = logging.getLogger(__name__)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read(data: bytes, name: str) -> ReadResult:
    """Read a .docx file.

    Paragraphs are separated by blank lines; a table is written one line per row,
    "Header: value; Header: value" (its first row the header).

    Args:
        data: The file's bytes.
        name: The file name, used as the title when there is no better one.

    Returns:
        One document.

    Raises:
        SkippedFile: The file is not a readable Word document.
    """
    if data.startswith(_OLE_MAGIC):
        raise SkippedFile("corrupt .docx: it is an old binary Word .doc file (not supported)")
    if not data.startswith(b"PK"):
        raise SkippedFile("corrupt .docx: not a ZIP archive")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own types
        raise SkippedFile(f"corrupt .docx: {one_line(exc)}") from exc

    blocks = [block for block in _blocks(document, document.element.body) if block.strip()]
    text = normalise_newlines("\n\n".join(blocks))
    first_paragraph = next((p.text for p in document.paragraphs if p.text.strip()), "")
    core_title, metadata = _core_properties(document, name)
    title = make_title(core_title or first_paragraph, name)
    return ReadResult(
        documents=[
            Document(path="", part=None, kind="docx", title=title, text=text, metadata=metadata)
        ]
    )


def _core_properties(document, name: str) -> tuple[str, dict[str, str]]:
    metadata: dict[str, str] = {}
    try:
        properties = document.core_properties
        if properties.author:
            metadata["author"] = properties.author
        if properties.created:
            metadata["created"] = properties.created.isoformat()
        return properties.title or "", metadata
    except Exception:  # a malformed docProps/core.xml should not cost the text
        logger.debug("%s: unreadable core properties", name, exc_info=True)
        return "", metadata


def _blocks(document, container) -> list[str]:
    blocks: list[str] = []
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            blocks.append(Paragraph(child, document).text)
        elif child.tag == qn("w:tbl"):
            blocks.append(_table_text(Table(child, document)))
        elif child.tag == qn("w:sdt"):
            # Content controls (form fields, cover-page blocks) wrap ordinary paragraphs.
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                blocks.extend(_blocks(document, content))
    return blocks


def _table_text(table: Table) -> str:
    """A table of two or more rows and columns as "Header: value; ..." lines (its first
    row the header); a one-row or one-column table as cells joined by " | "."""
    rows = _table_cells(table)
    if len(rows) >= 2 and max(len(cells) for cells in rows) >= 2:
        headers = header_names(rows[0])
        lines = [row_line(headers, cells) for cells in rows[1:]]
        return "\n".join(line for line in lines if line)
    return "\n".join(" | ".join(cells) for cells in rows)


def _table_cells(table: Table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells = []
        previous = None
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans.
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(re.sub(r"\s+", " ", cell.text).strip())
        if any(cells):
            rows.append(cells)
    return rows
