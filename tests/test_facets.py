"""Facet counts for a query: distinct documents per authority, year, outcome and exemption."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assistant.api import Assistant
from assistant.cli import main
from assistant.facets import document_facets, facet_counts, facet_filter
from tests.test_index import write_docs


def meta(authority=None, dates=None, outcome=None, thread_outcome=None, exemptions=()) -> dict:
    foi = {"dates": dates or {}, "outcome": outcome, "thread_outcome": thread_outcome,
           "exemptions": [{"code": code, "applied": applied} for code, applied in exemptions]}
    return {"authority": authority, "foi": foi} if authority else {"foi": foi}


def test_counts_each_document_once_per_value_most_first():
    documents = [
        meta("North Police", {"responded": "2024-03-03", "date": "2023-12-30"}, "disclosed",
             exemptions=[("s.40(2)", True), ("s.40(2)", True), ("s.31(3)", False)]),
        meta("South Constabulary", {"date": "2023-05-01"}, "refused", exemptions=[("s.40(2)", True), ("s.12", True)]),
        # The thread's outcome wins over the message's own; a received date alone gives no year (the date filters ignore it).
        meta("North Police", {"received": "2022-01-09"}, "awaiting response", thread_outcome="refused"),
        {"foi": {}},
        {},
    ]
    assert facet_counts(documents) == {
        "authority": [("North Police", 2), ("South Constabulary", 1)],
        "year": [("2023", 1), ("2024", 1)],
        "outcome": [("refused", 2), ("disclosed", 1)],
        "exemption": [("s.40(2)", 2), ("s.12", 1)],
    }


def test_authority_falls_back_to_the_extracted_one():
    assert document_facets({"foi": {"authority": "Home Office"}})["authority"] == ["Home Office"]


@pytest.mark.parametrize(
    "facet, value, expected",
    [
        pytest.param("year", "2023", {"after": "2023-01-01", "before": "2023-12-31"}, id="year"),
        pytest.param("authority", "North Police", {"authority": "North Police"}, id="authority"),
        pytest.param("exemption", "s.31(3)", {"exemption": "s.31(3)"}, id="exemption"),
    ],
)
def test_facet_filter(facet, value, expected):
    assert facet_filter(facet, value) == expected


@pytest.mark.parametrize("facet, value", [pytest.param("colour", "red", id="unknown"), pytest.param("year", "23", id="bad-year")])
def test_facet_filter_refuses(facet, value):
    with pytest.raises(ValueError):
        facet_filter(facet, value)


RECOGNITION = "Facial recognition cameras were used at the match. " * 12
RESPONSES = {
    "north1.txt": "North Police\nOur ref: FOI 101/24\nDate: 3 March 2024\n\nRequest\nDoes the force use facial "
    "recognition?\n\nResponse\nI can confirm that North Police uses live facial recognition at major events.\n\n"
    + RECOGNITION + "\n\n" + RECOGNITION,
    "north2.txt": "North Police\nOur ref: FOI 150/23\nDate: 10 October 2023\n\nRequest\nHow much did facial "
    "recognition cost?\n\nResponse\nThe information requested about facial recognition is not held by North Police.",
    "south.txt": "South Constabulary\nOur ref: FOI 202/24\nDate: 5 April 2024\n\nRequest\nDoes the force use "
    "facial recognition?\n\nResponse\nSouth Constabulary can neither confirm nor deny that it holds this "
    "information by virtue of section 31(3) and section 24(2).",
    "west.txt": "West Midlands Police\nOur ref: FOI 303/23\nDate: 1 June 2023\n\nRequest\nDoes the force use facial "
    "recognition?\n\nResponse\nThe information about facial recognition is not held by West Midlands Police.",
    "parks.txt": "Parks department: the council maintains 40 parks and 12 playgrounds across the city.",
}
# The index is small enough that the top 100 passages hold every document; parks.txt has
# no authority or date, and the rules read its plain statement as "disclosed".
EXPECTED = {
    "authority": [("North Police", 2), ("South Constabulary", 1), ("West Midlands Police", 1)],
    "year": [("2023", 2), ("2024", 2)],
    "outcome": [("disclosed", 2), ("not held", 2), ("neither confirm nor deny", 1)],
    "exemption": [("s.24(2)", 1), ("s.31(3)", 1)],
}


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    opened = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    opened.ingest([write_docs(tmp_path / "docs", RESPONSES)])
    yield opened
    opened.close()


def test_facets_count_distinct_documents_of_the_query(assistant):
    hits = assistant.search("facial recognition", k=100).hits
    north1 = [h for h in hits if h.path.endswith("north1.txt")]
    assert len(north1) >= 2, "the fixture should give one document several passages"
    facets = assistant.facets("facial recognition", path_contains="docs", kinds=["txt"])
    assert {name: counts for name, counts in facets.items()} == EXPECTED


def test_facets_take_the_search_filters(assistant):
    facets = assistant.facets("facial recognition", authority="North Police")
    assert facets["authority"] == [("North Police", 2)] and facets["year"] == [("2023", 1), ("2024", 1)]
    # k bounds the passages counted: k=1 counts the top passage's document alone.
    top = assistant.search("facial recognition", k=1).hits[0]
    only = assistant.facets("facial recognition", k=1)
    assert only == {name: [(value, 1) for value in values] for name, values in document_facets(top.metadata).items()}


@pytest.mark.parametrize(
    "facet, value",
    [("authority", "North Police"), ("year", "2023"), ("outcome", "not held"), ("exemption", "s.31(3)")],
)
def test_a_facet_applied_as_filter_keeps_exactly_its_documents(assistant, facet, value):
    counted = dict(EXPECTED[facet])[value]
    hits = assistant.search("facial recognition", k=100, **facet_filter(facet, value)).hits
    assert len({hit.doc_id for hit in hits}) == counted
    assert all(value in document_facets(hit.metadata)[facet] for hit in hits)
    everything = assistant.search("facial recognition", k=100).hits
    assert len({hit.doc_id for hit in everything}) > counted


@pytest.fixture
def cli_index(tmp_path, monkeypatch, fake_embedder):
    monkeypatch.setattr("assistant.api.load_embedder", lambda model, **kwargs: fake_embedder)
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(write_docs(tmp_path / "docs", RESPONSES)), "-q"]).exit_code == 0
    return runner


def test_cli_search_facets_json_and_text(cli_index):
    result = cli_index.invoke(main, ["search", "facial recognition", "--k", "2", "--facets", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["hits"]) == 2
    assert data["facets"] == {name: [list(pair) for pair in counts] for name, counts in EXPECTED.items()}
    text = cli_index.invoke(main, ["search", "facial recognition", "--facets", "--outcome", "not held"])
    assert text.exit_code == 0, text.output
    assert "documents among the top 100 passages" in text.stdout
    assert "authority: North Police 1 · West Midlands Police 1" in text.stdout
    assert "exemption: -" in text.stdout
    plain = cli_index.invoke(main, ["search", "facial recognition", "--json"])
    assert "facets" not in json.loads(plain.stdout)


def test_cli_facets_refuse_batch(cli_index, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text("facial recognition\n")
    result = cli_index.invoke(main, ["search", "--batch", str(queries), "--facets"])
    assert result.exit_code == 2 and "--facets works with one QUERY" in result.output
