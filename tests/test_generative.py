"""Generated answers: a real chat-completions server on loopback, every sentence checked."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.cli import main
from assistant.llm_client import LlmNotConfigured
from assistant.sentence_check import facts_of, markers_of, missing_fact, split_sentences
from tests.test_index import write_docs

QUESTION = "How much did the council spend on agency social workers?"


def _block_of(prompt: str, words: str) -> int:
    """The number of the prompt's passage block that contains `words`."""
    for number, block in re.findall(r"^\[(\d+)\] (.*?)(?=^\[\d+\] |\Z)", prompt, re.M | re.S):
        if words in block:
            return int(number)
    raise AssertionError(f"no passage holds {words!r}")


def scripted_reply(prompt: str) -> str:
    """One supported sentence, one invented figure, one wrong citation, one without a marker."""
    agency, cctv = _block_of(prompt, "agency social workers"), _block_of(prompt, "CCTV")
    return (
        f"The council spent £3.4 million on agency social workers in 2023/24 [{agency}]. "
        f"Agency spend fell by £700,000 compared with the previous year [{agency}]. "
        f"The council spent money on agency social workers [{cctv}].\n"
        "Agency spend fell compared with the previous year."
    )


class ChatServer(ThreadingHTTPServer):
    """An OpenAI-compatible /v1/chat/completions server whose replies a test scripts."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ChatHandler)
        self.requests: list[tuple[dict, dict]] = []  # (body, headers)
        self.behaviour = "answer"  # answer | slow | garbage | error
        self.reply = scripted_reply
        self.pause = 0.0  # seconds before each streamed piece

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ChatHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        server: ChatServer = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.requests.append((body, dict(self.headers)))
        if self.path != "/v1/chat/completions":
            return self._send(404, b"{}")
        if server.behaviour == "slow":
            time.sleep(3)
        if server.behaviour == "error":
            return self._send(500, b'{"error": "boom"}')
        if server.behaviour == "garbage":
            return self._send(200, b"<html>not json</html>")
        text = server.reply(body["messages"][-1]["content"])
        if not body.get("stream"):
            reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}
            return self._send(200, json.dumps(reply).encode())
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in re.findall(r"\S+\s*", text):
            time.sleep(server.pause)
            event = {"choices": [{"index": 0, "delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")

    def _send(self, status: int, data: bytes):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server():
    chat = ChatServer()
    thread = threading.Thread(target=chat.serve_forever, daemon=True)
    thread.start()
    yield chat
    chat.shutdown()
    chat.server_close()


@pytest.fixture
def docs(tmp_path):
    return write_docs(tmp_path / "docs")


def _assistant(tmp_path, embedder, docs, server, **settings):
    assistant = Assistant.open(
        tmp_path / "idx", embedder=embedder, answer_mode="generative", llm_base_url=server.url, llm_model="scripted",
        **settings,
    )
    assistant.ingest([docs])
    return assistant


def _check_scripted_answer(assistant, answer):
    assert answer.answer_mode == "generative"
    assert answer.answer.startswith("The council spent £3.4 million on agency social workers in 2023/24. [1]")
    assert "700,000" not in answer.answer and "previous year" not in answer.answer
    reasons = {d["sentence"].split(" [")[0]: d["reason"] for d in answer.dropped}
    assert len(answer.dropped) == 3
    assert "'£700,000' is not in the cited passage" in reasons["Agency spend fell by £700,000 compared with the previous year"]
    assert reasons["The council spent money on agency social workers"].startswith("not supported by")
    assert reasons["Agency spend fell compared with the previous year."] == "no citation marker"
    assert [c.n for c in answer.citations] == [1]
    cited = answer.citations[0]
    assert cited.path.endswith("agency.txt")
    assert assistant.document(cited.doc_id).text[cited.start : cited.end] == cited.quote
    assert "£3.4 million" in cited.quote


def test_only_the_supported_sentence_survives_non_streaming(tmp_path, fake_embedder, docs, server, monkeypatch):
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test-123")
    assistant = _assistant(tmp_path, fake_embedder, docs, server, llm_api_key_env="TEST_LLM_KEY", llm_support_min=0.5)
    answer = assistant.ask(QUESTION)
    _check_scripted_answer(assistant, answer)
    body, headers = server.requests[-1]
    assert body["model"] == "scripted" and body["stream"] is False
    prompt = body["messages"][-1]["content"]
    assert "£3.4 million on agency social workers" in prompt and "120 CCTV cameras" in prompt
    assert re.search(r"^\[1\] ", prompt, re.M) and QUESTION in prompt
    assert headers["Authorization"] == "Bearer sk-test-123"


def test_streaming_reply_arrives_in_pieces_then_is_checked(tmp_path, fake_embedder, docs, server):
    assistant = _assistant(tmp_path, fake_embedder, docs, server, llm_support_min=0.5)
    seen: list[str] = []
    answer = assistant.ask(QUESTION, on_text=seen.append)
    assert server.requests[-1][0]["stream"] is True
    assert "Authorization" not in server.requests[-1][1]  # no key configured: none sent
    assert len(seen) > 5 and seen[-1].startswith("The council spent £3.4 million") and "previous year." in seen[-1]
    _check_scripted_answer(assistant, answer)


@pytest.mark.parametrize("behaviour", ["slow", "garbage", "error", "down"])
def test_endpoint_failure_falls_back_to_the_extractive_answer_with_a_note(tmp_path, fake_embedder, docs, server,
                                                                          behaviour):
    assistant = _assistant(tmp_path, fake_embedder, docs, server, llm_timeout=1, sentence_min_score=0.1)
    if behaviour == "down":
        server.shutdown()
        server.server_close()
    else:
        server.behaviour = behaviour
    answer = assistant.ask(QUESTION)
    assert answer.answer_mode == "extractive" and not answer.abstained
    assert "Generative answer unavailable (the language model failed" in answer.note
    assert any("£3.4 million" in c.quote for c in answer.citations)


def test_nothing_surviving_falls_back_and_lists_what_was_dropped(tmp_path, fake_embedder, docs, server):
    server.reply = lambda prompt: "The council spent £9.9 million on agency staff [1]. I am not sure."
    assistant = _assistant(tmp_path, fake_embedder, docs, server, sentence_min_score=0.1)
    answer = assistant.ask(QUESTION)
    assert answer.answer_mode == "extractive"
    assert "no sentence of the generated answer passed the check" in answer.note
    assert [d["reason"] for d in answer.dropped] == [
        "'£9.9 million' is not in the cited passage [1]", "no citation marker",
    ]


def test_a_corrupted_stored_span_drops_the_generated_sentence(tmp_path, fake_embedder, docs, server, monkeypatch):
    assistant = _assistant(tmp_path, fake_embedder, docs, server, llm_support_min=0.5, sentence_min_score=0.1)
    monkeypatch.setattr("assistant.verify.QuoteVerifier.verify", lambda self, *args: False)
    answer = assistant.ask(QUESTION)
    assert answer.answer_mode == "extractive"
    assert "its supporting quote failed verification" in [d["reason"] for d in answer.dropped]


def test_generative_mode_without_an_endpoint_is_a_clear_cli_error(tmp_path, fake_model, docs, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(docs), "-q"]).exit_code == 0
    result = runner.invoke(main, ["ask", QUESTION, "--answer-mode", "generative", "-q"])
    assert result.exit_code == 1
    assert "answer_mode generative needs llm_base_url and llm_model" in result.stderr
    assert "Traceback" not in result.output
    monkeypatch.setenv("FOI_ANSWER_MODE", "generative")
    monkeypatch.setenv("FOI_LLM_BASE_URL", "http://127.0.0.1:9")
    result = runner.invoke(main, ["ask", QUESTION, "-q"])
    assert result.exit_code == 1 and result.stderr.strip() == "error: answer_mode generative needs llm_model (e.g. " \
        "FOI_LLM_BASE_URL=http://127.0.0.1:11434 FOI_LLM_MODEL=llama3.2)"


def test_cli_generative_json_reports_mode_dropped_and_citations(tmp_path, fake_model, docs, server, monkeypatch):
    monkeypatch.setenv("FOI_LLM_BASE_URL", server.url)
    monkeypatch.setenv("FOI_LLM_MODEL", "scripted")
    monkeypatch.setenv("FOI_LLM_SUPPORT_MIN", "0.5")
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(docs), "-q"]).exit_code == 0
    result = runner.invoke(main, ["ask", QUESTION, "--answer-mode", "generative", "--json", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answer_mode"] == "generative" and data["note"] is None
    assert len(data["dropped"]) == 3 and set(data["dropped"][0]) == {"sentence", "reason"}
    assert [c["n"] for c in data["citations"]] == [1] and "£3.4 million" in data["citations"][0]["quote"]
    text = runner.invoke(main, ["ask", QUESTION, "--answer-mode", "generative", "-q"])
    assert text.stdout.startswith("(generated answer; every sentence checked")
    assert "£3.4 million on agency social workers in 2023/24. [1]" in text.stdout and "700,000" not in text.stdout
    assert "dropped: Agency spend fell compared with the previous year. (no citation marker)" in text.stderr
    extractive = json.loads(runner.invoke(main, ["ask", QUESTION, "--json", "-q"]).stdout)
    assert extractive["answer_mode"] == "extractive" and extractive["dropped"] == []


@pytest.mark.integration
def test_real_model_keeps_the_supported_sentence_only(tmp_path, real_embedder, docs, server):
    assistant = _assistant(tmp_path, real_embedder, docs, server)
    _check_scripted_answer(assistant, assistant.ask(QUESTION))


@pytest.mark.parametrize(
    "reply, sentences",
    [
        pytest.param("It rose [1]. It fell [2][3]", ["It rose [1].", "It fell [2][3]"], id="markers-after-stop"),
        pytest.param("It cost £3.4 million [1] The rest [2].", ["It cost £3.4 million [1]", "The rest [2]."],
                     id="markers-without-stop"),
        pytest.param("- First point [1].\n- Second point.", ["First point [1].", "Second point."], id="list"),
    ],
)
def test_sentences_are_split_with_their_markers(reply, sentences):
    assert split_sentences(reply) == sentences


def test_facts_must_occur_in_the_cited_passage():
    sentence = "West Midlands Police answered FOI 18201/18 on 3 May 2019 and spent £1,200 on 45 cameras."
    facts = facts_of(sentence)
    assert {"£1,200", "18201/18", "3 May 2019", "2019", "45", "West", "Midlands", "Police"} <= set(facts)
    passage = "Our ref FOI 18201/18. West Midlands Police, 3 May 2019: we bought 45 cameras for £1200."
    assert missing_fact(facts, [passage]) is None
    assert missing_fact(facts, [passage.replace("45 cameras", "46 cameras")]) == "45"
    assert missing_fact(facts, [passage.replace("3 May", "4 May")]) == "3 May 2019"  # the date, not just its year
    assert missing_fact(["2019/20"], ["In 2020/21 and 2019/2020 there were 19 and 20."]) == "2019/20"
    assert markers_of("Text [2][1, 3] and [2].") == [2, 1, 3]


def test_ui_stream_shows_the_reply_as_it_arrives_then_the_checked_answer(tmp_path, fake_embedder, docs, server):
    from assistant.streaming import ask_streaming
    from ui.chat import answer_markdown, generating_markdown

    assistant = _assistant(tmp_path, fake_embedder, docs, server, llm_support_min=0.5)
    items = list(ask_streaming(assistant, QUESTION))
    partial, final = items[:-1], items[-1]
    assert len(partial) > 5 and all(isinstance(p, str) for p in partial)
    assert "£700,000" in partial[-1]  # shown while it streams, unchecked ...
    assert "not yet checked" in generating_markdown(partial[-1])
    _check_scripted_answer(assistant, final)
    message = answer_markdown(final)
    assert "Generated answer: every sentence checked" in message
    answer_part, removed = message.split("Removed from the generated answer")
    assert "700,000" not in answer_part and "700,000" in removed  # ... then listed as removed, with its reason
    assert "no citation marker" in removed


def test_ui_stream_in_extractive_mode_is_the_answer_alone(tmp_path, fake_embedder, docs):
    from assistant.streaming import ask_streaming
    from ui.chat import answer_markdown

    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, sentence_min_score=0.1)
    assistant.ingest([docs])
    [answer] = list(ask_streaming(assistant, QUESTION))
    assert answer.answer_mode == "extractive" and "Generated" not in answer_markdown(answer)


def test_a_non_http_endpoint_is_refused_before_anything_is_read(tmp_path, fake_embedder, docs):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, answer_mode="generative",
                               llm_base_url="file:///etc", llm_model="m")
    assistant.ingest([docs])
    with pytest.raises(LlmNotConfigured, match="must be an http:// or https:// address"):
        assistant.ask(QUESTION)
