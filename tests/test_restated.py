"""A response's sentences that restate the request are the requester's words, never an answer."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.restated import RequestWords
from tests.mailboxes import write_mbox
from tests.test_index import write_docs

REQUESTER = "FOI requester <request-7@requests.example.invalid>"
COUNCIL = "Sheffield City Council <foi@council.example.invalid>"
THREAD = [
    (REQUESTER, "Dear Sheffield City Council,\n2. I would like to know the mean wait time for social housing "
                "for each band: A, B and C. If the bands are not applicable, then just the average overall "
                "wait time for social housing.\nYours faithfully, requester"),
    (COUNCIL, "Dear requester,\nPlease find our response below.\n2. I would like to know the mean wait time for "
              "social housing for each band: A, B and C. If the bands are not applicable, then just the average "
              "overall wait time for social housing.\nBand A: 80 days, Band B: 184 days, Band C: 215 days.\n"
              "Yours sincerely,\nSheffield City Council"),
    (REQUESTER, "Dear Sheffield City Council,\nThank you. You wrote: Band A: 80 days, Band B: 184 days, "
                "Band C: 215 days. Please review how long band A waits.\nYours faithfully, requester"),
]
QUESTION = "What is the average overall wait time for social housing if the bands are not applicable?"


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    folder = write_docs(tmp_path / "docs", {"other.txt": "The council maintains 83 parks.\n"})
    write_mbox(folder / "housing.mbox", THREAD, "Housing waits")
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, abstain_confidence_below=0.0,
                               sentence_min_score=0.0)
    assistant.ingest([folder])
    return assistant


def test_a_restated_request_sentence_is_not_quoted(assistant):
    answer = assistant.ask(QUESTION)
    quotes = [c.quote for c in answer.citations]
    assert quotes and not any("bands are not applicable" in q for q in quotes)


def test_without_the_rule_the_restated_sentence_is_quoted(assistant, monkeypatch):
    # What the rule changes: the restated sentence shares the question's words best of all.
    monkeypatch.setattr(RequestWords, "restates", lambda self, path, part, sentence: False)
    answer = assistant.ask(QUESTION)
    assert any("bands are not applicable" in c.quote for c in answer.citations)


def test_only_earlier_requester_messages_count(assistant):
    hits = assistant.search("mean wait time for social housing band", k=10).hits
    path = next(hit.path for hit in hits if hit.part)
    with assistant.snapshots.reading() as snapshot:
        words = RequestWords(snapshot.store)
        restated = "If the bands are not applicable, then just the average overall wait time for social housing."
        assert words.restates(path, "message 2", restated)
        # The requester's later message quotes the council's answer back: the answer stays the council's.
        assert not words.restates(path, "message 2", "Band A: 80 days, Band B: 184 days, Band C: 215 days.")
        assert not words.restates(path, "message 2", "just the average")  # too short to tell
        assert not words.restates("elsewhere.txt", None, restated)
