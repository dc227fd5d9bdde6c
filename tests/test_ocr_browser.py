"""A scanned page in a real headless Chromium: the OCR warning on its hit, and its page image in the viewer."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.test_ui_browser import Browser, By, _fake_embedder_class, _free_port  # skips without Chromium
from assistant.api import Assistant
from tests.ocr_fixtures import mixed_pdf, page_image
from ui.ocr_view import OCR_NOTE
from ui.serve import serve

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs the tesseract-ocr package"),
]


@pytest.fixture(scope="module")
def scan_browser(tmp_path_factory, pytestconfig):
    root = tmp_path_factory.mktemp("ocr-browser")
    (root / "docs").mkdir()
    (root / "docs" / "reply.pdf").write_bytes(mixed_pdf(page_image()))
    (root / "docs" / "notes.txt").write_text("Typed notes about the A38 meeting.\n", encoding="utf-8")
    assistant = Assistant.open(root / "idx", embedder=_fake_embedder_class(pytestconfig)())
    assistant.ingest([root / "docs"])
    demo = serve(assistant, port=_free_port(), block=False, quiet=True)
    chrome = Browser(demo.local_url)
    yield chrome
    try:
        chrome.assert_stayed_local()
    finally:
        chrome.driver.quit()
        demo.close()
        assistant.close()


def test_scanned_hit_warns_and_the_viewer_shows_its_page_image(scan_browser):
    scan_browser.tab("Search")
    scan_browser.type_into("foi-query", "FOI-2024-0417 speed cameras", submit=True)
    card = scan_browser.wait_for("#foi-hits .foi-card", "FOI-2024-0417")
    assert OCR_NOTE in card.text
    card.find_element(By.CSS_SELECTOR, "button.foi-open").click()
    image = scan_browser.wait_for("#foi-viewer #foi-page-image img")
    time.sleep(0.5)
    assert scan_browser.driver.execute_script("return arguments[0].naturalWidth", image) > 500
    assert image.is_displayed()
    assert "FOI-2024-0417" in scan_browser.wait_for("#foi-viewer mark#cited").text
    assert "page 3 (OCR text)" in scan_browser.wait_for("#foi-viewer").text
    scan_browser.screenshots("ocr-viewer")
