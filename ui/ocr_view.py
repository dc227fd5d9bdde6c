"""How OCR text shows in the UI: a warning under its quotes, and the page image beside the viewer."""

from __future__ import annotations

import base64
import html

OCR_NOTE = "OCR text — check against the page image"


def ocr_note(ocr: bool) -> str:
    """The warning under a quote read by OCR (empty for text-layer quotes)."""
    return f'<div class="foi-ocr-note">{OCR_NOTE}</div>' if ocr else ""


def page_beside(viewer_html: str, png: bytes, page: int) -> str:
    """The viewer's text with the scanned page's image beside it.

    The image is inline (a data: URL), so showing it makes no request at all.
    """
    encoded = base64.b64encode(png).decode("ascii")
    caption = html.escape(f"Page {page} as scanned — {OCR_NOTE}")
    return (
        '<div class="foi-ocr-view">'
        f'<figure class="foi-page-image" id="foi-page-image"><img alt="Image of page {int(page)}" '
        f'src="data:image/png;base64,{encoded}"><figcaption>{caption}</figcaption></figure>'
        f"{viewer_html}</div>"
    )


def with_page_image(document, start: int | None, viewer_html: str) -> str:
    """`viewer_html` with the page image beside it when the cited page (or, with no citation,
    the first OCRed page) was read by OCR and its original file is on disk."""
    from assistant.page_image import page_image_png

    page = document.page_at(start) if start is not None else min(document.ocr_pages, default=None)
    png = page_image_png(document, page) if page is not None and page in document.ocr_pages else None
    return page_beside(viewer_html, png, page) if png else viewer_html
