"""Keeping the index current and safe: remove, rebuild, check/repair, locks, kill -9, readers."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from assistant import Assistant
from index.directory import IndexDirectory
from tests.layout import current_vectors, replace_vectors
from index.errors import IndexLocked
from tests.test_index import write_docs

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([write_docs(tmp_path / "docs")])
    return assistant


@pytest.mark.parametrize("how", ["path", "doc_id", "folder"])
def test_remove_deletes_documents_and_their_vectors(tmp_path, assistant, how):
    parking = next(d for d in assistant.documents() if d.location.path.endswith("parking.txt"))
    target = {"path": parking.location.path, "doc_id": parking.doc_id, "folder": str(tmp_path / "docs")}[how]
    vectors_before = assistant.stats().vectors
    report = assistant.remove([target])
    assert report.removed == (3 if how == "folder" else 1)
    assert assistant.stats().vectors < vectors_before
    assert len(current_vectors(tmp_path / "idx")) == assistant.stats().vectors
    assert all(not h.path.endswith("parking.txt") for h in assistant.search("parking fines", k=5).hits)
    assert assistant.check().ok


def test_remove_unknown_target_is_reported(assistant):
    report = assistant.remove(["no/such/file.txt"])
    assert report.removed == 0 and report.not_found == ["no/such/file.txt"]


def test_rebuild_with_new_chunking_needs_no_original_files(tmp_path, assistant, fake_embedder):
    for path in (tmp_path / "docs").iterdir():
        path.unlink()
    rebuilt = Assistant.open(tmp_path / "idx", embedder=fake_embedder, chunk_tokens=20, chunk_overlap=4,
                             allow_rebuild=True)
    counts = rebuilt.rebuild()
    assert counts["documents"] == 3
    stats = Assistant.open(tmp_path / "idx", embedder=fake_embedder).stats()
    assert (stats.chunk_tokens, stats.chunk_overlap) == (20, 4)
    assert stats.chunks > 3
    reopened = Assistant.open(tmp_path / "idx", embedder=fake_embedder, chunk_tokens=20, chunk_overlap=4)
    assert reopened.search("agency social workers", k=1).hits[0].path.endswith("agency.txt")
    assert reopened.check().ok


def test_check_finds_and_repairs_a_lost_manifest(tmp_path, assistant, fake_embedder):
    (tmp_path / "idx" / "manifest.json").unlink()
    broken = Assistant.open(tmp_path / "idx", embedder=fake_embedder).check()
    assert not broken.ok and "manifest" in broken.problems[0]
    repaired = Assistant.open(tmp_path / "idx", embedder=fake_embedder).check(repair=True)
    assert any("restored manifest.json" in r for r in repaired.repaired)
    assert Assistant.open(tmp_path / "idx", embedder=fake_embedder).search("CCTV", k=1).hits


def test_check_repairs_missing_and_orphaned_vectors(tmp_path, assistant, fake_embedder):
    vectors = current_vectors(tmp_path / "idx")
    first = int(vectors.ids()[0])
    vectors.remove([first])
    import numpy as np

    vectors.add(np.ones((1, 64), dtype=np.float32) / 8.0, np.asarray([999], dtype=np.int64))
    replace_vectors(tmp_path / "idx", vectors)
    report = assistant.check()
    assert not report.ok
    assert any("orphaned vectors in FAISS" in p for p in report.problems)
    assert any("missing from FAISS" in p for p in report.problems)
    fixed = assistant.check(repair=True)
    assert fixed.ok, fixed.problems
    assert assistant.check().ok


def test_second_writer_fails_with_a_message_naming_the_lock(tmp_path, fake_embedder):
    write_docs(tmp_path / "docs")
    directory = IndexDirectory(tmp_path / "idx")
    with directory.lock(timeout=1):
        other = Assistant.open(tmp_path / "idx", embedder=fake_embedder, lock_timeout=0.2)
        with pytest.raises(IndexLocked, match=r"write\.lock"):
            other.ingest([tmp_path / "docs"])


def test_searches_during_ingest_see_old_or_new_index_never_fail(tmp_path, fake_embedder):
    docs = write_docs(tmp_path / "docs")
    writer = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    writer.ingest([docs])
    reader = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    errors, counts = [], set()
    stop = threading.Event()

    def read_loop():
        while not stop.is_set():
            try:
                hits = reader.search("council", k=50).hits
                counts.add(len({h.doc_id for h in hits}))
                for hit in hits:  # each hit is whole: taken from one generation
                    assert hit.text and hit.end - hit.start == len(hit.text)
            except Exception as exc:  # any failure is the bug under test
                errors.append(exc)

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        for round_ in range(15):
            (docs / f"new-{round_}.txt").write_text(f"Council update {round_}: new figures on parking and CCTV.")
            writer.ingest([docs])
            if round_ % 3 == 2:
                (docs / f"new-{round_ - 1}.txt").unlink()
                writer.ingest([docs], sync=True)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert len(counts) > 1  # the reader really saw the index change


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from tests.conftest import SlowEmbedder as Slow
    from assistant import Assistant

    print("started", flush=True)
    Assistant.open({index!r}, embedder=Slow(), chunk_tokens=20, chunk_overlap=0).ingest([{docs!r}])
    print("finished", flush=True)
    """
)


def test_kill_9_at_any_moment_leaves_a_working_index(tmp_path, fake_embedder):
    docs = write_docs(tmp_path / "docs")
    index = tmp_path / "idx"
    Assistant.open(index, embedder=fake_embedder, chunk_tokens=20, chunk_overlap=0).ingest([docs])
    for i in range(40):
        (docs / f"bulk-{i}.txt").write_text(" ".join(f"Paragraph {i}.{j} on road maintenance budgets." for j in range(30)))
    script = KILL_SCRIPT.format(repo=str(REPO), index=str(index), docs=str(docs))
    finished = False
    for delay in (0.3, 0.8, 1.5, 2.5, 4.0, 6.0):
        process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
        assert process.stdout.readline().strip() == "started"
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        finished = finished or process.returncode == 0
        check = Assistant.open(index, embedder=fake_embedder, chunk_tokens=20, chunk_overlap=0).check()
        assert check.ok, (delay, check.problems)
        assert Assistant.open(index, embedder=fake_embedder).search("parking fines", k=1).hits
    report = Assistant.open(index, embedder=fake_embedder).ingest([docs])
    assert report.documents == 43
    assert Assistant.open(index, embedder=fake_embedder).check().ok


def test_watch_follows_files_appearing_changing_and_disappearing(tmp_path, fake_embedder):
    from assistant.watch import watch

    docs = write_docs(tmp_path / "docs")
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    stop = threading.Event()
    reports = []
    thread = threading.Thread(
        target=watch,
        args=(lambda: assistant.ingest([docs], sync=True), [docs]),
        kwargs={"debounce": 0.3, "stop": stop, "on_report": reports.append},
    )
    thread.start()

    def wait_for(condition, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return False

    try:
        assert wait_for(lambda: reports and reports[0].added == 3)
        (docs / "bins.txt").write_text("Bin collections: the council collected 210,000 tonnes of household waste.")
        assert wait_for(lambda: any(r.added == 1 for r in reports[1:]))
        assert assistant.search("household waste tonnes bin collections", k=1).hits[0].path.endswith("bins.txt")
        (docs / "parking.txt").unlink()
        assert wait_for(lambda: any(r.removed == 1 for r in reports))
        assert all(not h.path.endswith("parking.txt") for h in assistant.search("parking fines", k=5).hits)
        # A burst of changes is debounced into few updates, not one per file.
        before = len(reports)
        for i in range(10):
            (docs / f"burst-{i}.txt").write_text(f"Burst document {i} about street lighting.")
        assert wait_for(lambda: assistant.stats().documents == 13)
        assert len(reports) - before <= 3
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_check_repairs_a_vector_row_no_chunk_uses(tmp_path, assistant):
    import sqlite3

    root = tmp_path / "idx"
    with sqlite3.connect(root / "store.sqlite") as db:
        db.execute("INSERT INTO vectors VALUES (777, 'deadbeef')")
        db.execute("INSERT INTO passages(rowid, text) VALUES (777, 'orphan text')")
        db.execute("UPDATE generation SET manifest = json_set(manifest, '$.vectors', json_extract(manifest, '$.vectors') + 1)")
    assert any("no chunk uses" in p for p in assistant.check().problems)
    fixed = assistant.check(repair=True)
    assert fixed.ok, fixed.problems
    assert any("1 unused vectors" in r for r in fixed.repaired)
    assert assistant.check().ok


def _mbox(*messages: tuple[str, str]) -> str:
    """An mbox of (sender, body) messages, a day apart."""
    out = []
    for day, (sender, body) in enumerate(messages, 1):
        out.append(
            f"From sender@example.invalid Mon Jan {day:2d} 10:00:00 2024\nFrom: {sender}\n"
            f"To: foi@council.example.invalid\nSubject: Potholes\nDate: Mon, {day} Jan 2024 10:00:00 +0000\n\n{body}\n"
        )
    return "\n".join(out)


REQUESTER = "FOI requester <request-1189668@requests.example.invalid>"
COUNCIL = "Sheffield City Council <foi@council.example.invalid>"
REQUEST = (REQUESTER, "Dear Sheffield City Council, please tell me how many potholes were repaired in 2023.")
ACK = (COUNCIL, "Thank you for your request for information, which we received on 1 January 2024. "
                "We will respond within 20 working days.")
REPLY = (COUNCIL, "Dear Jo,\nPlease find our response below.\nWe do not hold this information.")


def _thread_outcomes(assistant) -> dict[str, str]:
    return {d.location.part: d.metadata["foi"].get("thread_outcome") for d in assistant.documents()}


def test_a_reply_added_to_a_thread_updates_the_outcome_of_its_earlier_messages(tmp_path, fake_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    thread = folder / "potholes.mbox"
    thread.write_text(_mbox(REQUEST, ACK))
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([folder])
    assert set(_thread_outcomes(assistant).values()) == {"awaiting response"}

    thread.write_text(_mbox(REQUEST, ACK, REPLY))
    report = assistant.ingest([folder])
    assert report.added == 1 and report.unchanged == 2
    assert set(_thread_outcomes(assistant).values()) == {"not held"}
    hits = assistant.search("potholes repaired", k=5, outcome="not held").hits
    assert "message 1" in {h.part for h in hits}  # the request itself is found under the thread's outcome


def test_rebuild_reads_the_foi_fields_again_from_stored_text(tmp_path, fake_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "potholes.mbox").write_text(_mbox(REQUEST, ACK, REPLY))
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([folder])
    expected = {d.doc_id: d.metadata for d in assistant.documents()}
    # An index written by an older extractor: fields missing or wrong.
    snapshot = IndexDirectory(tmp_path / "idx").open()
    snapshot.close()
    with sqlite3.connect(snapshot.path / "store.sqlite") as db:
        for doc_id, metadata in expected.items():
            stale = {k: v for k, v in metadata.items() if k not in ("foi", "authority")}
            db.execute("UPDATE documents SET metadata = ? WHERE doc_id = ?", (json.dumps(stale), doc_id))
    (folder / "potholes.mbox").unlink()

    counts = Assistant.open(tmp_path / "idx", embedder=fake_embedder, allow_rebuild=True).rebuild()
    assert counts["foi_updated"] == 3
    rebuilt = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assert {d.doc_id: d.metadata for d in rebuilt.documents()} == expected


def test_a_reader_sees_each_commit_of_another_writer_at_its_next_search(tmp_path, fake_embedder):
    docs = write_docs(tmp_path / "docs")
    writer = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    writer.ingest([docs])
    reader = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    for round_ in range(6):  # commits in quick succession: the reader must not miss one
        before = {hit.path for hit in reader.search("zebra crossing permits", k=50).hits}
        # A distinct street per round: passages that differ only in a number would be one passage.
        street = ("Abbey", "Brook", "Castle", "Dale", "Elm", "Fir")[round_]
        (docs / f"zebra-{round_}.txt").write_text(f"Zebra crossing permits on {street} Road, round {round_}.")
        writer.ingest([docs])
        after = {hit.path for hit in reader.search("zebra crossing permits", k=50).hits}
        assert {Path(p).name for p in after - before} == {f"zebra-{round_}.txt"}
