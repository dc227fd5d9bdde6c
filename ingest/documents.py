"""The document model shared by readers, the chunker and the index."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ingest.textutil import page_at


@dataclass(frozen=True)
class Page:
    """A 1-based page and its character span in the document text; `ocr` if its text was OCRed."""

    number: int
    start: int
    end: int
    ocr: bool = False


def ocr_in_span(pages: list[Page], start: int, end: int) -> bool:
    """True when any OCRed page overlaps the text span [start, end)."""
    return any(page.ocr and page.start < max(end, start + 1) and start < page.end for page in pages)


@dataclass(frozen=True)
class TableRow:
    """One spreadsheet row written into the document text as a "Header: value; ..." line.

    Attributes:
        sheet: The sheet's name, or None for a single-table file (CSV, TSV).
        number: The 1-based row number the spreadsheet application shows.
        start: Where the row's line starts in the document text.
        end: Where it ends (exclusive, without the line break).
    """

    sheet: str | None
    number: int
    start: int
    end: int


@dataclass
class Document:
    """Extracted text of one source document, as it will be cited.

    Attributes:
        path: The source file as found on disk.
        part: Where the document sits inside a container file ("message 3",
            "message 3 / report.pdf", "attachment report.pdf" in a .msg,
            "2019/reply.pdf" in a .zip), or None for a plain file.
        kind: The reader that produced it: txt, md, pdf, html, email (.eml, .mbox,
            .msg), docx, odt, rtf.
        title: A human title (subject line, PDF title, first heading, file name).
        text: The extracted text; every citation offset refers to this string.
        pages: Page spans for paged formats (PDF), empty otherwise.
        metadata: Header-like fields (from, to, date, subject, ...), all strings.
        rows: For spreadsheets, where each row's line lies (in text order);
            the chunker then cuts only between rows. Empty otherwise.
    """

    path: str
    part: str | None
    kind: str
    title: str
    text: str
    pages: list[Page] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    rows: list[TableRow] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        """A stable hash of the extracted text: equal text means one stored document."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding character `offset`, or None for unpaged text."""
        return page_at(self.pages, offset)


@dataclass(frozen=True)
class Skipped:
    """A file or part that was not ingested, and why."""

    path: str
    reason: str

