"""Answers quote the authority's statements: never the requester's questions or messages."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.evidence import is_question, readable
from tests.mailboxes import write_mbox
from tests.test_index import write_docs

LETTER = (
    "Eastshire Police — Freedom of Information Request 2024/0412\n\n"
    "Request\n"
    "1. Has your police force discussed using live facial recognition with external companies?\n"
    "2. How many live facial recognition deployments took place in 2023?\n\n"
    "Response\n"
    "1. I can confirm that the force has discussed live facial recognition with two companies.\n"
    "2. Live facial recognition was deployed on 7 occasions in 2023.\n"
)


def _mbox(path):
    write_mbox(path, [
        ("FOI requester <request-1@requests.example.invalid>",
         "Dear council, please tell me how many playgrounds the council maintains and what playground repairs cost."),
        ("Sheffield City Council <foi@council.example.invalid>",
         "Dear requester, the council maintains 155 playgrounds and playground repairs cost £391,277 in 2022/23."),
    ], "Playgrounds")


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    folder = write_docs(tmp_path / "docs", {"lfr.txt": LETTER})
    _mbox(folder / "playgrounds.mbox")
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, abstain_confidence_below=0.0,
                               sentence_min_score=0.0)
    assistant.ingest([folder])
    return assistant


def test_the_requesters_numbered_questions_are_never_quoted(assistant):
    answer = assistant.ask("Has the police force discussed live facial recognition with external companies?")
    quotes = [c.quote for c in answer.citations]
    assert any("discussed live facial recognition with two companies" in q for q in quotes)
    assert not any(q.rstrip().endswith("?") for q in quotes)


def test_the_requesters_own_message_is_never_quoted(assistant):
    answer = assistant.ask("How many playgrounds does the council maintain?")
    assert answer.citations
    assert all("please tell me" not in c.quote for c in answer.citations)
    assert any("155 playgrounds" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("1. Has your police force discussed using live facial recognition?", True),
        ("Please provide the number of CCTV cameras.", True),
        ("How many playgrounds did you maintain", True),
        ("I can confirm that the force uses body worn video.", False),
        ("18/19 = 6794 19/20 = 7139", False),
    ],
)
def test_questions_and_requests_are_told_from_statements(sentence, question):
    assert is_question(sentence) is question


def test_figure_lists_are_readable_but_table_rules_are_not():
    assert readable("18/19 = 6794 19/20 = 7139 20/21 = 7291")
    assert not readable("├──────┼──────┤ │ │ ├──────┼──────┤")
