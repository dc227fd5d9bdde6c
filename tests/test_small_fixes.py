"""Small verified bugs of issue 15, each pinned by a test that failed before its fix."""

from __future__ import annotations

import csv
import io
import threading

import faiss
import numpy as np
import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.cli import main
from index.directory import IndexDirectory
from index.errors import IndexLocked
from index.vectors import VectorIndex
from tests.test_index import write_docs
from ui.uploads import save_uploads


def _upload(tmp_path, name: str, text: str):
    incoming = tmp_path / "incoming" / str(len(list((tmp_path).glob("incoming/*"))))
    incoming.mkdir(parents=True)
    (incoming / name).write_text(text, encoding="utf-8")
    return incoming / name


def test_an_upload_with_an_earlier_uploads_name_does_not_replace_it(tmp_path):
    dest = tmp_path / "uploads"
    first = save_uploads([_upload(tmp_path, "note.txt", "first letter")], dest).saved
    second = save_uploads([_upload(tmp_path, "note.txt", "second letter")], dest).saved
    assert first[0] != second[0]
    assert first[0].read_text(encoding="utf-8") == "first letter"
    assert second[0].read_text(encoding="utf-8") == "second letter"
    assert second[0].parent == dest.resolve() and second[0].suffix == ".txt"


def test_uploading_the_same_file_twice_keeps_one_copy(tmp_path):
    dest = tmp_path / "uploads"
    first = save_uploads([_upload(tmp_path, "note.txt", "same letter")], dest).saved
    again = save_uploads([_upload(tmp_path, "note.txt", "same letter")], dest).saved
    assert again == first
    assert [p.name for p in dest.iterdir()] == ["note.txt"]


def test_two_uploads_with_one_name_in_one_batch_are_both_kept(tmp_path):
    dest = tmp_path / "uploads"
    saved = save_uploads([_upload(tmp_path, "a.txt", "one"), _upload(tmp_path, "a.txt", "two")], dest).saved
    assert sorted(p.read_text(encoding="utf-8") for p in saved) == ["one", "two"]


def test_repair_restores_the_manifest_only_under_the_writer_lock(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, lock_timeout=0.2)
    assistant.ingest([write_docs(tmp_path / "docs")])
    (tmp_path / "idx" / "manifest.json").unlink()
    with IndexDirectory(tmp_path / "idx").lock(timeout=1):
        with pytest.raises(IndexLocked, match=r"write\.lock"):
            Assistant.open(tmp_path / "idx", embedder=fake_embedder, lock_timeout=0.2).check(repair=True)
        assert not (tmp_path / "idx" / "manifest.json").exists()
    repaired = Assistant.open(tmp_path / "idx", embedder=fake_embedder).check(repair=True)
    assert any("restored manifest.json" in line for line in repaired.repaired)


class _BlockingIndex:
    """Wraps a FAISS index so that a search waits until the test lets it go on."""

    def __init__(self, index):
        self._index = index
        self.inside = threading.Event()
        self.release = threading.Event()

    def search(self, *args):
        self.inside.set()
        self.release.wait(10)
        return self._index.search(*args)

    def __getattr__(self, name):
        return getattr(self._index, name)


def test_a_query_leaves_other_threads_openmp_thread_count_alone():
    vectors = VectorIndex.create(4)
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 4)).astype(np.float32)
    vectors.add(data / np.linalg.norm(data, axis=1, keepdims=True), np.arange(50, dtype=np.int64))
    blocking = _BlockingIndex(vectors._shards[0].index)
    vectors._shards[0].index = blocking
    before = faiss.omp_get_max_threads()
    seen = []
    worker = threading.Thread(target=lambda: vectors.search(data[0], 3))
    worker.start()
    try:
        assert blocking.inside.wait(10)
        seen.append(faiss.omp_get_max_threads())  # what an ingest on this thread would run with
    finally:
        blocking.release.set()
        worker.join(10)
    assert seen == [before]
    assert faiss.omp_get_max_threads() == before


def test_batch_search_csv_neutralises_formulas(tmp_path):
    runner = CliRunner()
    docs = write_docs(tmp_path / "docs", {"sheet.txt": "=HYPERLINK(\"http://evil.example\",\"x\") parking fines income"})
    assert runner.invoke(main, ["ingest", str(docs), "-q"]).exit_code == 0
    queries = tmp_path / "queries.txt"
    queries.write_text("-parking fines\n@income\n", encoding="utf-8")
    result = runner.invoke(main, ["search", "--batch", str(queries), "-q", "--k", "1"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["query"] for row in rows] == ["'-parking fines", "'@income"]
    assert rows[0]["text"].startswith("'=HYPERLINK(")
    for row in rows:
        assert all(not row[c].startswith(("=", "+", "-", "@")) for c in ("query", "text", "citation", "path"))
