"""Discovery: which files under the given paths are ingested, and why others are not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.discover import Discovery, discover
from ingest.documents import Skipped


def touch(path: Path, data: bytes = b"text\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A folder of FOI files with the usual clutter, entered as the working directory."""
    monkeypatch.chdir(tmp_path)
    for name in [
        "foi/request.txt",
        "foi/Response.PDF",
        "foi/notes.md",
        "foi/2023/thread.mbox",
        "foi/2023/deep/reply.eml",
        "foi/2023/deep/page.htm",
        "foi/2023/letter.docx",
        "foi/budget.numbers",
        "foi/README",
        "foi/.DS_Store",
        "foi/.git/config.txt",
        "foi/~$letter.docx",
    ]:
        touch(tmp_path / name)
    return tmp_path


def test_walks_folders_and_reports_what_it_leaves_out(tree):
    found = discover([Path("foi")])

    # Files come back absolute and resolved (one location per file, from any directory).
    assert found.files == [
        tree.resolve() / "foi/2023/deep/page.htm",
        tree.resolve() / "foi/2023/deep/reply.eml",
        tree.resolve() / "foi/2023/letter.docx",
        tree.resolve() / "foi/2023/thread.mbox",
        tree.resolve() / "foi/Response.PDF",
        tree.resolve() / "foi/notes.md",
        tree.resolve() / "foi/request.txt",
    ]
    assert sorted(found.skipped, key=lambda s: s.path) == [
        Skipped(path="foi/.DS_Store", reason="hidden file"),
        Skipped(path="foi/.git", reason="hidden folder"),
        Skipped(path="foi/README", reason="unsupported file type (no extension)"),
        Skipped(path="foi/budget.numbers", reason="unsupported file type (.numbers)"),
        Skipped(path="foi/~$letter.docx", reason="Office lock file"),
    ]


def test_missing_paths_and_explicit_files(tree):
    found = discover([Path("nowhere"), Path("foi/budget.numbers"), Path("foi/.DS_Store"), Path("foi/notes.md")])

    assert found.files == [tree.resolve() / "foi/notes.md"]
    assert found.skipped == [
        Skipped(path="nowhere", reason="no such file or folder"),
        Skipped(path="foi/budget.numbers", reason="unsupported file type (.numbers)"),
        Skipped(path="foi/.DS_Store", reason="unsupported file type (no extension)"),
    ]


def test_explicit_hidden_file_is_read(tree):
    touch(tree / "foi/.private.txt")

    assert discover([Path("foi/.private.txt")]).files == [tree.resolve() / "foi/.private.txt"]


def test_duplicates_are_listed_once(tree):
    found = discover([Path("foi/2023"), Path("foi/2023/letter.docx"), Path("foi/2023/")])

    assert found.files.count(tree.resolve() / "foi/2023/letter.docx") == 1
    assert len(found.files) == 4


def test_absolute_paths_stay_absolute(tree):
    found = discover([tree / "foi" / "2023" / "deep"])

    assert found.files == [tree / "foi/2023/deep/page.htm", tree / "foi/2023/deep/reply.eml"]
    assert isinstance(found, Discovery)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symlinks not supported here")
def test_symlink_loop_and_broken_link(tree):
    os.symlink("..", tree / "foi/2023/up")
    os.symlink("missing.txt", tree / "foi/dangling.txt")

    found = discover([Path("foi")])

    assert len(found.files) == 7
    assert Skipped(path="foi/dangling.txt", reason="broken link (no such file or folder)") in found.skipped
    assert Skipped(
        path="foi/2023/up", reason="folder already scanned (symlink loop or duplicate)"
    ) in found.skipped


def test_empty_input():
    assert discover([]) == Discovery(files=[], skipped=[])


def test_a_walk_does_not_enter_the_index_directory_unless_it_is_named(tmp_path):
    (tmp_path / "letter.txt").write_text("A response letter.", encoding="utf-8")
    (tmp_path / "foi-index" / "uploads").mkdir(parents=True)
    (tmp_path / "foi-index" / "write.lock").write_text("", encoding="utf-8")
    (tmp_path / "foi-index" / "uploads" / "upload.txt").write_text("An upload.", encoding="utf-8")

    walked = discover([tmp_path], skip_folders=[tmp_path / "foi-index"])
    assert [p.name for p in walked.files] == ["letter.txt"] and walked.skipped == []
    named = discover([tmp_path / "foi-index" / "uploads"], skip_folders=[tmp_path / "foi-index"])
    assert [p.name for p in named.files] == ["upload.txt"]
