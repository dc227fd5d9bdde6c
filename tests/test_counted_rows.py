"""A count question's row is read from the whole of a retrieved response, with the header above it."""

from __future__ import annotations

from assistant import Assistant
from assistant.counted_rows import counted_rows
from tests.test_index import write_docs

LETTER = (
    "Eastshire Constabulary\nFreedom of Information Request 2025/0101\n\n"
    "Thank you for your request for the crimes recorded on hospital grounds.\n\n"
    "Response\n\nEastshire Constabulary can confirm that it holds the information you requested.\n\n"
    + "".join(f"This paragraph explains how crime recording category {n} is applied to hospital sites.\n" for n in range(40))
    + "\nOffence 2019 2020 2021 2022 2023\nArson 2 3 3 1 2\nBicycle theft 6 8 10 16 21\nRape 8 4 3 3 1\n"
    "Criminal damage 38 51 52 32 48\n\nYours sincerely,\nInformation Rights Unit\n"
)


def _retrieved(tmp_path, fake_embedder, question):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([write_docs(tmp_path / "docs", {"hospital-crime.txt": LETTER})])
    hits = assistant.search(question, k=1).hits
    return [(hit, assistant.document(hit.doc_id)) for hit in hits]


def test_the_counted_row_and_its_header_are_candidates(tmp_path, fake_embedder):
    question = "How many bicycles were stolen from hospital grounds each year?"
    retrieved = _retrieved(tmp_path, fake_embedder, question)
    assert "Bicycle theft" not in retrieved[0][0].text  # the passage read is not the one holding the row
    rows = counted_rows(question, retrieved, {"bicycl": 1, "hospital": 1}, 10)
    quoted = [(c.document.text[c.start : c.end], header) for c, header in rows]
    assert quoted == [("Bicycle theft 6 8 10 16 21", "Offence 2019 2020 2021 2022 2023")]


def test_questions_that_count_nothing_have_no_rows(tmp_path, fake_embedder):
    question = "Does the force record crimes on hospital grounds?"
    assert counted_rows(question, _retrieved(tmp_path, fake_embedder, question), {}, 10) == []
