"""Fault injection: for each fault, the previous generation stays loadable, searches return the
same hits as before it, and the user sees one clear line.

Disk-full is simulated by patching the write path (no loop or tmpfs mount on this machine's
test runners); kills are real `kill -9` of real processes; damage is done to the real files.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.cli import main
from index import directory as directory_module
from index import vectors as vectors_module
from index.manifest import Manifest
from tests.test_index import write_docs

REPO = Path(__file__).resolve().parents[1]
QUERIES = ["parking fines income", "CCTV cameras maintenance", "agency social workers"]
NO_SPACE = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

pytestmark = pytest.mark.usefixtures("fake_model")


@pytest.fixture
def runner():
    return CliRunner()


def hits_of(index: Path, embedder) -> list[list[tuple]]:
    """(doc_id, start, end) of the top hits of each query, from a freshly opened index."""
    assistant = Assistant.open(index, embedder=embedder)
    try:
        return [[(h.doc_id, h.start, h.end) for h in assistant.search(q, k=3).hits] for q in QUERIES]
    finally:
        assistant.close()


def generation_of(index: Path) -> Path:
    return index / f"g{json.loads((index / 'manifest.json').read_text())['generation']:06d}"


@pytest.fixture
def index(tmp_path, runner):
    docs = write_docs(tmp_path / "docs")
    result = runner.invoke(main, ["ingest", str(docs), "-q"])
    assert result.exit_code == 0, result.output
    (docs / "late.txt").write_text("A late reply about library opening hours and staffing.", encoding="utf-8")
    return tmp_path / "foi-index"


def _one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# Disk full ------------------------------------------------------------------------------


def _full_during_faiss_save(monkeypatch):
    def write_index(index, path):
        Path(path).write_bytes(b"half a FAISS file")
        raise NO_SPACE

    monkeypatch.setattr(vectors_module.faiss, "write_index", write_index)


def _full_during_sqlite_copy(monkeypatch):
    real_connect = sqlite3.connect

    class FullDisk:
        def __init__(self, connection):
            self._connection = connection

        def backup(self, target, **kwargs):
            raise sqlite3.OperationalError("database or disk is full")

        def __getattr__(self, name):
            return getattr(self._connection, name)

    shim = types.ModuleType("sqlite3")
    shim.__dict__.update(sqlite3.__dict__)
    shim.connect = lambda *args, **kwargs: FullDisk(real_connect(*args, **kwargs))
    monkeypatch.setattr(directory_module, "sqlite3", shim)


def _full_during_manifest_swap(monkeypatch):
    def write(self, root):
        (Path(root) / "manifest.json.tmp").write_text(self.to_json()[:10])
        raise NO_SPACE

    monkeypatch.setattr(Manifest, "write", write)


@pytest.mark.parametrize(
    "fault, step",
    [
        pytest.param(_full_during_faiss_save, "saving the FAISS index", id="faiss-save"),
        pytest.param(_full_during_sqlite_copy, "copying the current generation", id="sqlite-copy"),
        pytest.param(_full_during_manifest_swap, "replacing the manifest", id="manifest-swap"),
    ],
)
def test_disk_full_during_a_write_leaves_the_previous_generation(index, runner, fake_embedder, monkeypatch, fault, step):
    before, generation = hits_of(index, fake_embedder), generation_of(index)
    with monkeypatch.context() as patched:
        fault(patched)
        line = _one_error_line(runner.invoke(main, ["ingest", str(index.parent / "docs"), "-q"]))
    assert line.startswith(f"error: could not write the index ({step}: ")
    assert ("No space left on device" in line) or ("disk is full" in line)
    assert line.endswith(f"nothing was changed, the index is still generation {generation.name}")
    assert generation_of(index) == generation and not list(index.glob("*.staging"))
    assert hits_of(index, fake_embedder) == before
    assert Assistant.open(index, embedder=fake_embedder).check().ok
    again = runner.invoke(main, ["ingest", str(index.parent / "docs"), "--json", "-q"])
    assert again.exit_code == 0 and json.loads(again.stdout)["added"] == 1


# Damage on disk ---------------------------------------------------------------------------


def _second_generation(index: Path, runner) -> None:
    result = runner.invoke(main, ["ingest", str(index.parent / "docs"), "-q"])
    assert result.exit_code == 0, result.output


def _flip_a_page(store: Path) -> None:
    with open(store, "r+b") as handle:
        handle.seek(4096 + 100)  # inside page 2, a b-tree page
        data = bytearray(handle.read(64))
        handle.seek(4096 + 100)
        handle.write(bytes(b ^ 0xFF for b in data))
    with open(store, "r+b") as handle:
        handle.seek(4096)
        page = bytearray(handle.read(8))
        page[0] ^= 0xFF  # the page type byte: no longer a valid b-tree page
        handle.seek(4096)
        handle.write(page)


def test_truncated_manifest_is_named_and_restored(index, runner, fake_embedder):
    before = hits_of(index, fake_embedder)
    (index / "manifest.json").write_bytes(b"")
    line = _one_error_line(runner.invoke(main, ["search", "parking", "-q"]))
    assert "manifest" in line
    check = runner.invoke(main, ["check"])
    assert check.exit_code == 1 and "problem: manifest:" in check.stdout
    repaired = runner.invoke(main, ["check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "restored manifest.json from g000001" in repaired.stdout
    assert hits_of(index, fake_embedder) == before


@pytest.mark.parametrize("damage", ["deleted", "flipped-page"])
def test_damaged_generation_is_named_and_the_last_good_one_restored(index, runner, fake_embedder, damage):
    before = hits_of(index, fake_embedder)
    _second_generation(index, runner)
    current = generation_of(index)
    if damage == "deleted":
        import shutil

        shutil.rmtree(current)
        expected = f"generation {current.name} (the current one): its directory is missing"
    else:
        _flip_a_page(current / "store.sqlite")
        expected = f"generation {current.name} (the current one): store.sqlite is damaged"
    check = runner.invoke(main, ["check"])
    assert check.exit_code == 1 and expected in check.stdout, check.output
    repaired = runner.invoke(main, ["check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "restored manifest.json from g000001" in repaired.stdout
    assert f"the changes committed in {current.name} are lost" in repaired.stdout
    assert hits_of(index, fake_embedder) == before
    again = runner.invoke(main, ["ingest", str(index.parent / "docs"), "--json", "-q"])
    assert again.exit_code == 0 and json.loads(again.stdout)["added"] == 1
    assert runner.invoke(main, ["check"]).exit_code == 0
