"""Turn files on disk into documents (text, pages, metadata) and chunks."""

from ingest.documents import Document, Page, Skipped
from ingest.errors import SkippedFile

__all__ = ["Document", "Page", "Skipped", "SkippedFile"]
