"""A distributed ingest on a local Ray cluster gives the same index as a local ingest.

Runs the real model on a cluster the test starts (`ray.init(num_cpus=2)`), over the
shared corpus's wmp/ folder and 40 WhatDoTheyKnow threads.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index.distributed import RayOptions, distributed_update, prepare_environment
from ingest.context import SCHEME
from tests.conftest import CORPUS, NO_CORPUS

prepare_environment(local=True)  # before Ray is imported: no telemetry, loopback only
ray = pytest.importorskip("ray", reason="needs the ray extra (pip install -e '.[ray]')")

from index.directory import IndexDirectory  # noqa: E402
from index.distributed_worker import EmbedWorker  # noqa: E402
from index.update import UpdateOptions, update_index  # noqa: E402
from index.vectors import VectorIndex  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.corpus]

THREADS = 40


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus_paths() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(NO_CORPUS)
    threads = sorted((CORPUS / "sheffield-wdtk").glob("*.mbox"))[:THREADS]
    return [CORPUS / "wmp", *threads]


def _options(**overrides) -> UpdateOptions:
    return UpdateOptions(**{
        "chunk_tokens": 200, "chunk_overlap": 40, "max_file_bytes": 25_000_000, "batch_size": 32,
        "lock_timeout": 10, "chunk_context": SCHEME, **overrides,
    })


@pytest.fixture(scope="module")
def local_index(tmp_path_factory, corpus_paths, real_embedder) -> IndexDirectory:
    directory = IndexDirectory(tmp_path_factory.mktemp("local") / "index")
    update_index(directory, corpus_paths, real_embedder, _options())
    return directory


def _contents(directory: IndexDirectory) -> dict:
    """Everything a user sees of an index, keyed by content rather than by vector id."""
    db = sqlite3.connect(directory.store_path)
    hashes = dict(db.execute("SELECT vector_id, text_hash FROM vectors"))
    snapshot = directory.open()
    index = snapshot.vectors
    snapshot.close()
    ids, vectors = index.vectors()
    contents = {
        "documents": sorted(db.execute("SELECT doc_id, kind, title, text, pages, metadata FROM documents")),
        "locations": sorted(db.execute("SELECT path, part, doc_id FROM locations")),
        "chunks": sorted(
            (doc_id, seq, start, end, page_start, page_end, hashes[vector_id])
            for doc_id, seq, start, end, page_start, page_end, vector_id in db.execute(
                "SELECT doc_id, seq, start, end, page_start, page_end, vector_id FROM chunks"
            )
        ),
        "vectors": {hashes[int(i)]: v for i, v in zip(ids, vectors)},
        # What each vector was embedded from besides its text (ingest/context.py), by content.
        "contexts": dict(db.execute(
            "SELECT v.text_hash, p.context FROM vectors v JOIN passages p ON p.rowid = v.vector_id"
        )),
    }
    db.close()
    return contents


def _assert_same_index(local: IndexDirectory, distributed: IndexDirectory) -> None:
    mine, theirs = _contents(local), _contents(distributed)
    assert theirs["documents"] == mine["documents"]
    assert theirs["locations"] == mine["locations"]
    assert theirs["chunks"] == mine["chunks"]
    assert theirs["vectors"].keys() == mine["vectors"].keys()
    assert theirs["contexts"] == mine["contexts"] and any(mine["contexts"].values())
    keys = sorted(mine["vectors"])
    a = np.vstack([mine["vectors"][k] for k in keys])
    b = np.vstack([theirs["vectors"][k] for k in keys])
    cosine = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert np.all(1 - cosine <= 1e-5), f"worst cosine {cosine.min()}"


def _search(directory: IndexDirectory, embedder, query: str) -> list[tuple[str, int]]:
    from assistant.api import Assistant

    assistant = Assistant.open(directory.root, embedder=embedder)
    return [(hit.doc_id, hit.start) for hit in assistant.search(query, k=10).hits]


def test_ray_ingest_matches_local_ingest(cluster, corpus_paths, local_index, real_embedder, tmp_path):
    directory = IndexDirectory(tmp_path / "ray-index")
    report = distributed_update(directory, corpus_paths, real_embedder, _options(), RayOptions(workers=2))

    local = _contents(local_index)
    assert report.workers == 2
    assert report.documents == len(local["documents"]) and report.chunks == len(local["chunks"])
    assert report.to_dict()["workers"] == 2
    _assert_same_index(local_index, directory)
    for query in ("facial recognition trials", "HMO licence register", "speeding in 20mph zones"):
        assert _search(directory, real_embedder, query) == _search(local_index, real_embedder, query)

    # Nothing changed: nothing is shipped to the cluster and nothing is written.
    generation = directory.read_manifest().generation
    again = distributed_update(directory, corpus_paths, real_embedder, _options(), RayOptions(workers=2))
    assert (again.added, again.embedded) == (0, 0)
    assert directory.read_manifest().generation == generation


class CrashOnceWorker(EmbedWorker):
    """Kills its own process on a batch while the marker file exists (and removes it first)."""

    marker = ""

    def __call__(self, batch):
        if os.path.exists(self.marker):
            os.remove(self.marker)
            os._exit(1)
        return super().__call__(batch)


def test_killed_worker_is_retried_without_losing_or_duplicating_documents(
    cluster, corpus_paths, local_index, real_embedder, tmp_path
):
    import tests.test_distributed as this_module

    # Pickle the test's worker class by value: the cluster's workers cannot import tests/.
    ray.cloudpickle.register_pickle_by_value(this_module)
    marker = tmp_path / "crash-once"
    marker.write_text("the first embedding worker that sees this file kills itself")
    CrashOnceWorker.marker = str(marker)
    directory = IndexDirectory(tmp_path / "ray-index")
    report = distributed_update(
        directory, corpus_paths, real_embedder, _options(), RayOptions(workers=2), embed_worker=CrashOnceWorker
    )

    assert not marker.exists(), "no worker crashed"
    assert report.added == len(_contents(local_index)["locations"])
    _assert_same_index(local_index, directory)


def test_commit_every_commits_bounded_steps_from_the_cli(cluster, corpus_paths, tmp_path):
    from click.testing import CliRunner

    from assistant.cli import main

    index = tmp_path / "steps"
    result = CliRunner().invoke(
        main, ["ingest", str(corpus_paths[0]), "--ray", "auto", "--commit-every", "2", "--index", str(index),
               "--json", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    files = sorted(corpus_paths[0].glob("*.txt"))
    assert data["workers"] >= 1 and data["added"] == data["documents"] == len(files)
    # A step every 2 documents, and the rest at the end.
    assert IndexDirectory(index).read_manifest().generation == (len(files) + 1) // 2
    assert {row[0] for row in _contents(IndexDirectory(index))["locations"]} == {str(f) for f in files}


def test_ray_ingest_loads_a_model_kept_inside_the_index(cluster, corpus_paths, tmp_path):
    """A `foi tune` model is recorded as `models/...`; the workers must load it from the index."""
    import shutil

    from click.testing import CliRunner

    from assistant.cli import main
    from index.embedder import resolve_model_path

    files = sorted(corpus_paths[0].glob("*.txt"))
    first, rest = tmp_path / "first", tmp_path / "rest"
    first.mkdir()
    rest.mkdir()
    shutil.copy(files[0], first)
    for path in files[1:3]:
        shutil.copy(path, rest)
    index = tmp_path / "idx"
    kept = index / "models" / "copy"
    shutil.copytree(resolve_model_path("sentence-transformers/all-MiniLM-L6-v2"), kept)
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(first), "--model", str(kept), "--backend", "torch",
                                  "--index", str(index), "-q"])
    assert result.exit_code == 0, result.output
    assert IndexDirectory(index).read_manifest().model == "models/copy"

    result = runner.invoke(main, ["ingest", str(rest), "--ray", "auto", "--index", str(index), "--json", "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 2
    assert {row[0] for row in _contents(IndexDirectory(index))["locations"]} == {
        str(first / files[0].name), *(str(rest / f.name) for f in files[1:3])}
