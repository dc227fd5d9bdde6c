"""The Cases tab in a real headless Chromium, and the `cases` / `case` endpoints through gradio_client.

The app indexes two WhatDoTheyKnow-style mailboxes built at test time (one
answered a day late, one never answered). Every request the page makes must
stay on loopback; each chart is screenshotted into tests/artifacts/.
"""

from __future__ import annotations

import time

import pytest

from assistant.api import Assistant
from tests.test_cases import _email, write_thread
from tests.test_ui_browser import Browser, _fake_embedder_class, _free_port  # skips without Chromium
from ui.serve import serve

from selenium.webdriver.common.by import By  # noqa: E402  (after the skip above)


def write_unanswered(path):
    import mailbox

    box = mailbox.mbox(str(path))
    box.add(_email("Bob Example <request-5678-efgh@whatdotheyknow.com>", "Mon, 03 Jun 2024 10:00:00 +0100",
                   "Dear Northbridge Council,\n\nPlease provide your gritting routes for 2024.\n\nYours faithfully,\nBob\n",
                   subject="Gritting routes"))
    box.flush()
    box.close()


@pytest.fixture(scope="module")
def cases_app(tmp_path_factory, pytestconfig):
    root = tmp_path_factory.mktemp("ui-cases")
    (root / "docs").mkdir()
    write_thread(root / "docs" / "potholes.mbox")
    write_unanswered(root / "docs" / "gritting.mbox")
    assistant = Assistant.open(root / "idx", embedder=_fake_embedder_class(pytestconfig)())
    assistant.ingest([root / "docs"])
    demo = serve(assistant, port=_free_port(), block=False, quiet=True)
    yield demo.local_url
    demo.close()
    assistant.close()


@pytest.fixture(scope="module")
def cases_browser(cases_app):
    chrome = Browser(cases_app)
    yield chrome
    try:
        chrome.assert_stayed_local()
    finally:
        chrome.driver.quit()


def _cells(browser, elem_id: str, text: str) -> list[list[str]]:
    """The table's rows (cells in column order), once a cell shows `text`."""
    table = browser.wait_for(f"#{elem_id}", text)
    rows: dict[int, dict[int, str]] = {}
    for cell in table.find_elements(By.CSS_SELECTOR, "[role='gridcell']"):
        row, col = cell.get_attribute("data-row"), cell.get_attribute("data-col")
        if row is not None and col is not None:
            rows.setdefault(int(row), {})[int(col)] = cell.text
    return [[cells[c] for c in sorted(cells)] for _, cells in sorted(rows.items())]


def _click_cell(browser, elem_id: str, col: int, text: str) -> None:
    cells = browser.driver.find_elements(By.CSS_SELECTOR, f"#{elem_id} [role='gridcell'][data-col='{col}']")
    next(c for c in cells if c.text == text).click()


@pytest.mark.browser
def test_cases_tab_timeline_opens_the_viewer_and_charts_render(cases_browser):
    browser = cases_browser
    browser.tab("Cases")
    browser.type_into("foi-cases-asof", "2024-07-30", submit=True)
    browser.wait_for("#foi-cases-summary", "2 cases as of 2024-07-30")
    rows = _cells(browser, "foi-cases-table", "long overdue")
    # Most overdue first: the unanswered request (due 1 Jul 2024) is long overdue on 30 Jul.
    assert rows[0][0] == "long overdue" and rows[1][0] == "answered"
    browser.screenshots("cases-table", scroll_to="#foi-cases-table")

    _click_cell(browser, "foi-cases-table", 0, "answered")
    browser.wait_for("#foi-case-head", "Pothole repairs")
    assert [row[1] for row in _cells(browser, "foi-case-events", "response")] == ["request", "acknowledgement", "response"]
    browser.screenshots("cases-timeline", scroll_to="#foi-case-events")

    _click_cell(browser, "foi-case-events", 1, "response")
    browser.wait_for("#foi-viewer", "1,204 potholes were repaired")

    browser.tab("Cases")
    for chart in ("foi-chart-outcomes", "foi-chart-days", "foi-chart-lateness"):
        browser.wait_for(f"#{chart} canvas, #{chart} svg")
        time.sleep(0.5)
        browser.driver.execute_script(f"document.getElementById('{chart}').scrollIntoView({{block: 'center'}})")
        browser.screenshot(f"cases-{chart}")


@pytest.mark.browser
def test_cases_and_case_endpoints(cases_app):
    from gradio_client import Client

    client = Client(cases_app, verbose=False)
    listed = client.predict("2024-05-01", "", "", "", api_name="/cases")
    assert listed["as_of"] == "2024-05-01" and len(listed["cases"]) == 2
    by_status = {c["status"]: c for c in listed["cases"]}
    assert set(by_status) == {"answered", "awaiting response"}
    answered = by_status["answered"]
    assert (answered["received"], answered["due"], answered["responded"]) == ("2024-03-28", "2024-04-29", "2024-04-30")
    one = client.predict(answered["case_id"], "2024-05-01", api_name="/case")
    assert one["case_id"] == answered["case_id"] and [e["kind"] for e in one["events"]][-1] == "response"
    overdue = client.predict("2024-07-30", "long overdue", "", "", api_name="/cases")["cases"]
    assert [c["title"] for c in overdue] == ["Gritting routes"]
    with pytest.raises(Exception, match="no case matches"):
        client.predict("no-such-case", "", api_name="/case")


@pytest.mark.browser
def test_case_endpoints_ask_the_app_who_may_read(tmp_path, pytestconfig):
    import gradio as gr
    from gradio_client import Client

    from ui.cases_tab import register_case_endpoints

    (tmp_path / "docs").mkdir()
    write_thread(tmp_path / "docs" / "potholes.mbox")
    assistant = Assistant.open(tmp_path / "idx", embedder=_fake_embedder_class(pytestconfig)())
    assistant.ingest([tmp_path / "docs"])
    asked = []

    def require(request, verb):
        asked.append(verb)
        if len(asked) > 1:
            raise gr.Error("you may not read this index")

    with gr.Blocks() as demo:
        register_case_endpoints(assistant, require=require)
    demo.launch(server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(demo.local_url, verbose=False)
        assert len(client.predict("2024-05-01", "", "", "", api_name="/cases")["cases"]) == 1
        with pytest.raises(Exception, match="you may not read this index"):
            client.predict("2024-05-01", "", "", "", api_name="/cases")
        assert asked == ["read", "read"]
    finally:
        demo.close()
        assistant.close()
