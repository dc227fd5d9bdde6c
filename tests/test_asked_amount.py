"""A question asking for a sum of money (or a duration) is answered with one, not with a count from the same reply."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.figures import asked_unit, asks_for_money
from tests.test_index import write_docs

REPLY = {
    "agency-staff.txt": (
        "Sheffield City Council FOI/963106\n\n"
        "Your request asked about agency staff in the council's housing repairs service.\n\n"
        "As at 30/09/2023, the council had 60 agency staff working in the housing repairs service.\n\n"
        "The council spent £85,933.79 on agency staff in the housing repairs service in 2022/23.\n"
    ),
    "parks.txt": "Sheffield City Council FOI/1\n\nThe council maintains 83 parks and 120 playgrounds.\n",
    "housing-waits.txt": (
        "Sheffield City Council FOI/1006786\n\n"
        "On 31 January 2023 there were 21,564 applications waiting on the housing register for each band.\n\n"
        "Band A: 80 days, Band B: 184 days, Band C: 215 days.\n"
    ),
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
    monkeypatch.setattr("assistant.answer.asked_unit", lambda question: None)
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


def test_a_money_question_wants_an_amount():
    amount = asked_unit("How much did the council spend?")
    assert amount("The spend was £407,601.52 in 2021/22.")
    assert amount("a budget of 2 million pounds")
    assert amount("fees of 300 pounds a year")
    assert not amount("60 agency staff worked there in 2023.")


def test_a_how_long_question_quotes_the_duration(assistant):
    answer = assistant.ask("How long do applicants on the housing register wait in each band?")
    quotes = [c.quote for c in answer.citations]
    assert any("80 days" in quote for quote in quotes)
    assert not any("21,564 applications" in quote for quote in quotes)


def test_asked_unit():
    assert asked_unit("How long do people wait for a council house?")("Band A: 80 days")
    assert not asked_unit("How long do people wait for a council house?")("21,564 applications")
    assert asked_unit("How long ago did the council stop?") is None
    assert asked_unit("How much did the council spend?")("£1.2m")
    assert asked_unit("Does the force use body worn video?") is None


def test_without_the_rule_the_register_count_is_quoted_for_how_long(assistant, monkeypatch):
    monkeypatch.setattr("assistant.answer.asked_unit", lambda question: None)
    answer = assistant.ask("How long do applicants on the housing register wait in each band?")
    assert any("21,564 applications" in c.quote for c in answer.citations)


COUNTS = {
    "broken-cctv.txt": (
        "Sheffield City Council FOI/1181156\n\nYour request asked how many council CCTV cameras were faulty in 2023.\n\n"
        "Nine council CCTV cameras were faulty during 2023: 9 cameras in all.\n"
    ),
    "parks.txt": "Sheffield City Council FOI/1\n\nThe council maintains 83 parks and 120 playgrounds.\n",
}
COUNT_QUESTION = "How many council CCTV cameras were faulty in 2023?"


@pytest.fixture
def counting(tmp_path, fake_embedder):
    assistant = Assistant.open(
        tmp_path / "idx", embedder=fake_embedder, abstain_below=0.1, sentence_min_score=0.05, abstention="cosine"
    )
    assistant.ingest([write_docs(tmp_path / "docs", COUNTS)])
    return assistant


def test_a_count_question_does_not_quote_a_sentence_without_a_figure(counting):
    # The reply's line naming the topic holds the question's words best, and only a year.
    quotes = [c.quote for c in counting.ask(COUNT_QUESTION).citations]
    assert any("9 cameras" in quote for quote in quotes)
    assert not any("Your request asked" in quote for quote in quotes)


def test_without_the_rule_the_sentence_without_a_figure_is_quoted(counting, monkeypatch):
    monkeypatch.setattr("assistant.answer.asked_unit", lambda question: None)
    assert any("Your request asked" in c.quote for c in counting.ask(COUNT_QUESTION).citations)


def test_a_count_is_a_figure_or_nothing_held():
    count = asked_unit("How many cameras were faulty in 2023?")
    assert count("9 Cameras faulty during 2023.")
    assert count("Sheffield City Council does not hold this information.")
    assert not count("Sheffield City Council has CCTV cameras in various sites.")
    assert not count("The cameras were checked in 2023.")  # a year is not a count
