"""Images (.png .jpg .jpeg .tif .tiff): every page OCRed; a multi-page TIFF gives one page each."""

from __future__ import annotations

from pathlib import PurePath

from ingest.documents import Document, Page, Skipped
from ingest.errors import SkippedFile
from ingest.ocr.engines import EngineMissing
from ingest.ocr.options import current_options
from ingest.ocr.recognise import Recogniser
from ingest.ocr.render import frame_count, frames, open_image
from ingest.readers.base import ReadResult

PAGE_SEPARATOR = "\n\n"
EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def read(data: bytes, name: str) -> ReadResult:
    """OCR an image file.

    Args:
        data: The file's bytes.
        name: The file name, used as the title.

    Returns:
        One document with one OCR `Page` per image page; pages past the page limit are
        reported as one skipped part.

    Raises:
        SkippedFile: Not an image, a decompression bomb, OCR off or not installed,
            or no text found.
    """
    options = current_options()
    image = open_image(data, options.max_image_pixels)
    if options.mode == "off":
        raise SkippedFile('scanned image: OCR is off (ocr = "off")')
    total = frame_count(image)
    count = min(total, options.max_pages)
    try:
        texts = Recogniser(options).recognise(frames(image, count, options.max_image_pixels), count)
    except EngineMissing as exc:
        raise SkippedFile(f"scanned image: {exc.reason}") from exc
    if not any(text.strip() for text in texts):
        raise SkippedFile("no text (OCR found none on the image)")
    skipped = []
    if total > count:
        skipped.append(
            Skipped(path=f"pages {count + 1}–{total}", reason=f"not read: over the {count}-page limit (ocr_max_pages)")
        )
    pages: list[Page] = []
    position = 0
    for number, text in enumerate(texts, start=1):
        if number > 1:
            position += len(PAGE_SEPARATOR)
        pages.append(Page(number, position, position + len(text), ocr=True))
        position += len(text)
    document = Document(
        path="",
        part=None,
        kind="image",
        title=PurePath(name).name,
        text=PAGE_SEPARATOR.join(texts),
        pages=pages,
        metadata={"page_count": str(total), "format": (image.format or "").lower()},
    )
    return ReadResult(documents=[document], skipped=skipped)
