"""PDF files, text kept page by page."""

from __future__ import annotations

import io
import logging
import re

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from ingest.documents import Document, Page
from ingest.errors import SkippedFile
from ingest.ocr.options import current_options
from ingest.readers.base import ReadResult, make_title, normalise_newlines, one_line
from ingest.readers.pdf_ocr import OcrOutcome, ocr_scanned_pages

logger = logging.getLogger(__name__)

PAGE_SEPARATOR = "\n\n"
# Real PDFs may carry a few bytes of junk before the header; readers accept it
# within the first kilobyte.
_HEADER_WINDOW = 1024
_NEEDS_CRYPTOGRAPHY = "encrypted PDF (AES): reading it needs the 'cryptography' package"
_MEANINGLESS_TITLES = {"untitled", "title", "document", "microsoft word", "none", "pdf"}
_FILE_NAME_TITLE = re.compile(r"\.(docx?|xlsx?|pptx?|pdf|rtf|odt|txt|html?)$", re.IGNORECASE)


class _DemoteToDebug(logging.Handler):
    """Re-log pypdf's records at DEBUG under this module's logger."""

    def emit(self, record: logging.LogRecord) -> None:
        logger.debug("pypdf %s: %s", record.levelname.lower(), record.getMessage())


# pypdf warns on every slightly malformed object, which floods stderr during a
# batch of real-world PDFs; the messages are still available at DEBUG.
_pypdf_logger = logging.getLogger("pypdf")
if not any(isinstance(handler, _DemoteToDebug) for handler in _pypdf_logger.handlers):
    _pypdf_logger.addHandler(_DemoteToDebug())
    _pypdf_logger.propagate = False


def read(data: bytes, name: str) -> ReadResult:
    """Read a PDF's text layer, OCRing the pages that have none (see `ingest.readers.pdf_ocr`).

    `Document.text` is the page texts joined by a blank line, and
    `Document.pages` gives each page's span in it, so a hit can be cited by page.
    Encrypted PDFs that open with an empty password are read.

    Args:
        data: The file's bytes.
        name: The file name, used as the title when the PDF has none.

    Returns:
        One document with one `Page` per PDF page (`Page.ocr` marks OCRed pages), and
        the scanned pages that could not be OCRed as skipped parts.

    Raises:
        SkippedFile: Not a PDF, corrupt, password-protected, or without any
            text even after OCR (or a scan that could not be OCRed).
    """
    if b"%PDF" not in data[:_HEADER_WINDOW]:
        raise SkippedFile("not a PDF (file does not start with %PDF)")
    reader = _open(data)
    try:
        page_count = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise SkippedFile("encrypted PDF (password required)") from exc
    except Exception as exc:  # pypdf raises many types for a broken page tree
        raise SkippedFile(f"corrupt PDF: {one_line(exc)}") from exc
    if page_count == 0:
        raise SkippedFile("corrupt PDF: no pages")

    page_texts: list[str] = []
    errors: list[Exception] = []
    for index in range(page_count):
        try:
            page_texts.append(_page_text(reader, index))
        except Exception as exc:  # one unreadable page must not cost the others
            logger.warning("%s: page %d: text could not be extracted: %s", name, index + 1, exc)
            page_texts.append("")
            errors.append(exc)
    if len(errors) == page_count:
        raise SkippedFile(f"corrupt PDF: no page could be read ({one_line(errors[0])})")
    ocr = ocr_scanned_pages(data, page_texts)
    page_texts = ocr.texts
    if not any(text.strip() for text in page_texts):
        raise SkippedFile(_no_text_reason(ocr))

    pages: list[Page] = []
    position = 0
    for number, page_text in enumerate(page_texts, start=1):
        if number > 1:
            position += len(PAGE_SEPARATOR)
        pages.append(Page(number, position, position + len(page_text), ocr=number in ocr.ocr_pages))
        position += len(page_text)
    document = Document(
        path="",
        part=None,
        kind="pdf",
        title=_title(reader, name),
        text=PAGE_SEPARATOR.join(page_texts),
        pages=pages,
        metadata=_metadata(reader, page_count),
    )
    return ReadResult(documents=[document], skipped=ocr.skipped)


def _no_text_reason(ocr: OcrOutcome) -> str:
    if current_options().mode == "off":
        return "no extractable text (scanned PDF? OCR is off)"
    return "no extractable text (scanned PDF: OCR found no text on its pages)"


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except DependencyError as exc:
        raise SkippedFile(_NEEDS_CRYPTOGRAPHY) from exc
    except NotImplementedError as exc:
        raise SkippedFile(f"encrypted PDF (unsupported encryption: {one_line(exc)})") from exc
    except Exception as exc:  # pypdf raises many error types for a damaged file
        raise SkippedFile(f"corrupt PDF: {one_line(exc)}") from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except DependencyError as exc:
            raise SkippedFile(_NEEDS_CRYPTOGRAPHY) from exc
        except NotImplementedError as exc:
            raise SkippedFile(f"encrypted PDF (unsupported encryption: {one_line(exc)})") from exc
        except Exception as exc:
            raise SkippedFile(f"corrupt PDF: broken encryption ({one_line(exc)})") from exc
        if opened == PasswordType.NOT_DECRYPTED:
            raise SkippedFile("encrypted PDF (password required)")
    return reader


def _page_text(reader: PdfReader, index: int) -> str:
    text = reader.pages[index].extract_text() or ""
    return normalise_newlines(text).replace("\x00", "")


def _title(reader: PdfReader, name: str) -> str:
    try:
        title = (reader.metadata or {}).get("/Title")
    except Exception:  # a broken /Info dictionary is not worth skipping the file
        logger.debug("%s: unreadable PDF metadata", name, exc_info=True)
        return name
    title = re.sub(r"\s+", " ", str(title or "")).strip()
    # Office's PDF export often stores "Microsoft Word - report.docx" as the title.
    title = re.sub(r"^Microsoft (Word|Excel|PowerPoint) - ", "", title)
    if title.lower() in _MEANINGLESS_TITLES or _FILE_NAME_TITLE.search(title):
        return name
    return make_title(title, name)


def _metadata(reader: PdfReader, page_count: int) -> dict[str, str]:
    metadata = {"page_count": str(page_count)}
    try:
        info = reader.metadata
        if info is None:
            return metadata
        if info.author and info.author.strip():
            metadata["author"] = info.author.strip()
        if info.creation_date is not None:
            metadata["created"] = info.creation_date.isoformat()
    except Exception:  # malformed /Info values are common and never worth a skip
        logger.debug("unreadable PDF metadata", exc_info=True)
    return metadata
