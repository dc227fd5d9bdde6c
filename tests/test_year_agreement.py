"""A question about one year is not answered with another period's figures."""

from __future__ import annotations

import pytest

from assistant.sentence_choice import year_disagrees, years_in
from tests.answer_fixtures import cited_files, quoting_assistant

# Two replies of one council on one topic, a year apart. The older one repeats the question's
# words more closely; only its period tells it is not the answer to a 2024 question.
DOCS = {
    "seized-vapes-2022-23.txt": (
        "Sheffield City Council response\n\n"
        "Sheffield Trading Standards seized 2,994 illegal vapes in Sheffield in 2022/23.\n"
    ),
    "illegal-vape-seizures-2024.txt": (
        "Sheffield City Council response to the request about the calendar year 2024\n\n"
        "Trading Standards officers seized 48,521 illegal disposable vapes.\n"
    ),
}
QUESTION = "How many illegal vapes did Sheffield Trading Standards seize in 2024?"


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    return quoting_assistant(tmp_path, fake_embedder, DOCS)


def test_only_the_reply_about_the_asked_year_is_cited(assistant):
    answer = assistant.ask(QUESTION)
    assert cited_files(answer) == {"illegal-vape-seizures-2024.txt"}
    assert any("48,521" in c.quote for c in answer.citations)


def test_without_the_year_rule_the_other_periods_reply_is_cited(assistant, monkeypatch):
    monkeypatch.setattr("assistant.answer.year_disagrees", lambda asked, text: False)
    assert "seized-vapes-2022-23.txt" in cited_files(assistant.ask(QUESTION))


def test_a_question_about_the_older_period_still_gets_its_reply(assistant):
    answer = assistant.ask("How many illegal vapes did Sheffield Trading Standards seize in 2022/23?")
    assert any("2,994" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("1st April 2022 – 31st March 2023: 2994", {2022, 2023}),
        ("Financial Year: 2021/22; Adult Social Worker: £407,601.52", {2021}),
        ("data for 23/24 has not been requested", {2023}),
        ("received on 13/04/24 and 15/09/2025, spent £2,023", set()),
        ("home educated in January 2024, and what share", {2024}),
        ("in 2023/24, the council", {2023}),
        ("a budget of 2024,000 and 2023/24,500 units", set()),
    ],
)
def test_years_in_reads_years_and_financial_years_not_dates_or_amounts(text, years):
    assert years_in(text) == years


def test_a_sentence_naming_no_year_does_not_disagree():
    assert not year_disagrees({2024}, "How many illegal vapes were seized? 48,521")
    assert year_disagrees({2024}, "1st April 2022 – 31st March 2023: 2994")
    assert not year_disagrees(set(), "1st April 2022 – 31st March 2023: 2994")
