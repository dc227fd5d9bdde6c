"""How pages are OCRed: the options an ingest passes down to the readers that need them."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

OcrMode = Literal["auto", "off", "force"]
EngineName = Literal["tesseract", "rapidocr"]


@dataclass(frozen=True)
class OcrOptions:
    """What to OCR and how.

    Attributes:
        mode: "auto" OCRs PDF pages whose text layer has fewer than `min_letters`
            letters, and every image; "force" OCRs every PDF page (the text layer is
            replaced); "off" never OCRs (scanned pages and images are skipped).
        engine: "tesseract" (the Debian tesseract-ocr program) or "rapidocr"
            (the rapidocr-onnxruntime wheel).
        languages: Tesseract language codes joined by "+", e.g. "eng" or "eng+cym".
        dpi: Resolution PDF pages are rendered at before OCR.
        min_letters: A PDF page with fewer letters than this in its text layer is a scan.
        max_pages: At most this many pages of one image file (a multi-page TIFF) are read.
        max_image_pixels: An image (or rendered page) larger than this is refused as a
            decompression bomb.
        cache_dir: Where recognised page texts are kept as JSON, keyed by page hash;
            None keeps no cache.
        workers: Pages OCRed at once.
        progress: Called as progress(done, total) as pages are recognised.
    """

    mode: OcrMode = "auto"
    engine: EngineName = "tesseract"
    languages: str = "eng"
    dpi: int = 150
    min_letters: int = 20
    max_pages: int = 200
    max_image_pixels: int = 100_000_000
    cache_dir: Path | None = None
    workers: int = 2
    progress: Callable[[int, int], None] | None = None


# Readers keep the plain read(data, name) signature; a container reader (an email with a
# scanned attachment) passes its parts on through read_bytes, so the options ride in a
# context variable that read_bytes sets, instead of in every reader's arguments.
_current: contextvars.ContextVar[OcrOptions] = contextvars.ContextVar("foi_ocr_options", default=OcrOptions())


def current_options() -> OcrOptions:
    """The OCR options of the read in progress (the defaults outside one)."""
    return _current.get()


@contextlib.contextmanager
def using(options: OcrOptions | None) -> Iterator[OcrOptions]:
    """Make `options` the current OCR options inside the block (None keeps the current ones)."""
    if options is None:
        yield _current.get()
        return
    token = _current.set(options)
    try:
        yield options
    finally:
        _current.reset(token)
