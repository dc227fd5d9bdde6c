"""Paths mean the same from anywhere: absolute resolved locations, sync/remove, migration, relocation."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from index.directory import IndexDirectory
from index.manifest import FORMAT_VERSION
from tests.layout import to_legacy_layout
from tests.test_index import DOCS, write_docs

pytestmark = pytest.mark.usefixtures("fake_model")


@pytest.fixture
def runner():
    return CliRunner()


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _stored_paths(index: Path) -> list[str]:
    directory = IndexDirectory(index)
    snapshot = directory.open()
    try:
        return sorted(snapshot.store.known_files())
    finally:
        snapshot.close()


def test_ingest_from_another_directory_finds_the_same_files(tmp_path, runner, monkeypatch):
    work = tmp_path / "work"
    write_docs(work / "a")
    monkeypatch.chdir(work)
    first = _json(runner.invoke(main, ["ingest", "a", "--index", "idx", "--json", "-q"]))
    assert first["added"] == 3
    monkeypatch.chdir(tmp_path)
    again = _json(runner.invoke(main, ["ingest", "work/a", "--index", "work/idx", "--json", "-q"]))
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 3)
    hits = _json(runner.invoke(main, ["search", "parking fines", "--index", "work/idx", "--json", "-q"]))["hits"]
    assert hits and all(os.path.isabs(hit["path"]) and Path(hit["path"]).is_file() for hit in hits)
    assert _stored_paths(work / "idx") == sorted(str((work / "a" / name).resolve()) for name in DOCS)


def test_symlinks_are_resolved_once_at_ingest(tmp_path, runner):
    real = write_docs(tmp_path / "real")
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    _json(runner.invoke(main, ["ingest", str(tmp_path / "link"), "--json", "-q"]))
    again = _json(runner.invoke(main, ["ingest", str(real), "--json", "-q"]))
    assert again["added"] == 0 and again["unchanged"] == 3
    assert all(path.startswith(str(real.resolve())) for path in _stored_paths(tmp_path / "foi-index"))


def test_sync_and_remove_accept_relative_or_absolute_paths(tmp_path, runner, monkeypatch):
    docs = write_docs(tmp_path / "work" / "docs")
    _json(runner.invoke(main, ["ingest", str(docs), "--json", "-q"]))
    (docs / "parking.txt").unlink()
    monkeypatch.chdir(tmp_path / "work")
    synced = _json(runner.invoke(main, ["ingest", "docs", "--sync", "--index", str(tmp_path / "foi-index"), "--json", "-q"]))
    assert synced["removed"] == 1 and synced["documents"] == 2
    removed = _json(runner.invoke(main, ["remove", "docs/cctv.txt", "--index", str(tmp_path / "foi-index"), "--json", "-q"]))
    assert removed["removed"] == 1
    monkeypatch.chdir(tmp_path)
    removed = _json(runner.invoke(main, ["remove", str(docs / "agency.txt"), "--json", "-q"]))
    assert removed["removed"] == 1 and removed["documents"] == 0


def _make_old_format(index: Path, relative: dict[str, str]) -> None:
    """Turn an index into what format 3 wrote: locations as typed, no m004 migration."""
    migrations = json.loads((index / "manifest.json").read_text())["migrations"]
    old = [m for m in migrations if m not in ("m004_absolute_locations", "m007_in_place_store")]
    generation = to_legacy_layout(index, format_version=3, migrations=old)
    db = sqlite3.connect(generation / "store.sqlite")
    with db:
        for absolute, typed in relative.items():
            db.execute("UPDATE locations SET path = ? WHERE path = ?", (typed, absolute))
            db.execute("UPDATE files SET path = ? WHERE path = ?", (typed, absolute))
    db.close()


def test_migration_makes_verifiable_relative_locations_absolute(tmp_path, runner, monkeypatch):
    docs = write_docs(tmp_path / "work" / "a")
    index = tmp_path / "work" / "idx"
    _json(runner.invoke(main, ["ingest", str(docs), "--index", str(index), "--json", "-q"]))
    cctv, parking = str(docs / "cctv.txt"), str(docs / "parking.txt")
    # cctv.txt as typed from work/; parking.txt typed from a directory that is gone.
    _make_old_format(index, {cctv: "a/cctv.txt", parking: "old-cwd/parking.txt"})
    monkeypatch.chdir(tmp_path)  # neither base: the migration must use the index's parent (work/)
    check = runner.invoke(main, ["check", "--index", str(index)])
    assert check.exit_code == 0, check.output
    stored = _stored_paths(index)
    assert cctv in stored and "a/cctv.txt" not in stored
    assert "old-cwd/parking.txt" in stored
    assert "1 locations are relative paths" in check.stdout and "old-cwd/parking.txt" in check.stdout
    manifest = json.loads((index / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION and "m004_absolute_locations" in manifest["migrations"]
    fixed = runner.invoke(main, ["relocate", "old-cwd", str(docs), "--index", str(index)])
    assert fixed.exit_code == 0, fixed.output
    assert "relative paths" not in runner.invoke(main, ["check", "--index", str(index)]).stdout
    again = _json(runner.invoke(main, ["ingest", str(docs), "--index", str(index), "--json", "-q"]))
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_moved_index_still_answers_and_relocate_rewrites_paths(tmp_path, runner):
    docs = write_docs(tmp_path / "share" / "docs")
    _json(runner.invoke(main, ["ingest", str(docs), "--json", "-q"]))
    moved = tmp_path / "mnt" / "docs"
    moved.parent.mkdir()
    docs.rename(moved)  # the shared drive is now mounted elsewhere
    hits = _json(runner.invoke(main, ["search", "parking fines", "--json", "-q"]))["hits"]
    assert hits[0]["path"] == str(docs / "parking.txt")
    answer = _json(runner.invoke(main, ["ask", "How much was spent on agency social workers?", "--json", "-q"]))
    assert answer["citations"] and not answer["abstained"]
    check = runner.invoke(main, ["check"])
    assert check.exit_code == 0 and "3 original files are missing" in check.stdout
    assert str(docs / "cctv.txt") in check.stdout
    result = runner.invoke(main, ["relocate", str(tmp_path / "share"), str(tmp_path / "mnt")])
    assert result.exit_code == 0, result.output
    assert "3 files relocated" in result.stdout
    assert _stored_paths(tmp_path / "foi-index") == sorted(str(moved / name) for name in DOCS)
    assert "missing" not in runner.invoke(main, ["check"]).stdout
    again = _json(runner.invoke(main, ["ingest", str(moved), "--json", "-q"]))
    assert (again["added"], again["unchanged"]) == (0, 3)


def test_relocate_of_an_unknown_prefix_is_one_error_line(tmp_path, runner):
    _json(runner.invoke(main, ["ingest", str(write_docs(tmp_path / "docs")), "--json", "-q"]))
    result = runner.invoke(main, ["relocate", "/nowhere", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no indexed file lies under /nowhere") and "Traceback" not in result.output
