"""OCR options for an ingest, from the settings."""

from __future__ import annotations

import os

from assistant.settings import Settings
from ingest.ocr.options import OcrOptions


def ocr_options(settings: Settings) -> OcrOptions:
    """The `OcrOptions` the readers use, built from the `ocr_*` settings."""
    return OcrOptions(
        mode=settings.ocr,
        engine=settings.ocr_engine,
        languages=settings.ocr_languages,
        dpi=settings.ocr_dpi,
        min_letters=settings.ocr_min_letters,
        max_pages=settings.ocr_max_pages,
        max_image_pixels=settings.ocr_max_image_pixels,
        cache_dir=settings.effective_ocr_cache_dir,
        workers=settings.ocr_workers or os.cpu_count() or 1,
    )
