"""The Ask tab in generative mode, in a real headless Chromium, with a real chat-completions server on loopback."""

from __future__ import annotations

import threading

import pytest

from assistant.api import Assistant
from tests.test_generative import QUESTION, ChatServer
from tests.test_index import write_docs
from tests.test_ui_browser import Browser, _fake_embedder_class, _free_port
from ui.serve import serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def generative_app(tmp_path_factory, pytestconfig):
    root = tmp_path_factory.mktemp("ui-generative")
    chat = ChatServer()
    chat.pause = 0.15  # slow enough that the browser sees the text arrive
    threading.Thread(target=chat.serve_forever, daemon=True).start()
    assistant = Assistant.open(
        root / "idx", embedder=_fake_embedder_class(pytestconfig)(), answer_mode="generative",
        llm_base_url=chat.url, llm_model="scripted", llm_support_min=0.5,
    )
    assistant.ingest([write_docs(root / "docs")])
    demo = serve(assistant, port=_free_port(), block=False, quiet=True)
    browser = Browser(demo.local_url)
    yield browser, chat
    try:
        # The chat server is on loopback too: the page itself talks only to the app.
        browser.assert_stayed_local()
    finally:
        browser.driver.quit()
        demo.close()
        assistant.close()
        chat.shutdown()
        chat.server_close()


def test_generated_answer_streams_then_shows_the_checked_answer_and_cards(generative_app):
    browser, chat = generative_app
    browser.tab("Ask")
    browser.type_into("foi-question", QUESTION, submit=True)
    browser.wait_for("#foi-chat", "not yet checked")  # the model's own text, while it arrives
    message = browser.wait_for("#foi-chat", "Generated answer: every sentence checked", timeout=40)
    assert "The council spent £3.4 million on agency social workers in 2023/24." in message.text
    assert "Removed from the generated answer" in message.text and "no citation marker" in message.text
    assert "is not in the cited passage" in message.text
    card = browser.wait_for("#foi-citations .foi-card", "agency")
    assert "£3.4 million" in card.text and "[1]" in card.text
    assert chat.requests[-1][0]["stream"] is True
    browser.screenshots("ask-generative")
