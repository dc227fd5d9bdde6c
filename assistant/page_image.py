"""The image of a scanned page, rendered on demand from the original file, to check OCR text against."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from index.records import StoredDocument
from ingest.errors import SkippedFile
from ingest.ocr.render import PdfPages, frames, open_image

logger = logging.getLogger(__name__)

VIEW_DPI = 110  # enough to read a typed page on screen, small enough to send inline
MAX_PIXELS = 40_000_000


def page_image_png(document: StoredDocument, page: int, dpi: int = VIEW_DPI) -> bytes | None:
    """A PNG of page `page` of the document's original file.

    Returns:
        The PNG bytes, or None when there is nothing to show: the document is not a PDF
        or image, sits inside a container (an email attachment), its file is gone or a
        symbolic link, or the page cannot be rendered.
    """
    source = _original(document)
    if source is None or document.kind not in ("pdf", "image") or page < 1:
        return None
    try:
        data = source.read_bytes()
        image = _render(data, document.kind, page, dpi)
    except (OSError, SkippedFile, IndexError, ValueError) as exc:
        logger.debug("page %d of %s could not be rendered: %s", page, source, exc)
        return None
    if image is None:
        return None
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _original(document: StoredDocument) -> Path | None:
    # Only a plain file recorded at ingest time, never a path a user typed into the page.
    for location in document.locations:
        path = Path(location.path)
        if location.part is None and path.is_absolute() and not path.is_symlink() and path.is_file():
            return path
    return None


def _render(data: bytes, kind: str, page: int, dpi: int):
    if kind == "pdf":
        pages = PdfPages(data, MAX_PIXELS)
        try:
            return pages.render(page - 1, dpi)
        finally:
            pages.close()
    image = open_image(data, MAX_PIXELS)
    for number, frame in enumerate(frames(image, page, MAX_PIXELS), 1):
        if number == page:
            frame.thumbnail((1400, 1800))
            return frame
    return None
