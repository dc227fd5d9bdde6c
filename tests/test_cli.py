"""The `foi` command: JSON shapes, exit codes and one-line messages for user mistakes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assistant.cli import main
from index.manifest import FORMAT_VERSION
from tests.test_index import DOCS, write_docs


pytestmark = pytest.mark.usefixtures("fake_model")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def indexed(tmp_path, runner):
    docs = write_docs(tmp_path / "docs")
    result = runner.invoke(main, ["ingest", str(docs), "--json", "-q"])
    assert result.exit_code == 0, result.output
    return docs


def test_ingest_json_report(tmp_path, runner):
    docs = write_docs(tmp_path / "docs")
    (docs / "empty.txt").write_bytes(b"")
    result = runner.invoke(main, ["ingest", str(docs), "--json", "-q"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert set(report) >= {"added", "updated", "unchanged", "removed", "skipped", "documents", "chunks", "seconds"}
    assert report["added"] == 3 and report["documents"] == 3
    assert report["skipped"] == [{"path": str(docs / "empty.txt"), "reason": "empty file"}]
    assert "warning: skipped" in result.stderr and "empty file" in result.stderr
    assert (tmp_path / "foi-index" / "manifest.json").is_file()  # $FOI_INDEX is honoured


def test_search_json_hits_carry_citations(indexed, runner):
    result = runner.invoke(main, ["search", "parking fines income", "--k", "2", "--json", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == "parking fines income"
    hit = data["hits"][0]
    assert set(hit) >= {"rank", "score", "doc_id", "path", "part", "title", "page", "start", "end", "text", "citation"}
    assert hit["path"].endswith("parking.txt") and hit["part"] is None and hit["page"] is None
    assert hit["text"] == DOCS["parking.txt"][hit["start"] : hit["end"]]


def test_ask_json_quotes_match_offsets(indexed, runner):
    result = runner.invoke(main, ["ask", "How much was spent on agency social workers?", "--json", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "answer", "citations", "abstained"}
    for citation in data["citations"]:
        source = DOCS[citation["path"].rsplit("/", 1)[-1]]
        assert source[citation["start"] : citation["end"]] == citation["quote"]
        assert f"[{citation['n']}]" in data["answer"]


def test_stats_json(indexed, runner):
    result = runner.invoke(main, ["stats", "--json"])
    data = json.loads(result.stdout)
    assert data["documents"] == 3 and data["model"] == "fake-bag-of-words"
    assert data["format_version"] == FORMAT_VERSION and data["size_bytes"] > 0
    assert {"chunk_tokens", "chunk_overlap", "dimension", "updated_at"} <= set(data)


@pytest.mark.parametrize(
    "args, code, message",
    [
        pytest.param(["search", "x", "--index", "nowhere"], 1, "error: no index at nowhere", id="missing-index"),
        pytest.param(["stats", "--index", "nowhere"], 1, "foi ingest PATH --index nowhere", id="stats-missing-index"),
        pytest.param(["search"], 2, "Missing argument 'QUERY'", id="missing-query"),
        pytest.param(["search", "x", "--k", "0"], 2, "Invalid value for '--k'", id="bad-k"),
        pytest.param(["frobnicate"], 2, "No such command 'frobnicate'", id="unknown-command"),
        pytest.param(["ingest"], 2, "Missing argument 'PATHS...'", id="ingest-without-paths"),
        pytest.param(["ingest", "x", "--chunk-tokens", "5"], 1, "invalid settings: chunk_tokens", id="bad-chunk-size"),
        pytest.param(["stats", "--config", "missing.toml"], 1, "settings file not found", id="missing-config"),
    ],
)
def test_user_mistakes_exit_cleanly(runner, args, code, message):
    result = runner.invoke(main, args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_unknown_settings_key_is_rejected(runner, tmp_path):
    config = tmp_path / "foi.toml"
    config.write_text("chunk_sise = 100\n")
    result = runner.invoke(main, ["stats", "--config", str(config)])
    assert result.exit_code == 1
    assert "chunk_sise: Extra inputs are not permitted" in result.stderr


def test_model_mismatch_exits_1_with_rebuild_hint(indexed, runner):
    result = runner.invoke(main, ["ingest", str(indexed), "--model", "another-model", "-q"])
    assert result.exit_code == 1
    assert "built with different settings" in result.stderr and "new index" in result.stderr


def test_nonexistent_path_is_reported_not_fatal(runner, tmp_path):
    docs = write_docs(tmp_path / "docs")
    result = runner.invoke(main, ["ingest", str(docs), str(tmp_path / "nope"), "--json", "-q"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert {"path": str(tmp_path / "nope"), "reason": "no such file or folder"} in report["skipped"]
