"""Abstention signals about the answer's shape: the counted thing and a figure in the quote."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.abstain import confidence, counted_terms, shape_signals
from assistant.figures import holds_figure
from assistant.candidates import answer_candidates
from assistant.evidence import is_acknowledgement
from assistant.terms import question_terms
from tests.test_index import write_docs

COUNTS, TOTAL = {"horse": 2, "police": 900, "crime": 400, "record": 600}, 1900


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("How many police horses does Cumbria Constabulary keep?", ["hors", "police"]),
        ("How many food banks does Sheffield City Council fund?", ["bank", "food"]),
        ("How many e-scooters did West Midlands Police seize in 2023?", ["scooter"]),
        ("What was the total number of CCTV cameras in operation?", ["camera", "cctv"]),
        ("Why did the council refuse the request?", []),
    ],
)
def test_counted_terms_are_what_a_how_many_question_counts(question, counted):
    assert counted_terms(question) == counted


def test_a_quote_about_something_else_than_the_counted_thing_has_no_head_coverage():
    question = "How many police horses does Cumbria Constabulary keep?"
    off = shape_signals(
        question, ["Please note: the information provided has been extracted from Cumbria Constabulary's crime "
                   "recording system."], [""], COUNTS, TOTAL)
    on = shape_signals(question, ["The force keeps 6 horses at its stables in Penrith."], [""], COUNTS, TOTAL)
    assert off == {"head_coverage": 0.0, "figure_answer": 0.0}
    assert on == {"head_coverage": pytest.approx(on["head_coverage"]), "figure_answer": 1.0}
    assert on["head_coverage"] > 0.9  # "horses" is the rare word; "police" is in 900 documents


def test_the_counted_thing_may_be_in_the_question_line_the_figure_answers():
    signals = shape_signals(
        "How many illegal disposable vapes did Sheffield trading standards seize in 2024?", ["48,521"],
        ["How many illegal disposable vapes, e-cigarettes, or e-liquids were seized?"], {}, TOTAL)
    assert signals == {"head_coverage": 1.0, "figure_answer": 1.0}


@pytest.mark.parametrize(
    ("sentence", "figure"),
    [
        ("There are 66,336 street lights on the adopted highway.", True),
        ("21/22: 7695", True),
        ("Sheffield City Council does not hold this information.", True),
        ("£465.70 for a new licence", True),
        ("I can confirm that the information requested is held by Durham Constabulary.", False),
        ("Data on street lighting locations from 2010.", False),
        ("Your request of 13 April 2024 has been considered under the Act (2000).", False),
        ("Information Management Team, Telephone: 0114 2930000", False),
        ("Your email received by the Council on 19^th\nOctober 2023 explained your request.", False),
        ("You can make a complaint to the Information Commissioner’s Office: [1]", False),
    ],
)
def test_holds_figure_counts_figures_not_years_dates_or_telephone_numbers(sentence, figure):
    assert holds_figure(sentence) is figure


def test_a_count_question_quoted_without_a_figure_is_less_trusted():
    base = {"rare_coverage": 0.5, "passage_coverage": 0.7, "best_similarity": 0.6, "top_passage": 0.6,
            "document_coverage": 0.6, "name_coverage": 1.0}
    answered = confidence({**base, "head_coverage": 1.0, "figure_answer": 1.0})
    evasive = confidence({**base, "head_coverage": 0.0, "figure_answer": 0.0})
    assert answered - evasive > 0.2


def test_hyphenated_counted_words_count_by_their_parts():
    signals = shape_signals("How many e-scooters did the force seize in 2023?",
                            ["The force seized 40 e-scooters in 2023."], [""], {}, TOTAL)
    assert signals["head_coverage"] == 1.0
    assert "examine" not in question_terms("How many working days do I have to ask them to re-examine it?")


def test_signature_lines_and_print_notices_are_not_candidates(tmp_path, fake_embedder):
    assert is_acknowledgement("Please don't print this e-mail unless you really need to.")
    text = (
        "Dear Sir,\n\nThe council employs four staff in its information management team.\n\n"
        "Information and Knowledge Management Team Resources, Sheffield City Council Telephone: 0114 2930000\n\n"
        "Please don't print this e-mail unless you really need to.\n"
    )
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([write_docs(tmp_path / "docs", {"staff.txt": text})])
    hits = assistant.search("information management team staff", k=5).hits
    retrieved = [(hit, assistant.document(hit.doc_id)) for hit in hits]
    quoted = [c.document.text[c.start : c.end] for c in answer_candidates(retrieved)]
    assert any("four staff" in q for q in quoted)
    assert not any("Telephone" in q or "print this" in q for q in quoted)
