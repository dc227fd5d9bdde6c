"""What an ingest is told by the settings: its update options, OCR included."""

from __future__ import annotations

import os

from assistant.settings import Settings
from index.update import UpdateOptions
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


def update_options(settings: Settings, *, sync: bool = False) -> UpdateOptions:
    """The `UpdateOptions` of an ingest (chunking, limits, zip and OCR rules) from the settings."""
    return UpdateOptions(
        chunk_tokens=settings.effective_chunk_tokens,
        chunk_overlap=settings.effective_chunk_overlap,
        max_file_bytes=int(settings.max_file_mb * 1_000_000),
        batch_size=settings.batch_size,
        lock_timeout=settings.lock_timeout,
        sync=sync,
        boilerplate_min_documents=settings.boilerplate_min_documents,
        ann_threshold=settings.ann_threshold,
        zip_limits=settings.zip_limits,
        ocr=ocr_options(settings),
        chunk_context=settings.chunk_context or "none",
    )
