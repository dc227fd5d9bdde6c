"""Which questions are read with the previous one."""

from __future__ import annotations

import pytest

from assistant.followup import contextual_question

PREVIOUS = "How many body worn video cameras does the force hold?"


@pytest.mark.parametrize("question", [
    "How many cameras?", "And in 2021?", "What about Leeds?", "Why?", "When was it approved?",
    "What did it cost in 2021?", "How many in 2022?", "Who supplied them?",
])
def test_a_follow_up_is_read_with_the_previous_question(question):
    assert contextual_question(PREVIOUS, question) == f"{PREVIOUS} {question}"


@pytest.mark.parametrize("question", [
    "Does the force use facial recognition?",  # short, but names its own subject
    "Which forces confirmed they use facial recognition?",
    "How much did Sheffield spend on agency staff?",
    "How much did Sheffield spend?",
])
def test_a_question_with_its_own_subject_stands_alone(question):
    assert contextual_question(PREVIOUS, question) == question


def test_the_first_question_is_read_as_typed():
    assert contextual_question(None, "  How many cameras? ") == "How many cameras?"
