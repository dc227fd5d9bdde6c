"""How OCR text shows in the UI: the warning on its quotes and the page image in the viewer."""

from __future__ import annotations

import base64
import io
import re

from PIL import Image

from assistant.answer import Citation
from assistant.page_image import page_image_png
from index.records import Location, StoredDocument
from ingest.documents import Page
from ui import render
from ui.ocr_view import OCR_NOTE, with_page_image
from tests.ocr_fixtures import image_bytes, image_only_pdf, page_image
from tests.test_ui_render import HOSTILE, make_hit

VIEWER = '<div class="foi-viewer">text</div>'


def scanned_document(path, kind="pdf", part=None, ocr=True) -> StoredDocument:
    return StoredDocument(
        doc_id="d1", kind=kind, title="<i>Scan</i>", text="Our reference FOI-2024-0417", pages=[Page(1, 0, 27, ocr=ocr)],
        metadata={}, locations=[Location(str(path), part)], added_at="2026-01-01", updated_at="2026-01-01",
    )


def test_ocr_hit_card_warns_and_text_layer_card_does_not():
    ocr_card = render.passage_card(make_hit(ocr=True), "cite")
    typed_card = render.passage_card(make_hit(), "cite")

    assert OCR_NOTE in ocr_card and OCR_NOTE not in typed_card
    assert "<script>" not in ocr_card  # the OCR text is escaped like any other


def test_ocr_citation_card_warns():
    citation = Citation(
        n=1, doc_id="d1", path="/x.pdf", part=None, title="T", page=1, start=0, end=5, quote=HOSTILE,
        citation="c", score=0.5, ocr=True,
    )

    card = render.citation_card(citation)

    assert OCR_NOTE in card and "<script>" not in card


def _shown_png(html: str) -> Image.Image:
    encoded = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html).group(1)
    return Image.open(io.BytesIO(base64.b64decode(encoded)))


def test_viewer_shows_the_scanned_page_beside_its_text(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(image_only_pdf(page_image()))

    html = with_page_image(scanned_document(path), 3, VIEWER)

    shown = _shown_png(html)
    assert abs(shown.width / shown.height - 8.27 / 11.69) < 0.02  # the A4 page itself
    assert VIEWER in html and "http" not in html.replace(VIEWER, "")


def test_viewer_shows_an_image_file_page(tmp_path):
    path = tmp_path / "scan.png"
    path.write_bytes(image_bytes(page_image()))

    assert _shown_png(with_page_image(scanned_document(path, kind="image"), None, VIEWER)).width > 100


def test_no_page_image_when_it_cannot_be_shown(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(image_only_pdf(page_image()))
    link = tmp_path / "link.pdf"
    link.symlink_to(path)

    assert with_page_image(scanned_document(tmp_path / "gone.pdf"), 0, VIEWER) == VIEWER
    assert with_page_image(scanned_document(path, ocr=False), 0, VIEWER) == VIEWER
    assert with_page_image(scanned_document(link), 0, VIEWER) == VIEWER
    assert page_image_png(scanned_document(path, part="message 2 / scan.pdf"), 1) is None
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    assert page_image_png(scanned_document(tmp_path / "broken.pdf"), 1) is None


def test_viewer_marks_ocr_pages():
    document = scanned_document("/nowhere.pdf")

    assert "— page 1 (OCR text) —" in render.document_view(document)
    assert "(OCR text)" not in render.document_view(scanned_document("/nowhere.pdf", ocr=False))
