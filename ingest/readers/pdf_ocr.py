"""OCR the scanned pages of a PDF: pages whose text layer is (nearly) empty are rendered and read."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.documents import Skipped
from ingest.errors import SkippedFile
from ingest.ocr.options import OcrOptions, current_options
from ingest.ocr.recognise import Recogniser
from ingest.ocr.render import PdfPages

SCANNED = "scanned PDF"


@dataclass
class OcrOutcome:
    """Page texts after OCR, which pages (1-based) were OCRed, and scanned pages left unread."""

    texts: list[str]
    ocr_pages: set[int] = field(default_factory=set)
    skipped: list[Skipped] = field(default_factory=list)


def letter_count(text: str) -> int:
    return sum(character.isalpha() for character in text)


def pages_to_ocr(texts: list[str], options: OcrOptions) -> list[int]:
    """0-based indexes of the pages to OCR: every page when forced, else those with too few letters."""
    if options.mode == "off":
        return []
    if options.mode == "force":
        return list(range(len(texts)))
    return [index for index, text in enumerate(texts) if letter_count(text) < options.min_letters]


def ocr_scanned_pages(data: bytes, texts: list[str]) -> OcrOutcome:
    """Replace the text of scanned pages with what OCR reads on their rendered image.

    A page keeps its text layer unless OCR finds more letters on it (or OCR is forced).

    Raises:
        SkippedFile: No page has text and the scanned pages could not be OCRed (engine
            missing, rendering failed), with a reason starting "scanned PDF: ".
    """
    options = current_options()
    wanted = pages_to_ocr(texts, options)
    if not wanted:
        return OcrOutcome(list(texts))
    try:
        recognised = _recognise(data, wanted, options)
    except SkippedFile as exc:
        if not any(text.strip() for text in texts):
            raise SkippedFile(f"{SCANNED}: {exc.reason}") from exc
        return OcrOutcome(list(texts), skipped=[Skipped(path=page_label(wanted), reason=f"{SCANNED}: {exc.reason}")])
    outcome = OcrOutcome(list(texts))
    for index, text in zip(wanted, recognised):
        if text.strip() and (options.mode == "force" or letter_count(text) > letter_count(texts[index])):
            outcome.texts[index] = text
            outcome.ocr_pages.add(index + 1)
    return outcome


def _recognise(data: bytes, wanted: list[int], options: OcrOptions) -> list[str]:
    pages = PdfPages(data, options.max_image_pixels)
    try:
        return Recogniser(options).recognise((pages.render(index, options.dpi) for index in wanted), len(wanted))
    finally:
        pages.close()


def page_label(indexes: list[int]) -> str:
    """ "page 3" or "pages 2–4" or "pages 2, 5, 7" for 0-based page indexes."""
    numbers = [index + 1 for index in indexes]
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"pages {numbers[0]}–{numbers[-1]}"
    return "pages " + ", ".join(str(number) for number in numbers)
