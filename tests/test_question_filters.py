"""Listing questions are answered from FOI metadata; other questions are left alone."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.question_filters import filters_from_question
from tests.answer_fixtures import cited_files
from tests.test_index import write_docs


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which requests were refused under section 12?", {"outcome": "cost limit"}),
        ("which requests exceeded the cost limit", {"outcome": "cost limit"}),
        ("List the responses refused as vexatious", {"outcome": "vexatious"}),
        ("Which forces neither confirmed nor denied holding the information?", {"outcome": "neither confirm nor deny"}),
        ("Which councils said the information was not held?", {"outcome": "not held"}),
        ("How many requests were refused?", {"outcome": "refused"}),
        ("Which responses relied on section 31(3)?", {"exemption": "s.31(3)"}),
        ("Which replies withheld names under s.40(2)?", {"exemption": "s.40(2)"}),
        ("Which requests were refused under regulation 12(4)(b)?", {"exemption": "reg 12(4)(b)"}),
        ("Which requests are still awaiting a response?", {"outcome": "awaiting response"}),
        # Content questions: no metadata filter, ordinary retrieval.
        ("What did Sheffield say about agency staff costs?", {}),
        ("Does West Midlands Police use body worn video?", {}),
        ("Which police forces released figures on crimes committed at hospitals?", {}),
        ("Why was the request about parking refused?", {}),
    ],
)
def test_filters_read_from_the_question(question, expected):
    assert filters_from_question(question) == expected


DOCS = {
    "parking-refused.txt": "Northtown Council\nOur ref: FOI 301/24\n\nResponse\nWe estimate that locating the "
    "parking records would exceed the appropriate limit of 18 hours, so we are refusing your request under "
    "section 12 of the Freedom of Information Act.",
    "bins-refused.txt": "Northtown Council\nOur ref: FOI 302/24\n\nResponse\nThe cost of compliance with your "
    "request about bin collections would exceed the appropriate limit under section 12 and we cannot answer it.",
    "parking-disclosed.txt": "Northtown Council\nOur ref: FOI 303/24\n\nResponse\nPlease find attached the "
    "parking income figures you asked for; the council received £2.1m in parking income in 2023.",
    "cctv-not-held.txt": "Northtown Council\nOur ref: FOI 304/24\n\nResponse\nThe council does not hold "
    "information about the CCTV contract, which is managed by the police.",
}


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([write_docs(tmp_path / "docs", DOCS)])
    return assistant


def test_listing_question_cites_each_matching_request_by_its_evidence(assistant):
    answer = assistant.ask("Which requests were refused under section 12?")
    assert answer.filters == {"outcome": "cost limit"} and answer.matching == 2
    assert cited_files(answer) == {"parking-refused.txt", "bins-refused.txt"}
    for citation in answer.citations:
        text = DOCS[citation.path.rsplit("/", 1)[-1]]
        assert text[citation.start : citation.end] == citation.quote and "appropriate limit" in citation.quote


def test_listing_keeps_the_topic_of_the_question(assistant):
    answer = assistant.ask("Which requests about CCTV said the information was not held?")
    assert answer.filters == {"outcome": "not held"} and cited_files(answer) == {"cctv-not-held.txt"}


def test_explicit_filters_override_the_reading_of_the_question(assistant):
    answer = assistant.ask("Which requests were refused under section 12?", outcome="disclosed")
    assert answer.filters == {} and cited_files(answer) <= {"parking-disclosed.txt"}


def test_a_listing_nothing_matches_falls_back_to_the_text(assistant):
    answer = assistant.ask("Which requests were refused as vexatious?")
    assert answer.filters == {} and answer.matching is None


def test_cli_says_the_answer_came_from_the_metadata(tmp_path, fake_model):
    import json

    from click.testing import CliRunner

    from assistant.cli import main

    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(write_docs(tmp_path / "docs", DOCS)), "-q"]).exit_code == 0
    text = runner.invoke(main, ["ask", "Which requests were refused under section 12?", "-q"])
    assert text.exit_code == 0 and "outcome = cost limit" in text.output and "2 request(s)" in text.output
    data = json.loads(runner.invoke(main, ["ask", "Which requests were refused under section 12?", "--json", "-q"]).stdout)
    assert data["filters_from_question"] == {"outcome": "cost limit"} and data["matching"] == 2


def test_topic_words_are_what_the_question_adds_to_the_list():
    from assistant.question_filters import topic_words

    assert topic_words("Which requests about parking said the information was not held?") == ["parking"]
    assert topic_words("Which requests were refused under section 12?") == []
