"""Citation precision: an answer cites only documents that hold what the question names."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.sentence_choice import document_coverage, question_codes
from tests.answer_fixtures import cited_files
from tests.test_index import write_docs

# Two responses from one force, sharing their refusal wording word for word; only the
# reference the question names tells them apart.
RESPONSES = {
    "wmp-855a-22.txt": (
        "West Midlands Police FOI 855A/22\n\n"
        "Your request asked about predictive crime mapping software and how the force uses it.\n\n"
        "The force does not use predictive crime mapping software to direct patrols in the city.\n\n"
        "The security of the country is of paramount importance and the force will not divulge "
        "whether any other information is or is not held.\n"
    ),
    "wmp-18201-18.txt": (
        "West Midlands Police FOI 18201/18\n\n"
        "Your request asked about live facial recognition cameras used by the force.\n\n"
        "We do not currently use live facial recognition systems in public places.\n\n"
        "The security of the country is of paramount importance and the force will not divulge "
        "whether any other information is or is not held about the request or the software.\n"
    ),
}


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    assistant = Assistant.open(
        tmp_path / "idx", embedder=fake_embedder, abstain_below=0.1, sentence_min_score=0.05, abstention="cosine"
    )
    assistant.ingest([write_docs(tmp_path / "docs", RESPONSES)])
    return assistant


QUESTION = "What was West Midlands Police request 855A/22 about, and is the software or information held?"


def test_answer_cites_only_the_document_holding_the_named_reference(assistant):
    answer = assistant.ask(QUESTION)
    assert not answer.abstained
    assert answer.citations
    assert cited_files(answer) == {"wmp-855a-22.txt"}


def test_without_the_document_rule_the_shared_wording_of_another_response_is_cited(assistant, monkeypatch):
    # The rule is what keeps the other response out: with any document allowed, its
    # near-identical refusal sentence is quoted too.
    monkeypatch.setattr("assistant.sentence_choice.DOCUMENT_COVER_SLACK", 10.0)
    monkeypatch.setattr("assistant.answer.question_codes", lambda question: set())
    answer = assistant.ask(QUESTION)
    assert "wmp-18201-18.txt" in cited_files(answer)


def test_question_codes_are_references_not_years_or_small_numbers():
    codes = question_codes("Find request 855A/22, FOI 18201/18 and 01/FOI/25/006753/Z from 2023/24 or 12 May")
    assert codes == {"855a/22", "18201/18", "01/foi/25/006753/z"}


def test_document_coverage_weighs_rare_words_and_codes():
    counts = {"police": 90, "darlington": 2}
    with_place = document_coverage(["police", "darlington"], set(), "Durham Police: Darlington hospital", counts, 100)
    without_place = document_coverage(["police", "darlington"], set(), "Cumbria Police: Carlisle", counts, 100)
    assert with_place == pytest.approx(1.0)
    assert without_place < 0.2  # the common word alone is little of the question
    assert document_coverage([], {"855a/22"}, "FOI 855A/22 response", {}, 100) == pytest.approx(1.0)
    assert document_coverage([], {"855a/22"}, "FOI 18201/18 response", {}, 100) == 0.0
