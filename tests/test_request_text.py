"""A response repeats the request's numbered questions: those questions are never quoted as
answers, whatever code the question names, and a figure is not quoted with the next question."""

from __future__ import annotations

import pytest

from assistant.candidates import _answered_inline
from assistant.evidence import is_question
from assistant.sentence_choice import request_references
from tests.answer_fixtures import quoting_assistant

DOCS = {
    # A council's reply set out under the request's own questions, each answered below it.
    "home-education-notices.txt": (
        "Sheffield City Council response\n\n"
        "1. In the last 12 months how many s437 notices have you served on parents of home educated children?\n"
        "• 27\n"
        "2. How many School Attendance Orders were served on children known to be home educated until the order?\n"
        "• 16\n"
        "3. How many s437 notices led to a prosecution of the parents of home educated children?\n"
        "The council does not hold this information centrally.\n"
    ),
    # A figure and the next question wrapped into one sentence by the reply's layout.
    "seized-goods.txt": (
        "Sheffield City Council response\n\n"
        "How many illegal vapes were seized by trading standards between the following period:\n"
        "1st Jan 2023 - 29th Feb 2024\n"
        "35,007 vapes\n"
        "How many illegal packets of cigarettes were seized by trading standards between the following period:\n"
        "1st Jan 2023 - 31st December 2023\n"
        "78,220\n"
    ),
    # Answers after each question mark, the figure on the next question's line.
    "vape-seizures-2024.txt": (
        "Sheffield City Council response\n\n"
        "How many illegal disposable vapes or e-liquids were seized by trading standards?  48,521\n"
        "How many cases were identified where a business was found to be stocking nicotine pouches? 52\n"
        "How many fines were issued in total related to the above cases? 0\n"
    ),
    "dog-wardens.txt": (
        "Sheffield City Council response\n\n"
        "Dear Ms Smith,\nPlease find Sheffield City Council's response to your request set out below:\n"
        "3a) For each year (2019-2023) could you please tell me the total number of\n"
        "w.t.e (whole time equivalent) dog wardens you employ?- 1.5 FTE\n"
        "3b) Please provide the postcode of the kennels.\n"
    ),
}


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    return quoting_assistant(tmp_path, fake_embedder, DOCS)


def test_a_statute_section_in_the_question_does_not_make_the_repeated_questions_quotable(assistant):
    answer = assistant.ask(
        "How many s437 notices were escalated to school attendance orders for home educated children?"
    )
    assert answer.citations
    # A question is quoted only with the figure that answers it.
    assert not any(c.quote.rstrip().endswith("?") for c in answer.citations)


def test_a_figure_is_quoted_without_the_next_question(assistant):
    answer = assistant.ask("How many illegal vapes did trading standards seize from January 2023 to February 2024?")
    quotes = [c.quote for c in answer.citations if "35,007" in c.quote]
    assert quotes
    assert not any("cigarettes" in q for q in quotes)


def test_a_figure_is_quoted_with_its_own_question_not_the_one_above(assistant):
    answer = assistant.ask("How many cases were found of a business stocking nicotine pouches?")
    quotes = [" ".join(c.quote.split()) for c in answer.citations if "52" in c.quote]
    assert quotes and all(q.startswith("How many cases") and "48,521" not in q for q in quotes)


def test_a_question_answered_after_its_question_mark_is_quoted_with_the_answer(assistant):
    answer = assistant.ask("What is the total number of whole time equivalent dog wardens you employ?")
    assert any("1.5 FTE" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    ("code", "names_a_request"),
    [("855a/22", True), ("foi/920", True), ("1406745", True), ("2019-01031", True),
     ("s437", False), ("5g", False), ("20mph", False), ("covid-19", False)],
)
def test_request_references_are_told_from_sections_and_units(code, names_a_request):
    assert bool(request_references({code})) is names_a_request


@pytest.mark.parametrize(
    ("sentence", "asks"),
    [
        ("Please separate these figures by school year, PRU and supplier.", True),
        ("3a) For each year could you please tell me the total number of dog wardens you employ", True),
        ("Please see the attached spreadsheet for the figures.", False),
        ("The council spent £1,277,936 on agency staff.", False),
    ],
)
def test_request_wording_in_a_reply_is_told_from_the_reply(sentence, asks):
    assert is_question(sentence) is asks


@pytest.mark.parametrize(
    ("sentence", "answered"),
    [
        ("2. Number of faulty CCTV cameras: the cameras that were out of operation\n"
         "for any period during the 2023 calendar year.", False),
        ("2. How many CCTV cameras were out of operation during\nthe 2023 calendar year?\n9 cameras", True),
    ],
)
def test_a_year_on_a_requests_last_line_is_not_its_answer(sentence, answered):
    assert _answered_inline(sentence) is answered
