"""What the store hands out: documents, their locations, heads and texts, and chunks."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.documents import Document, Page
from ingest.textutil import page_at


def ocr_between(ocr_pages: frozenset[int], page: int | None, page_end: int | None) -> bool:
    """True when a hit on pages page..page_end (None: unpaged) quotes OCRed text."""
    if page is None or not ocr_pages:
        return False
    return any(number in ocr_pages for number in range(page, (page_end or page) + 1))


@dataclass(frozen=True)
class Location:
    """Where a stored document was found: a file, and a part inside it."""

    path: str
    part: str | None


@dataclass(frozen=True)
class StoredDocument:
    """A document as stored, with every location it was found at."""

    doc_id: str
    kind: str
    title: str
    text: str
    pages: list[Page]
    metadata: dict[str, str]
    locations: list[Location]
    added_at: str
    updated_at: str

    @property
    def location(self) -> Location:
        return self.locations[0] if self.locations else Location("", None)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding character `offset`, or None for unpaged text."""
        return page_at(self.pages, offset)

    @property
    def ocr_pages(self) -> frozenset[int]:
        """Numbers of the pages whose text was OCRed."""
        return frozenset(page.number for page in self.pages if page.ocr)

    def as_document(self, metadata: dict | None = None) -> Document:
        """The document as a reader would give it, at its first location (for re-chunking)."""
        return Document(
            path=self.location.path, part=self.location.part, kind=self.kind, title=self.title, text=self.text,
            pages=self.pages, metadata=self.metadata if metadata is None else metadata,
        )


@dataclass(frozen=True)
class DocumentHead:
    """What a search filter looks at: a document without its text."""

    doc_id: str
    kind: str
    metadata: dict
    locations: list[Location]


@dataclass(frozen=True)
class DocumentText:
    """What a hit quotes and names: a document's text, title and metadata at its first location,
    read without its page table (a search that returns only hits needs no more)."""

    doc_id: str
    kind: str
    title: str
    text: str
    metadata: dict
    location: Location
    ocr_pages: frozenset[int] = frozenset()


@dataclass(frozen=True)
class StoredChunk:
    doc_id: str
    seq: int
    start: int
    end: int
    page_start: int | None
    page_end: int | None
    vector_id: int
