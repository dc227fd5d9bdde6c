"""Readers turn one file's bytes into documents, one module per format.

Every reader exposes `read(data: bytes, name: str) -> ReadResult` and raises
`SkippedFile` with a user-readable reason when the file cannot be ingested.
`read_file` is the entry point for files on disk.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from ingest.documents import Skipped
from ingest.errors import SkippedFile
from ingest.ocr.options import OcrOptions
from ingest.readers.base import ReadResult
from ingest.readers.dispatch import SUPPORTED_EXTENSIONS, read_bytes, unsupported_reason
from ingest.zipguard import ZipLimits

logger = logging.getLogger(__name__)

__all__ = ["SUPPORTED_EXTENSIONS", "ReadResult", "ZipLimits", "read_bytes", "read_file", "read_file_bytes",
           "load_file_bytes", "unsupported_reason"]

_MB = 1_000_000


def read_file(
    path: Path, *, max_bytes: int, zip_limits: ZipLimits | None = None, ocr: OcrOptions | None = None
) -> ReadResult:
    """Read one file from disk into documents.

    Args:
        path: The file; its lower-cased extension selects the reader.
        max_bytes: Larger files are skipped without being read.
        zip_limits: Limits for zip archives (the file itself, or one attached
            or nested in it); None for the defaults.
        ocr: How scanned PDF pages and images are OCRed; None uses the defaults.

    Returns:
        The documents, with `Document.path` set to `str(path)`, and the parts
        of the file that were skipped, each as
        `Skipped(path="<path> [<part>]", reason=...)`.

    Raises:
        SkippedFile: The file as a whole cannot be ingested (too large, empty,
            unsupported, corrupt, encrypted, ...). Never raises anything else
            for a bad file.
    """
    return read_file_bytes(load_file_bytes(path, max_bytes=max_bytes), path, zip_limits=zip_limits, ocr=ocr)


def load_file_bytes(path: Path, *, max_bytes: int) -> bytes:
    """A file's bytes, or SkippedFile when it is over `max_bytes` or cannot be opened."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SkippedFile(
                f"larger than the {max_bytes / _MB:g} MB limit ({_round_up_mb(size)} MB)"
            )
        return path.read_bytes()
    except OSError as exc:
        raise SkippedFile(f"could not be opened: {exc.strerror or exc}") from exc


def read_file_bytes(
    data: bytes, path: Path, *, zip_limits: ZipLimits | None = None, ocr: OcrOptions | None = None
) -> ReadResult:
    """Read the already loaded bytes of the file at `path`, exactly as `read_file` does.

    A worker on another machine gets the bytes, not the file (index/distributed.py).

    Raises:
        SkippedFile: As for `read_file`.
    """
    result = read_bytes(data, path.name, zip_limits=zip_limits, ocr=ocr)
    for document in result.documents:
        document.path = str(path)
    skipped = [Skipped(path=f"{path} [{part.path}]", reason=part.reason) for part in result.skipped]
    for part in skipped:
        logger.debug("skipped %s: %s", part.path, part.reason)
    return ReadResult(documents=result.documents, skipped=skipped)


def _round_up_mb(size: int) -> str:
    # Rounded up so that a file just over the limit never reads as equal to it.
    return f"{math.ceil(size * 10 / _MB) / 10:g}"
