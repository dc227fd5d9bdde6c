"""Pick the reader for a file name and run it safely on its bytes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import PurePath

from ingest.documents import Skipped
from ingest.errors import SkippedFile
from ingest.readers import docx, email, html, image, pdf, text
from ingest.ocr.options import OcrOptions
from ingest.ocr.options import using as using_ocr
from ingest.readers.base import ReadResult, one_line

logger = logging.getLogger(__name__)

READERS: dict[str, Callable[[bytes, str], ReadResult]] = {
    ".txt": text.read,
    ".md": text.read,
    ".pdf": pdf.read,
    ".html": html.read,
    ".htm": html.read,
    ".eml": email.read,
    ".mbox": email.read,
    ".docx": docx.read,
    **{extension: image.read for extension in image.EXTENSIONS},
}
SUPPORTED_EXTENSIONS = frozenset(READERS)

# A mail client leaves an empty .mbox for an empty folder; say so in its terms.
_EMPTY_REASONS = {".mbox": "empty mailbox"}


def unsupported_reason(name: str) -> str:
    """The skip reason for a file with no reader, e.g. "unsupported file type (.xls)"."""
    suffix = PurePath(name).suffix.lower()
    return f"unsupported file type ({suffix or 'no extension'})"


def read_bytes(data: bytes, name: str, *, ocr: OcrOptions | None = None) -> ReadResult:
    """Read a file's bytes with the reader its extension selects.

    Used for files on disk and for email attachments alike. Documents whose
    text is empty are dropped; inside a container they are reported as
    skipped parts with the reason "no text".

    Args:
        data: The file's bytes.
        name: The file name (only its extension and base name are used).
        ocr: How scanned pages and images are OCRed, for this file and the parts
            inside it; None keeps the current options (the defaults, or those of
            the container being read).

    Returns:
        The documents (path left "") and the skipped parts.

    Raises:
        SkippedFile: The whole file cannot be ingested. Unexpected parser
            errors are turned into SkippedFile too, so one bad file never
            stops a batch.
    """
    suffix = PurePath(name).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise SkippedFile(unsupported_reason(name))
    if not data or data.isspace():
        raise SkippedFile(_EMPTY_REASONS.get(suffix, "empty file"))
    try:
        with using_ocr(ocr):
            result = reader(data, name)
    except SkippedFile:
        raise
    except Exception as exc:
        logger.debug("%s: unexpected error in the %s reader", name, suffix, exc_info=True)
        raise SkippedFile(f"could not be read: {type(exc).__name__}: {one_line(exc)}") from exc
    return _without_empty_documents(result)


def _without_empty_documents(result: ReadResult) -> ReadResult:
    kept = [document for document in result.documents if document.text.strip()]
    skipped = list(result.skipped)
    for document in result.documents:
        if not document.text.strip() and document.part is not None:
            skipped.append(Skipped(path=document.part, reason="no text"))
    if not kept and not skipped:
        raise SkippedFile("no text")
    return ReadResult(documents=kept, skipped=skipped)
