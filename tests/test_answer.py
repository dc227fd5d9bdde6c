"""Extractive answers: every quote is verbatim at its offsets, markers match citations."""

from __future__ import annotations

import re

import pytest

from assistant import Assistant
from ingest.sentences import sentence_spans
from tests.test_index import write_docs


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, abstain_below=0.3, sentence_min_score=0.1)
    assistant.ingest([write_docs(tmp_path / "docs")])
    return assistant


def test_answer_quotes_are_exact_and_markers_refer_to_citations(assistant):
    answer = assistant.ask("How much did the council spend on agency social workers?")
    assert not answer.abstained
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}
    for citation in answer.citations:
        text = assistant.document(citation.doc_id).text
        assert text[citation.start : citation.end] == citation.quote
    assert any("£3.4 million" in c.quote for c in answer.citations)
    assert answer.citations[0].path.endswith("agency.txt")


def test_unrelated_question_abstains_and_shows_nearest_passages(assistant):
    answer = assistant.ask("zebra migration patterns serengeti")
    assert answer.abstained
    assert answer.citations == []
    assert "could not find" in answer.answer
    assert answer.passages  # the closest passages are still offered


def test_sentence_spans_are_trimmed_and_exact():
    text = "  First sentence here. Second one, e.g. with an abbreviation.\n\n1)\n\nThird part - confirmed.  "
    spans = list(sentence_spans(text))
    sentences = [text[s:e] for s, e in spans]
    assert sentences == ["First sentence here.", "Second one, e.g. with an abbreviation.", "Third part - confirmed."]
