"""End-to-end flows in a real headless Chromium, with every network request checked.

The page must only ever talk to the local server: any request to another host
(fonts, CDNs, analytics) fails the test. Screenshots of each tab at desktop and
phone widths go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import datetime
import json
import socket
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from assistant.api import Assistant

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian chromium, chromium-driver)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from ui.serve import serve  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
XSS_TEXT = (
    "Hostile markup about surveillance drones\n"
    "This page contains <script>alert(1)</script> and <img src=x onerror=alert(1)> "
    "and <img src=y onerror=\"window.__xss=1\"> written by a requester about surveillance drones.\n"
)
DOCS = {
    "wmp/bwv.txt": "Body worn video\nThe force uses body worn video cameras on all response officers. "
    "There are 1,200 body worn video cameras in use across the force area.\n"
    "Footage is kept for 31 days unless it is needed as evidence.\n",
    "wmp/hostile.txt": XSS_TEXT,
    "other/budget.md": "# Budget\nThe annual budget for body worn video cameras was 300,000 pounds last year.\n",
    "foi/north.txt": "North Police\nOur ref: FOI 101/24\nDate: 3 March 2024\n\nRequest\nDoes the force use facial "
    "recognition?\n\nResponse\nI can confirm that North Police uses live facial recognition at major events.",
    "foi/south.txt": "South Constabulary\nOur ref: FOI 202/24\nDate: 5 April 2024\n\nRequest\nDoes the force use "
    "facial recognition?\n\nResponse\nSouth Constabulary can neither confirm nor deny that it holds this "
    "information by virtue of section 31(3) and section 24(2).",
}
APPEAL = (
    "If you are dissatisfied with the handling of your request you may ask for an internal review within 40 "
    "working days. If you remain dissatisfied you may complain to the Information Commissioner's Office about "
    "the council's handling of the request."
)
# A spreadsheet export: the viewer shows a cited row as a table under its header (escaped).
DOCS["tables/shoplifting.csv"] = (
    "Offence <b>type</b>,2021/22,2022/23\nShoplifting offences,310,363\nBicycle thefts,41,57\n"
)
# The same appeal text in three replies: search folds it into one hit "also in 2 other documents".
DOCS.update({
    f"council/{name}.txt": f"{name.capitalize()} reply\nThe council answered the {name} request.\n\n{APPEAL}\n"
    for name in ("parking", "libraries", "potholes")
})


def _fake_embedder_class(config):
    for plugin in config.pluginmanager.get_plugins():
        if hasattr(plugin, "FakeEmbedder"):
            return plugin.FakeEmbedder
    raise LookupError("tests/conftest.py defines no FakeEmbedder")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, pytestconfig):
    root = tmp_path_factory.mktemp("ui-browser")
    for name, text in DOCS.items():
        (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / name).write_text(text, encoding="utf-8")
    assistant = Assistant.open(root / "idx", embedder=_fake_embedder_class(pytestconfig)())
    assistant.ingest([root / "docs"])
    demo = serve(assistant, port=_free_port(), block=False, quiet=True)
    yield demo.local_url
    demo.close()
    assistant.close()


class Browser:
    """A headless Chromium that records every request URL the page makes."""

    def __init__(self, url: str):
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        self.url = url
        self.requests: list[str] = []
        self.resize("desktop")
        self.driver.get(url)
        self.wait_for("#foi-footer .foi-footer")

    def resize(self, size: str) -> None:
        self.driver.set_window_size(*SIZES[size])

    def collect_requests(self) -> list[str]:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
        return self.requests

    def assert_stayed_local(self) -> None:
        """Fail if the page made any request to a host beyond loopback."""
        foreign = [u for u in self.collect_requests() if urlparse(u).scheme in ("http", "https", "ws", "wss")
                   and urlparse(u).hostname not in LOCAL_HOSTS]
        assert not foreign, f"requests left the machine: {foreign}"

    def wait_for(self, css: str, text: str | None = None, timeout: float = 20):
        def found(driver):
            try:
                for element in driver.find_elements(By.CSS_SELECTOR, css):
                    if text is None or text in element.text:
                        return element
            except StaleElementReferenceException:  # re-rendered while we looked: look again
                pass
            return False

        try:
            return WebDriverWait(self.driver, timeout).until(found)
        except TimeoutException:
            self.screenshot("timeout")
            raise AssertionError(f"timed out waiting for {css!r} containing {text!r}") from None

    def tab(self, name: str) -> None:
        buttons = self.driver.find_elements(By.CSS_SELECTOR, "button[role='tab']")
        next(b for b in buttons if b.text.strip() == name).click()
        time.sleep(0.3)

    def type_into(self, elem_id: str, text: str, submit: bool = False) -> None:
        box = self.wait_for(f"#{elem_id} textarea, #{elem_id} input")
        # clear() fires no input event, so Gradio would keep the old value: delete by keys.
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.BACKSPACE)
        box.send_keys(text + (Keys.ENTER if submit else ""))

    def choose(self, elem_id: str, index: int = 0, text: str | None = None) -> None:
        """Pick the option at `index`, or the first containing `text`, in a Gradio dropdown."""
        self.wait_for(f"#{elem_id} input").click()
        options = WebDriverWait(self.driver, 10).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, f"#{elem_id} ul.options li, #{elem_id} [role='option']")
        )
        if text is not None:
            options = [o for o in options if text in o.text]
        options[index].click()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / ".gitignore").write_text("*\n")
        path = ARTIFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def screenshots(self, name: str, scroll_to: str | None = None) -> None:
        """Desktop and phone screenshots of the current view (centred on `scroll_to`); back to desktop after."""
        for size in SIZES:
            self.resize(size)
            time.sleep(0.4)
            if scroll_to:
                self.driver.execute_script(
                    "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", scroll_to
                )
                time.sleep(0.2)
            self.screenshot(f"{name}-{size}")
        self.resize("desktop")

    def assert_no_alert(self) -> None:
        with pytest.raises(NoAlertPresentException):
            self.driver.switch_to.alert.text  # noqa: B018
        assert self.driver.execute_script("return window.__xss") is None


@pytest.fixture(scope="module")
def browser(app_url):
    chrome = Browser(app_url)
    yield chrome
    try:
        chrome.assert_stayed_local()
    finally:
        chrome.driver.quit()


def test_ask_cite_and_open_viewer(browser):
    browser.tab("Ask")
    browser.type_into("foi-question", "Does the force use body worn video cameras?", submit=True)
    card = browser.wait_for("#foi-citations .foi-card", "Body worn video")
    assert "[1]" in card.text
    browser.wait_for("#foi-chat", "[1]")
    assert "Body worn video" in browser.wait_for("#foi-plain textarea").get_attribute("value")
    assert card.find_element(By.CSS_SELECTOR, "button.foi-open").is_displayed()
    browser.screenshots("ask")
    # Clicking the card's [n] opens the viewer at the cited passage.
    card.find_element(By.CSS_SELECTOR, ".foi-badge").click()
    cited = browser.wait_for("#foi-viewer mark#cited")
    assert "body worn video cameras" in cited.text
    time.sleep(0.6)
    in_view = browser.driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight;", cited
    )
    assert in_view
    # The original file of the shown document can be downloaded.
    assert browser.wait_for("#foi-download", "Download original (bwv.txt)").is_displayed()
    browser.screenshots("viewer")


def test_search_with_filter(browser):
    browser.tab("Search")
    browser.type_into("foi-folder", "wmp")
    browser.type_into("foi-query", "body worn video cameras", submit=True)
    browser.wait_for("#foi-hits .foi-card mark", "")
    cards = browser.driver.find_elements(By.CSS_SELECTOR, "#foi-hits .foi-card")
    assert cards and all("budget" not in c.text.lower() for c in cards)
    marks = browser.driver.find_elements(By.CSS_SELECTOR, "#foi-hits .foi-card mark")
    assert {m.text.lower() for m in marks} >= {"body", "video"}
    browser.wait_for("#foi-csv", ".csv")
    browser.screenshots("search")


def test_hostile_document_is_shown_as_text(browser):
    browser.tab("Search")
    browser.type_into("foi-folder", "")
    browser.type_into("foi-query", "hostile markup surveillance drones", submit=True)
    card = browser.wait_for("#foi-hits .foi-card", "<script>alert(1)</script>")
    assert "<img src=x onerror=alert(1)>" in card.text
    card.find_element(By.CSS_SELECTOR, "button.foi-open").click()
    viewer = browser.wait_for("#foi-viewer .foi-viewer", "<img src=y onerror=")
    assert "<script>alert(1)</script>" in viewer.text
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "#foi-viewer img, #foi-hits img, #foi-viewer script")
    time.sleep(0.5)
    browser.assert_no_alert()
    browser.screenshots("hostile")


def test_chat_markers_open_their_own_answers_passage(browser):
    browser.tab("Ask")
    browser.driver.find_element(By.XPATH, "//button[normalize-space()='New conversation']").click()
    WebDriverWait(browser.driver, 10).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, "#foi-chat a.foi-marker, #foi-citations .foi-card")
    )
    browser.type_into("foi-question", "Does the force use body worn video cameras?", submit=True)
    browser.wait_for("#foi-citations .foi-card", "Body worn video")
    first_answer = len(browser.driver.find_elements(By.CSS_SELECTOR, "#foi-chat a.foi-marker"))
    assert first_answer >= 1
    browser.type_into("foi-question", "Does North Police use live facial recognition at major events?", submit=True)
    browser.wait_for("#foi-citations .foi-card", "North Police")
    markers = browser.driver.find_elements(By.CSS_SELECTOR, "#foi-chat a.foi-marker")
    assert len(markers) > first_answer and markers[0].text == "[1]" and markers[first_answer].text == "[1]"
    # Each marker opens its own answer's passage: the newer answer's [1] ...
    markers[first_answer].click()
    browser.wait_for("#foi-viewer mark#cited", "facial recognition")
    assert "#foi-cite" not in browser.driver.current_url
    # ... and the older answer's [1] the older passage, not the current cards' [1].
    browser.tab("Ask")
    browser.driver.find_elements(By.CSS_SELECTOR, "#foi-chat a.foi-marker")[0].click()
    browser.wait_for("#foi-viewer mark#cited", "body worn video")
    browser.tab("Ask")
    plain = browser.wait_for("#foi-plain textarea").get_attribute("value")
    assert "[1]" in plain and "<a" not in plain and "foi-cite" not in plain
    browser.assert_no_alert()


def test_search_facets_apply_and_clear_a_filter(browser):
    browser.tab("Search")
    browser.type_into("foi-folder", "")
    browser.type_into("foi-query", "facial recognition force", submit=True)
    browser.wait_for("#foi-hits .foi-card mark", "facial")  # this query's results, not the last one's
    browser.wait_for("#foi-facets .foi-facets", "South Constabulary")
    browser.wait_for("#foi-hits .foi-card", "North Police")
    browser.screenshots("search-facets", scroll_to="#foi-facets")
    facet = "#foi-facets button[data-facet='authority'][data-value='South Constabulary']"
    browser.wait_for(facet).click()
    browser.wait_for(facet + "[aria-pressed='true']")
    assert browser.wait_for("#foi-authority input, #foi-authority textarea").get_attribute("value") == "South Constabulary"
    titles = {t.text for t in browser.driver.find_elements(By.CSS_SELECTOR, "#foi-hits .foi-card .foi-title")}
    assert titles == {"South Constabulary"}
    # Clicking the applied value again removes the filter.
    browser.wait_for(facet).click()
    browser.wait_for(facet + "[aria-pressed='false']")
    assert browser.wait_for("#foi-authority input, #foi-authority textarea").get_attribute("value") == ""
    browser.wait_for("#foi-hits .foi-card", "North Police")


def test_collapsed_boilerplate_expands_and_opens_the_others(browser):
    browser.tab("Search")
    browser.type_into("foi-query", "internal review Information Commissioner complaint", submit=True)
    summary = browser.wait_for("#foi-hits details.foi-also summary", "also in 2 other documents")
    details = summary.find_element(By.XPATH, "..")
    assert details.get_attribute("open") is None
    summary.click()
    WebDriverWait(browser.driver, 5).until(lambda d: details.get_attribute("open") is not None)
    # Expanding the list does not open the card's own document.
    assert browser.driver.find_element(By.CSS_SELECTOR, "button[role='tab'][aria-selected='true']").text == "Search"
    entries = details.find_elements(By.CSS_SELECTOR, "button.foi-link")
    assert len(entries) == 2 and all(e.text.endswith("reply") for e in entries)
    browser.screenshots("search-also-in", scroll_to="#foi-hits details.foi-also[open]")
    title = entries[0].text
    entries[0].click()
    browser.wait_for("#foi-viewer .foi-viewer", title)
    assert browser.wait_for("#foi-doc-pick input").get_attribute("value").startswith(title)


def test_compare_tab_lists_responses_and_opens_the_sentence(browser):
    browser.tab("Compare")
    browser.type_into("foi-topic", "facial recognition force", submit=True)
    browser.wait_for("#foi-compare-status", "responses")
    table = browser.wait_for("#foi-compare-table", "South Constabulary")
    assert "s.31(3)" in table.text and "North Police" in table.text and "101/24" in table.text
    browser.wait_for("#foi-compare-csv", ".csv")
    browser.screenshots("compare")
    authority = next(c for c in table.find_elements(By.CSS_SELECTOR, "[role='gridcell'][data-col='0']")
                     if c.text == "South Constabulary")
    row = authority.get_attribute("data-row")
    sentence = table.find_element(By.CSS_SELECTOR, f"[data-testid='cell-{row}-5']").text
    authority.click()
    cited = browser.wait_for("#foi-viewer mark#cited")
    assert " ".join(cited.text.split()) == " ".join(sentence.split())
    assert "neither confirm nor deny" in browser.wait_for("#foi-viewer .foi-viewer").text
    browser.assert_no_alert()


def test_upload_update_and_search(browser, tmp_path):
    upload = tmp_path / "helicopter report.txt"
    upload.write_text("Police helicopter\nThe police helicopter flew 900 hours over the city.\n", encoding="utf-8")
    browser.tab("Documents")
    browser.wait_for("#foi-docs", "Body worn video")
    browser.driver.find_element(By.CSS_SELECTOR, "#foi-upload input[type='file']").send_keys(str(upload))
    browser.wait_for("#foi-upload-status", "saved")
    browser.driver.find_element(By.CSS_SELECTOR, "#foi-update").click()
    browser.wait_for("#foi-report", "Index updated")
    report = browser.wait_for("#foi-report")
    assert "added 1" in report.text
    cells = [c.text for c in report.find_elements(By.CSS_SELECTOR, ".foi-files tbody td")]
    assert cells[:2] == ["helicopter report.txt", "added"]
    browser.wait_for("#foi-docs", "Police helicopter")
    browser.type_into("foi-doc-filter", "helicopter")
    time.sleep(0.8)
    table_text = browser.wait_for("#foi-docs").text
    assert "Police helicopter" in table_text and "Budget" not in table_text
    browser.screenshots("documents")
    browser.tab("Search")
    browser.type_into("foi-query", "police helicopter hours", submit=True)
    browser.wait_for("#foi-hits .foi-card", "Police helicopter")
    browser.assert_no_alert()


def test_remove_needs_confirmation(browser):
    browser.tab("Viewer")
    browser.choose("foi-doc-pick", text="Police helicopter")
    browser.wait_for("#foi-viewer .foi-viewer", "900 hours")
    remove = browser.wait_for("#foi-remove")
    assert not remove.is_enabled()
    browser.driver.find_element(By.CSS_SELECTOR, "#foi-remove-confirm input[type='checkbox']").click()
    WebDriverWait(browser.driver, 10).until(lambda d: remove.is_enabled())
    remove.click()
    browser.wait_for("#foi-remove-status", "Removed Police helicopter")
    assert not remove.is_enabled()
    browser.tab("Documents")
    browser.type_into("foi-doc-filter", "")
    browser.driver.find_element(By.XPATH, "//button[normalize-space()='Refresh']").click()
    browser.wait_for("#foi-docs", "Body worn video")
    assert "Police helicopter" not in browser.wait_for("#foi-docs").text


def test_uploaded_zip_with_a_msg_is_guarded_then_searchable(browser, tmp_path):
    from tests.msgfile import Attachment, MsgSpec, build_msg

    reply = build_msg(MsgSpec(
        "Lifeboat callouts FOI 5521/24", ("Coastguard Agency", "foi@coastguard.gov.uk"),
        body="Please find the figures attached.", sent=datetime.datetime(2024, 5, 2, tzinfo=datetime.timezone.utc),
        attachments=[Attachment("callouts.txt", b"Lifeboat callouts in 2023: 318 launches from the harbour.\n")],
    ))
    archive = tmp_path / "coast.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2024/reply.msg", reply)
        zf.writestr("../../escape.txt", "evil")
    browser.tab("Documents")
    browser.driver.find_element(By.CSS_SELECTOR, "#foi-upload input[type='file']").send_keys(str(archive))
    status = browser.wait_for("#foi-upload-status", "coast/2024/reply.msg")
    assert "coast.zip: ../../escape.txt: unsafe path in archive (escapes the archive folder)" in status.text
    browser.driver.find_element(By.CSS_SELECTOR, "#foi-update").click()
    browser.wait_for("#foi-report", "Index updated")
    browser.tab("Search")
    browser.type_into("foi-query", "lifeboat callouts launches harbour", submit=True)
    card = browser.wait_for("#foi-hits .foi-card", "318 launches")
    assert "reply.msg › attachment callouts.txt" in card.text
    browser.assert_no_alert()


def test_phone_layout_never_scrolls_sideways(browser):
    browser.resize("phone")
    try:
        for name in ("Ask", "Search", "Compare", "Documents", "Viewer"):
            browser.tab(name)
            time.sleep(0.3)
            width, inner = browser.driver.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth];"
            )
            if width > inner + 1:
                browser.screenshot(f"overflow-{name.lower()}")
            assert width <= inner + 1, f"{name} tab is {width} px wide at {inner} px"
    finally:
        browser.resize("desktop")


# Last: it leaves search results with highlighted terms, which the searches above would read as their own.
def test_viewer_shows_cited_spreadsheet_rows_as_a_table(browser):
    browser.tab("Search")
    browser.type_into("foi-folder", "")
    browser.type_into("foi-query", "shoplifting offences", submit=True)
    card = browser.wait_for("#foi-hits .foi-card", "Shoplifting offences")
    assert "rows 2–3" in card.text  # the card says where the passage is
    card.find_element(By.CSS_SELECTOR, "button.foi-open").click()
    table = browser.wait_for("#foi-viewer .foi-cited-rows table", "Shoplifting offences")
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "th")]
    assert headers == ["Row", "Offence <b>type</b>", "2021/22", "2022/23"]
    assert [td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody tr")[0].find_elements(By.CSS_SELECTOR, "td")] == [
        "2", "Shoplifting offences", "310", "363"
    ]
    assert not table.find_elements(By.CSS_SELECTOR, "b")
    browser.screenshots("spreadsheet-rows")
