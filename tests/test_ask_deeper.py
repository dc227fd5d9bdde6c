"""`ask` reads twice as many passages once when none of those it read had a quotable sentence."""

from __future__ import annotations

import pytest

from assistant import Assistant
from tests.test_index import write_docs

# A response that repeats the request first (questions are never quoted) and answers further down.
RESPONSE = (
    "Street lighting numbers request.\n\n"
    "Are the street lights on Sheffield roads LED units?\n\n"
    "The council's reply follows below after our usual checks were made on the records.\n\n"
    "There are 66,336 street lights on the adopted roads of Sheffield, all of them now LED units.\n"
)
# Not a "how many" question: those also read the rows naming what they count from the whole document
# (`assistant.counted_rows`), which would find the answer without reading deeper.
QUESTION = "Are the street lights on Sheffield roads LED units?"


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    assistant = Assistant.open(
        tmp_path / "idx", embedder=fake_embedder, chunk_tokens=30, chunk_overlap=0, answer_passages=1,
        answer_passages_per_document=1, abstain_confidence_below=0.0, sentence_min_score=0.0,
    )
    assistant.ingest([write_docs(tmp_path / "docs", {"street-lights.txt": RESPONSE})])
    return assistant


def test_the_answer_in_a_later_passage_is_found_by_reading_deeper(assistant):
    first = assistant.search(QUESTION, k=1).hits[0]
    assert "66,336" not in first.text  # the premise: the passage read first holds only the request
    answer = assistant.ask(QUESTION)
    assert not answer.abstained
    assert any("66,336" in c.quote for c in answer.citations)


def test_without_reading_deeper_the_same_question_abstains(assistant, monkeypatch):
    monkeypatch.setattr(Assistant, "_nothing_quotable", lambda self, answer: False)
    assert assistant.ask(QUESTION).abstained
