"""The demo index answers the Ask box's own example, and abstains on what it does not hold."""

from __future__ import annotations

import pytest

from assistant import Assistant
from tests.conftest import REPO
from ui.app import DEMO_QUESTION

pytestmark = pytest.mark.integration

DEMO_CORPUS = REPO / "examples" / "demo-corpus"


@pytest.fixture(scope="module")
def demo(real_embedder, tmp_path_factory):
    assistant = Assistant.open(tmp_path_factory.mktemp("demo") / "demo-index", embedder=real_embedder)
    assistant.ingest([DEMO_CORPUS])
    return assistant


def test_the_ask_placeholder_is_answered_with_the_body_worn_video_figure(demo):
    answer = demo.ask(DEMO_QUESTION)
    assert not answer.abstained
    assert answer.citations[0].path.endswith("eastshire-police-2023-1187-body-worn-video.txt")
    assert "1,450 body worn video cameras" in answer.citations[0].quote
    assert "?" not in answer.answer  # the request's own question is never quoted as the answer


def test_the_old_placeholder_wording_is_answered_too(demo):
    answer = demo.ask("Does the force use body worn video?")
    assert not answer.abstained
    assert any("1,450" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    ["How many drones does Eastshire Police operate?", "How much parking fine income did Northbridge receive in 2023?"],
)
def test_questions_the_demo_corpus_does_not_answer_abstain(demo, question):
    assert demo.ask(question).abstained


def test_a_short_question_after_the_placeholder_is_answered_on_its_own_subject(demo):
    answer = demo.ask("Does the force use facial recognition?", previous=DEMO_QUESTION)
    assert answer.question == "Does the force use facial recognition?"  # not read as a follow-up
    assert not answer.abstained
    assert answer.citations[0].path.endswith("eastshire-police-2024-0412-facial-recognition.txt")


def test_a_follow_up_after_the_placeholder_is_read_with_it(demo):
    answer = demo.ask("And in 2022?", previous=DEMO_QUESTION)
    assert answer.question.startswith(DEMO_QUESTION)
