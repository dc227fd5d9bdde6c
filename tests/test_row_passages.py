"""`search` shows the chunk holding the row a count question names, under its document's best passage."""

from __future__ import annotations

import pytest

from assistant import Assistant
from tests.test_counted_rows import LETTER
from tests.test_index import write_docs

OTHER = (
    "Westshire Police\nFreedom of Information Request 2025/0202\n\n"
    "Thank you for your request about bicycles stolen from hospital grounds.\n\n"
    "Response\n\nWestshire Police does not record the location of bicycle thefts by hospital.\n"
)
QUESTION = "How many bicycles were stolen from hospital grounds each year?"
ROW = "Bicycle theft 6 8 10 16 21"


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([write_docs(tmp_path / "docs", {"hospital-crime.txt": LETTER, "westshire.txt": OTHER})])
    return assistant


def test_the_row_passage_is_shown_under_its_document(assistant):
    hits = assistant.search(QUESTION, k=4).hits
    holding = [h for h in hits if ROW in h.text]
    assert len(holding) == 1
    row_hit = holding[0]
    document = assistant.document(row_hit.doc_id)
    assert document.text[row_hit.start : row_hit.end] == row_hit.text  # a real, citable span
    best_of_document = min(h.rank for h in hits if h.doc_id == row_hit.doc_id)
    assert row_hit.rank == best_of_document + 1
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_without_it_the_row_is_not_among_the_passages_and_documents_keep_their_order(assistant, monkeypatch):
    shown = assistant.search(QUESTION, k=4).hits
    monkeypatch.setattr("assistant.api.with_row_passages", lambda snapshot, question, vector, hits: hits)
    plain = assistant.search(QUESTION, k=4).hits
    assert not any(ROW in h.text for h in plain)
    assert len(plain) == len(shown)
    first_places = lambda hits: list(dict.fromkeys(h.doc_id for h in hits))  # noqa: E731
    assert first_places(shown) == first_places(plain)


def test_a_question_that_counts_nothing_is_left_alone(assistant, monkeypatch):
    question = "Does the force record crimes on hospital grounds?"
    shown = [(h.doc_id, h.start) for h in assistant.search(question, k=4).hits]
    monkeypatch.setattr("assistant.api.with_row_passages", lambda snapshot, question, vector, hits: hits)
    assert shown == [(h.doc_id, h.start) for h in assistant.search(question, k=4).hits]


UNRELATED = "Westshire Police\n\nThe force publishes its annual report each spring, with its accounts.\n"


def test_a_document_shown_once_does_not_push_another_documents_passage_out(tmp_path, fake_embedder, monkeypatch):
    # The other document (another message of the thread, another force) may be what answers: it stays.
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([write_docs(tmp_path / "docs", {"hospital-crime.txt": LETTER, "westshire.txt": UNRELATED})])
    shown = assistant.search(QUESTION, k=2, per_document=1).hits
    assert [h.path.rsplit("/", 1)[-1] for h in shown] == ["hospital-crime.txt", "westshire.txt"]
    monkeypatch.setattr("assistant.api.with_row_passages", lambda snapshot, question, vector, hits: hits)
    plain = assistant.search(QUESTION, k=2, per_document=1).hits
    assert [(h.doc_id, h.start) for h in shown] == [(h.doc_id, h.start) for h in plain]
