"""`foi search --batch`: many queries in one process, JSON lines or CSV, each timed."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from assistant.cli import BATCH_COLUMNS, main
from tests.test_index import write_docs


pytestmark = pytest.mark.usefixtures("fake_model")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def queries(tmp_path, runner):
    docs = write_docs(tmp_path / "docs")
    result = runner.invoke(main, ["ingest", str(docs), "--json", "-q"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "queries.txt"
    path.write_text("parking fines income\n\n  agency social workers  \nzzzz qqqq\n", encoding="utf-8")
    return path


def test_json_lines_match_single_search_plus_ms(queries, runner, fake_model):
    fake_model.clear()
    result = runner.invoke(main, ["search", "--batch", str(queries), "--json", "-q", "--k", "2"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["parking fines income", "agency social workers", "zzzz qqqq"]
    assert len(fake_model) == 1  # the model is loaded once for the whole batch
    single = json.loads(runner.invoke(main, ["search", "parking fines income", "--json", "-q", "--k", "2"]).stdout)
    first = dict(lines[0])
    assert isinstance(first.pop("ms"), float) and lines[0]["ms"] >= 0
    assert first == single
    assert lines[2]["hits"] == [] or all(hit["score"] < 0.5 for hit in lines[2]["hits"])


def test_csv_has_one_row_per_hit(queries, runner):
    result = runner.invoke(main, ["search", "--batch", str(queries), "-q", "--k", "2"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == BATCH_COLUMNS
    parking = [row for row in rows if row["query"] == "parking fines income"]
    assert [row["rank"] for row in parking] == ["1", "2"]
    assert parking[0]["path"].endswith("parking.txt") and float(parking[0]["ms"]) >= 0
    assert {row["query"] for row in rows} >= {"parking fines income", "agency social workers"}


def test_stdin_and_backend_option(queries, runner, fake_model, caplog):
    fake_model.clear()
    result = runner.invoke(
        main, ["search", "--batch", "-", "--json", "-q", "--backend", "onnx"], input="parking fines\n"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["query"] == "parking fines"
    assert fake_model[0][1] == {"backend": "onnx"}
    assert "built with the torch embedding backend; using onnx" in caplog.text


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["search"], "Missing argument 'QUERY'", id="neither"),
        pytest.param(["search", "x", "--batch", "queries.txt"], "not both", id="both"),
        pytest.param(["search", "--batch", "missing.txt"], "No such file or directory", id="missing-file"),
        pytest.param(["search", "x", "--backend", "gpu"], "Invalid value for '--backend'", id="bad-backend"),
    ],
)
def test_batch_usage_errors_exit_2(queries, runner, args, message):
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
