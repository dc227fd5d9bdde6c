"""The lexical query gains the acronyms the collection itself defines for the question's words."""

from __future__ import annotations

import pytest

from assistant import Assistant
from index.acronyms import candidate_acronyms
from tests.test_index import write_docs

DOCS = {
    "leaflet.txt": "Parking enforcement\n\nPenalty charge notices (PCNs) are issued by civil enforcement officers.\n",
    "answer.txt": "Sheffield City Council FOI/1038336\n\nParking PCNs by month: 65,590 in total.\n",
    "other.txt": "Westshire Council FOI/77\n\nThe council keeps a register of taxi licences.\n",
}
QUESTION = "How many penalty charge notices were issued last year?"


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([write_docs(tmp_path / "docs", DOCS)])
    return assistant


def _paths(assistant, question):
    return [h.path.rsplit("/", 1)[-1] for h in assistant.search(question, k=3, mode="lexical").hits]


def test_a_reply_naming_only_the_acronym_is_found(assistant):
    assert "answer.txt" in _paths(assistant, QUESTION)


def test_without_the_acronym_it_is_not(assistant, monkeypatch):
    monkeypatch.setattr("index.passages.acronyms.defined_acronyms", lambda db, query: [])
    assert "answer.txt" not in _paths(assistant, QUESTION)


def test_only_acronyms_the_collection_defines_are_added(assistant):
    with assistant.snapshots.reading() as snapshot:
        assert snapshot.store.defined_acronyms(QUESTION) == ["pcns"]  # the form the passages use
        # "taxi licences register": "tlr" is no indexed term; "council keeps": no acronym stands beside it
        assert snapshot.store.defined_acronyms("Does the council keep a register of taxi licences?") == []


def test_candidate_acronyms():
    found = candidate_acronyms("How many Clean Air Zone penalty charge notices were issued?")
    assert found["caz"] == ["clean", "air", "zone"]
    assert found["pcn"] == ["penalty", "charge", "notices"]
    assert "foi" in candidate_acronyms("Freedom of Information requests")
    assert "nda" in candidate_acronyms("paid under non-disclosure agreements")
    assert not any(len(a) < 3 for a in found)
