"""A question asking for a sum of money is answered with one, not with a count from the same reply."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.sentence_choice import asks_for_money, holds_amount
from tests.test_index import write_docs

REPLY = {
    "agency-staff.txt": (
        "Sheffield City Council FOI/963106\n\n"
        "Your request asked about agency staff in the council's housing repairs service.\n\n"
        "As at 30/09/2023, the council had 60 agency staff working in the housing repairs service.\n\n"
        "The council spent £85,933.79 on agency staff in the housing repairs service in 2022/23.\n"
    ),
    "parks.txt": "Sheffield City Council FOI/1\n\nThe council maintains 83 parks and 120 playgrounds.\n",
}
QUESTION = "How much did the council spend on agency staff in the housing repairs service?"


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    assistant = Assistant.open(
        tmp_path / "idx", embedder=fake_embedder, abstain_below=0.1, sentence_min_score=0.05, abstention="cosine"
    )
    assistant.ingest([write_docs(tmp_path / "docs", REPLY)])
    return assistant


def test_a_spend_question_quotes_the_sum_not_the_headcount(assistant):
    answer = assistant.ask(QUESTION)
    assert not answer.abstained
    quotes = [c.quote for c in answer.citations]
    assert any("£85,933.79" in quote for quote in quotes)
    assert not any("60 agency staff" in quote for quote in quotes)


def test_without_the_rule_the_headcount_is_quoted(assistant, monkeypatch):
    # What the rule changes: the headcount sentence shares the question's words as well as the sum does.
    monkeypatch.setattr("assistant.answer.asks_for_money", lambda question: False)
    answer = assistant.ask(QUESTION)
    assert any("60 agency staff" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How much did Sheffield City Council spend on agency staff?", True),
        ("What did the council pay in compensation in 2023?", True),
        ("How much money has Sheffield's Clean Air Zone raised?", True),
        ("What was the estimated cost of replacing the cladding on Hanover Tower?", True),
        ("How many parking fines did Sheffield issue in 2022?", False),  # a count of fines
        ("How much time did the council take to answer?", False),
        ("Does the force use body worn video?", False),
    ],
)
def test_asks_for_money(question, expected):
    assert asks_for_money(question) is expected


def test_holds_amount():
    assert holds_amount("The spend was £407,601.52 in 2021/22.")
    assert holds_amount("a budget of 2 million pounds")
    assert holds_amount("fees of 300 pounds a year")
    assert not holds_amount("60 agency staff worked there in 2023.")
