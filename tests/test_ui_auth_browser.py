"""Sign-in in a real headless Chromium: a reader, an editor, a wrong password (then throttled).

Same rules as tests/test_ui_browser.py: any request the page makes beyond loopback fails the test.
"""

from __future__ import annotations

import time

import pytest

from assistant.api import Assistant
from assistant.users import Users
from tests.test_ui_browser import CHROMIUM, DOCS, Browser, _fake_embedder_class, _free_port

from selenium.webdriver.common.by import By  # noqa: E402  (test_ui_browser skipped the module if missing)
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from ui.serve import serve  # noqa: E402

ACCOUNTS = {"rita": ("reader", "reader-pass-1"), "ed": ("editor", "editor-pass-1")}
assert CHROMIUM.exists()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, pytestconfig):
    root = tmp_path_factory.mktemp("ui-auth-browser")
    for name, text in DOCS.items():
        (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / name).write_text(text, encoding="utf-8")
    assistant = Assistant.open(root / "idx", embedder=_fake_embedder_class(pytestconfig)())
    assistant.ingest([root / "docs"])
    for name, (role, password) in ACCOUNTS.items():
        Users(root / "idx").add(name, role, password)
    demo = serve(assistant, port=_free_port(), block=False, quiet=True)
    yield demo.local_url
    demo.close()
    assistant.close()


class SignInBrowser(Browser):
    """A Browser that starts at Gradio's login page instead of the app."""

    def __init__(self, url: str):
        self._loading = True
        super().__init__(url)

    def wait_for(self, css, text=None, timeout=20):
        if getattr(self, "_loading", False):  # Browser.__init__ waits for the app's footer: not yet
            self._loading = False
            return self.login_form()
        return super().wait_for(css, text, timeout)

    def login_form(self):
        return super().wait_for("input[type='password']")

    def sign_in(self, name: str, password: str) -> None:
        self.driver.get(self.url)
        self.login_form()
        fields = self.driver.find_elements(By.CSS_SELECTOR, "input[type='text'], input:not([type])")
        fields[0].send_keys(name)
        self.driver.find_element(By.CSS_SELECTOR, "input[type='password']").send_keys(password)
        button = next(b for b in self.driver.find_elements(By.TAG_NAME, "button") if b.text.strip().lower() == "login")
        button.click()

    def signed_in(self, timeout: float = 20) -> bool:
        try:
            WebDriverWait(self.driver, timeout).until(
                lambda d: d.find_elements(By.CSS_SELECTOR, "#foi-signed-in")
            )
            return True
        except Exception:
            return False

    def check_requests(self) -> None:
        self.assert_stayed_local()


@pytest.fixture
def browser(app_url):
    chrome = SignInBrowser(app_url)
    yield chrome
    try:
        chrome.check_requests()
    finally:
        chrome.driver.quit()


def _visible(browser, css: str) -> bool:
    return any(e.is_displayed() for e in browser.driver.find_elements(By.CSS_SELECTOR, css))


def test_reader_sees_no_upload_controls_and_cannot_remove(browser):
    browser.sign_in("rita", ACCOUNTS["rita"][1])
    assert browser.signed_in(), "the reader was not let in"
    assert "rita" in browser.wait_for("#foi-signed-in").text and "reader" in browser.wait_for("#foi-signed-in").text
    browser.tab("Documents")
    time.sleep(0.5)
    assert not _visible(browser, "#foi-upload") and not _visible(browser, "#foi-update")
    browser.tab("Viewer")
    assert not _visible(browser, "#foi-remove")
    assert not any(b.text.strip() == "Audit" for b in browser.driver.find_elements(By.CSS_SELECTOR, "button[role='tab']"))
    # The page's own search still works for a reader.
    browser.tab("Search")
    browser.type_into("foi-query", "body worn video", submit=True)
    browser.wait_for("#foi-hits", "Body worn video")


def test_editor_uploads_and_updates(browser, tmp_path):
    browser.sign_in("ed", ACCOUNTS["ed"][1])
    assert browser.signed_in()
    browser.tab("Documents")
    upload = tmp_path / "helicopter report.txt"
    upload.write_text("Police helicopter\nThe police helicopter flew 900 hours over the city.\n", encoding="utf-8")
    browser.driver.find_element(By.CSS_SELECTOR, "#foi-upload input[type='file']").send_keys(str(upload))
    browser.wait_for("#foi-upload-status", "saved")
    browser.wait_for("#foi-update").click()
    browser.wait_for("#foi-report", "helicopter report.txt", timeout=60)
    assert _visible(browser, "#foi-update")


def test_wrong_password_is_refused_then_throttled(browser):
    for attempt in range(5):
        browser.sign_in("ed", f"wrong-{attempt}")
        assert not browser.signed_in(timeout=3), "a wrong password was accepted"
    browser.sign_in("ed", ACCOUNTS["ed"][1])  # the right one, but from a throttled name and address
    assert not browser.signed_in(timeout=4), "the sign-in was not throttled after 5 failures"
    assert browser.driver.find_elements(By.CSS_SELECTOR, "input[type='password']")
