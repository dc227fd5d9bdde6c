"""`foi compare` and `foi similar`: one row per response, each sentence exact."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from assistant.cli import main
from tests.test_index import write_docs

RESPONSES = {
    "north.txt": "North Police\nOur ref: FOI 101/24\nDate: 3 March 2024\n\nRequest\nDoes the force use facial "
    "recognition?\n\nResponse\nI can confirm that North Police uses live facial recognition at major events.",
    "south.txt": "South Constabulary\nOur ref: FOI 202/24\nDate: 5 April 2024\n\nRequest\nDoes the force use "
    "facial recognition?\n\nResponse\nSouth Constabulary can neither confirm nor deny that it holds this "
    "information by virtue of section 31(3) and section 24(2).",
    "parks.txt": "Parks department: the council maintains 40 parks and 12 playgrounds across the city.",
}


pytestmark = pytest.mark.usefixtures("fake_model")


def test_compare_lists_each_response_with_its_fields_and_exact_sentence(tmp_path):
    runner = CliRunner()
    docs = write_docs(tmp_path / "docs", RESPONSES)
    assert runner.invoke(main, ["ingest", str(docs), "-q"]).exit_code == 0
    out = tmp_path / "table.csv"
    result = runner.invoke(main, ["compare", "facial recognition force", "--limit", "2", "--json", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert {row["path"].rsplit("/", 1)[-1] for row in rows} == {"north.txt", "south.txt"}
    for row in rows:
        text = RESPONSES[row["path"].rsplit("/", 1)[-1]]
        assert text[row["start"] : row["end"]] == row["sentence"]
    south = next(row for row in rows if row["path"].endswith("south.txt"))
    assert "s.31(3)" in south["exemptions"]
    with open(out, newline="", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 2


def test_similar_finds_the_earlier_request(tmp_path):
    runner = CliRunner()
    docs = write_docs(tmp_path / "docs", RESPONSES)
    runner.invoke(main, ["ingest", str(docs), "-q"])
    draft = tmp_path / "draft.txt"
    draft.write_text("Please tell me whether your force uses facial recognition technology.")
    result = runner.invoke(main, ["similar", str(draft), "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    paths = [row["path"].rsplit("/", 1)[-1] for row in json.loads(result.stdout)["requests"]]
    assert "parks.txt" not in paths and paths
