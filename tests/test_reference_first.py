"""A question naming a request's reference shows the documents carrying it first."""

from __future__ import annotations

import pytest

from assistant import Assistant
from tests.test_index import write_docs

DOCS = {
    "internet-of-things.txt": (
        "West Midlands Police\nFreedom of Information Request 11435/17\n\n"
        "Response\n\nWe can neither confirm nor deny that we hold any of the requested information "
        "about connected devices.\n"
    ),
    "outcomes.txt": (
        "West Midlands Police\nFreedom of Information Request 20001/18\n\n"
        "Response\n\nThe outcome of your request: what was asked of West Midlands Police was "
        "answered in full, and the outcome of each request is published.\n"
    ),
}
QUESTION = "What was the outcome of West Midlands Police request 11435/17?"


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([write_docs(tmp_path / "docs", DOCS)])
    return assistant


def _files(assistant, question, **options):
    return [h.path.rsplit("/", 1)[-1] for h in assistant.search(question, k=2, mode="dense", **options).hits]


def test_the_named_request_comes_first(assistant):
    assert _files(assistant, QUESTION)[0] == "internet-of-things.txt"


def test_without_it_the_closer_wording_wins(assistant, monkeypatch):
    monkeypatch.setattr("assistant.api.referenced_first", lambda question, hits, k, search: hits)
    assert _files(assistant, QUESTION)[0] == "outcomes.txt"


def test_a_reference_no_document_carries_changes_nothing(assistant, monkeypatch):
    question = "What was the outcome of West Midlands Police request 99999/17?"
    shown = _files(assistant, question)
    monkeypatch.setattr("assistant.api.referenced_first", lambda question, hits, k, search: hits)
    assert shown == _files(assistant, question)


def test_filters_still_apply(assistant):
    assert _files(assistant, QUESTION, path_contains="outcomes") == ["outcomes.txt"]
