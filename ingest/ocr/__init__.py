"""OCR for scanned PDF pages and images: options, engines, page rendering and a page cache."""

from ingest.ocr.engines import EngineMissing
from ingest.ocr.options import OcrOptions, current_options, using

__all__ = ["EngineMissing", "OcrOptions", "current_options", "using"]
