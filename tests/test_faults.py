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
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.cli import main
from index import directory as directory_module
from index import store_connections
from index import vectors as vectors_module
from index.manifest import Manifest
from tests.layout import current_vectors, replace_vectors
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
        # Equal scores may come back in either order (one segment or several): order ties by id.
        # Hits of equal score may come back in either order (one segment or several): ties at the
        # cut are dropped, the rest ordered by id.
        ranked = []
        for query in QUERIES:
            hits = assistant.search(query, k=4).hits
            cut = round(hits[3].score, 5) if len(hits) > 3 else None
            kept = [h for h in hits[:3] if round(h.score, 5) != cut]
            ranked.append(sorted(kept, key=lambda h: (-round(h.score, 5), h.doc_id)))
        return [[(h.doc_id, h.start, h.end) for h in hits] for hits in ranked]
    finally:
        assistant.close()


def generation_of(index: Path) -> str:
    """The committed generation's name, from the store (the truth), not from manifest.json."""
    with sqlite3.connect(f"file:{index / 'store.sqlite'}?mode=ro", uri=True) as db:
        return f"g{db.execute('SELECT number FROM generation').fetchone()[0]:06d}"


def vector_folder_is_clean(index: Path) -> bool:
    """vectors/ holds only the files the current and the previous generation name."""
    with sqlite3.connect(f"file:{index / 'store.sqlite'}?mode=ro", uri=True) as db:
        current, previous = db.execute("SELECT vector_files, previous_vector_files FROM generation").fetchone()
    return {p.name for p in (index / "vectors").iterdir()} <= set(json.loads(current)) | set(json.loads(previous))


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


def _full_during_faiss_save(monkeypatch, index):
    def write_index(index, path):
        Path(path).write_bytes(b"half a FAISS file")
        raise NO_SPACE

    monkeypatch.setattr(vectors_module.faiss, "write_index", write_index)


def _full_while_writing_sqlite(monkeypatch, index):
    """A real SQLITE_FULL from SQLite itself: the writer's database may not grow by one page (and
    the new file is long enough to need more pages than the store has free)."""
    late = index.parent / "docs" / "late.txt"
    late.write_text(" ".join(f"Late reply {i} about library opening hours and staffing." for i in range(400)))
    real_init = store_connections.WriteConnection.__init__

    def init(self, path):
        real_init(self, path)
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        self._db.execute(f"PRAGMA max_page_count = {max(pages, 1)}")

    monkeypatch.setattr(store_connections.WriteConnection, "__init__", init)


def _full_at_the_commit(monkeypatch, index):
    def commit(store):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(directory_module, "commit", commit)


@pytest.mark.parametrize(
    "fault, step",
    [
        pytest.param(_full_during_faiss_save, "saving the FAISS index", id="faiss-save"),
        pytest.param(_full_while_writing_sqlite, "writing the changes", id="sqlite-write"),
        pytest.param(_full_at_the_commit, "committing the SQLite store", id="sqlite-commit"),
    ],
)
def test_disk_full_during_a_write_leaves_the_previous_generation(index, runner, fake_embedder, monkeypatch, fault, step):
    before, generation = hits_of(index, fake_embedder), generation_of(index)
    with monkeypatch.context() as patched:
        fault(patched, index)
        line = _one_error_line(runner.invoke(main, ["ingest", str(index.parent / "docs"), "-q"]))
    assert line.startswith(f"error: could not write the index ({step}: ")
    assert ("No space left on device" in line) or ("disk is full" in line)
    assert line.endswith(f"nothing was changed, the index is still generation {generation}")
    assert generation_of(index) == generation and vector_folder_is_clean(index)
    assert hits_of(index, fake_embedder) == before
    assert Assistant.open(index, embedder=fake_embedder).check().ok
    again = runner.invoke(main, ["ingest", str(index.parent / "docs"), "--json", "-q"])
    assert again.exit_code == 0 and json.loads(again.stdout)["added"] == 1


def test_a_manifest_that_cannot_be_rewritten_after_the_commit_does_not_undo_it(index, runner, fake_embedder, monkeypatch):
    generation = generation_of(index)
    with monkeypatch.context() as patched:
        def write(self, root):
            (Path(root) / "manifest.json.tmp").write_text(self.to_json()[:10])
            raise NO_SPACE

        patched.setattr(Manifest, "write", write)
        result = runner.invoke(main, ["ingest", str(index.parent / "docs"), "--json", "-q"])
    assert result.exit_code == 0 and json.loads(result.stdout)["added"] == 1  # committed: the store says so
    assert generation_of(index) != generation
    assert json.loads((index / "manifest.json").read_text())["generation"] == int(generation[1:])  # stale copy
    assert any(h.path.endswith("late.txt") for h in Assistant.open(index, embedder=fake_embedder).search("library opening hours", k=3).hits)
    check = runner.invoke(main, ["check"])  # not damage: a note, until --repair or the next write rewrites it
    assert check.exit_code == 0 and f"note: manifest.json names generation {generation}, the store holds {generation_of(index)}" in check.stdout
    repaired = runner.invoke(main, ["check", "--repair"])
    assert repaired.exit_code == 0 and "restored manifest.json from store.sqlite" in repaired.stdout, repaired.output
    assert json.loads((index / "manifest.json").read_text())["generation"] == int(generation_of(index)[1:])


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
    assert runner.invoke(main, ["search", "parking", "-q"]).exit_code == 0  # the store holds the truth
    check = runner.invoke(main, ["check"])
    assert check.exit_code == 1 and "problem: manifest:" in check.stdout
    repaired = runner.invoke(main, ["check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "restored manifest.json from store.sqlite (generation g000001)" in repaired.stdout
    assert json.loads((index / "manifest.json").read_text())["generation"] == 1
    assert hits_of(index, fake_embedder) == before


def test_lost_vector_files_are_named_and_re_embedded_from_the_stored_text(index, runner, fake_embedder):
    _second_generation(index, runner)
    before = hits_of(index, fake_embedder)
    lost = sorted((index / "vectors").iterdir())
    assert lost, "the second generation wrote no vector files"
    for path in lost:
        path.unlink()
    check = runner.invoke(main, ["check"])
    names = ", ".join(path.name for path in lost)
    expected = f"problem: the vector files of generation {generation_of(index)} ({names}) are missing or damaged"
    assert check.exit_code == 1 and expected in check.stdout, check.output
    assert "foi check --repair" in _one_error_line(runner.invoke(main, ["search", "parking", "-q"]))
    repaired = runner.invoke(main, ["check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "whose vector files were lost" in repaired.stdout
    assert hits_of(index, fake_embedder) == before
    assert runner.invoke(main, ["check"]).exit_code == 0


def test_a_damaged_store_is_named_and_not_made_worse(index, runner, fake_embedder):
    _flip_a_page(index / "store.sqlite")
    check = runner.invoke(main, ["check"])
    assert check.exit_code == 1 and "problem: store.sqlite is damaged" in check.stdout, check.output
    repaired = runner.invoke(main, ["check", "--repair"])
    assert repaired.exit_code == 1 and "cannot be repaired in place; re-ingest" in repaired.stdout, repaired.output
    assert "Traceback" not in repaired.output


# Processes: kill -9, two writers, a reader during writes -------------------------------------

PROCESS_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from tests.conftest import SlowEmbedder as Slow
    from assistant import Assistant

    def open_index(**kwargs):
        return Assistant.open({index!r}, embedder=Slow(), chunk_tokens=20, chunk_overlap=0, **kwargs)

    print("started", flush=True)
    {body}
    print("finished", flush=True)
    """
)

BODIES = {
    "rebuild": "open_index(allow_rebuild=True).rebuild()",
    "remove": "a = open_index()\nfor d in list(a.documents())[:10]:\n    a.remove([d.doc_id])",
    "check-repair": "open_index(allow_rebuild=True).check(repair=True)",
    "watch": (
        "import threading, pathlib\n"
        "from assistant.watch import watch\n"
        "a = open_index()\n"
        "docs = pathlib.Path({docs!r})\n"
        "def feed():\n"
        "    for i in range(200):\n"
        "        (docs / f'watched-{{i}}.txt').write_text(' '.join(f'Watched note {{i}}.{{j}} on bins.' for j in range(20)))\n"
        "        time.sleep(0.02)\n"
        "threading.Thread(target=feed, daemon=True).start()\n"
        "watch(lambda: a.ingest([docs], sync=True), [docs], debounce=0.1)"
    ),
}


def _bulk_index(tmp_path: Path, fake_embedder) -> tuple[Path, Path]:
    docs = write_docs(tmp_path / "docs")
    for i in range(40):
        (docs / f"bulk-{i}.txt").write_text(" ".join(f"Paragraph {i}.{j} on road maintenance budgets." for j in range(30)))
    index = tmp_path / "idx"
    Assistant.open(index, embedder=fake_embedder, chunk_tokens=20, chunk_overlap=0).ingest([docs])
    return index, docs


def _break_vectors(index: Path) -> None:
    """Drop some vectors from the current FAISS file, so that `check --repair` has embedding to do."""
    vectors = current_vectors(index)
    vectors.remove([int(v) for v in vectors.ids()[:120]])
    replace_vectors(index, vectors)


@pytest.mark.parametrize("operation", sorted(BODIES))
def test_kill_9_during_an_operation_leaves_a_working_index(tmp_path, fake_embedder, operation):
    index, docs = _bulk_index(tmp_path, fake_embedder)
    before = hits_of(index, fake_embedder)
    body = BODIES[operation].format(docs=str(docs))
    script = PROCESS_SCRIPT.format(repo=str(REPO), index=str(index), body=body)
    for delay in (0.4, 1.2, 2.5):
        if operation == "check-repair":
            _break_vectors(index)
        process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
        assert process.stdout.readline().strip() == "started"
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        if operation == "check-repair":
            Assistant.open(index, embedder=fake_embedder, allow_rebuild=True).check(repair=True)
        reopened = Assistant.open(index, embedder=fake_embedder, allow_rebuild=True)
        check = reopened.check()
        assert check.ok, (operation, delay, check.problems)
        assert reopened.search("parking fines", k=1).hits
        if operation in ("rebuild", "check-repair"):  # these change no document: same hits, killed or not
            assert hits_of(index, fake_embedder) == before


LOCK_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from tests.conftest import FakeEmbedder
    from assistant import Assistant
    from index.errors import IndexLocked

    class Slow(FakeEmbedder):
        def embed(self, texts, **kwargs):
            time.sleep({pause})
            return super().embed(texts, **kwargs)

    try:
        report = Assistant.open({index!r}, embedder=Slow(), lock_timeout={timeout}).ingest([{docs!r}])
        print("ingested", report.added, flush=True)
    except IndexLocked as exc:
        print("locked", exc, flush=True)
    """
)


@pytest.mark.parametrize("timeout, expect", [(60, "waits"), (0.3, "fails naming the lock")])
def test_two_ingest_processes_on_one_index(tmp_path, fake_embedder, timeout, expect):
    index = tmp_path / "idx"
    first_docs, second_docs = write_docs(tmp_path / "one"), tmp_path / "two"
    second_docs.mkdir()
    (second_docs / "other.txt").write_text("Another council reply about street lighting repairs.", encoding="utf-8")
    Assistant.open(index, embedder=fake_embedder).ingest([first_docs])
    for i in range(8):
        (first_docs / f"extra-{i}.txt").write_text(f"Extra note {i} about road gritting in winter.", encoding="utf-8")
    slow = LOCK_SCRIPT.format(repo=str(REPO), index=str(index), docs=str(first_docs), pause=6, timeout=60)
    fast = LOCK_SCRIPT.format(repo=str(REPO), index=str(index), docs=str(second_docs), pause=0, timeout=timeout)
    writer = subprocess.Popen([sys.executable, "-c", slow], stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while _lock_is_free(index) and time.time() < deadline:  # until the first holds the lock
        time.sleep(0.05)
    other = subprocess.run([sys.executable, "-c", fast], capture_output=True, text=True, timeout=120)
    assert writer.wait(timeout=120) == 0 and writer.stdout.read().strip() == "ingested 8"
    if expect == "waits":
        assert other.stdout.strip() == "ingested 1", other.stderr
        assert Assistant.open(index, embedder=fake_embedder).stats().documents == 3 + 8 + 1
    else:
        assert other.stdout.startswith("locked another process is writing to the index (lock "), (other.stdout, other.stderr)
        assert "write.lock" in other.stdout
        assert Assistant.open(index, embedder=fake_embedder).stats().documents == 3 + 8
    assert Assistant.open(index, embedder=fake_embedder).check().ok


def _lock_is_free(index: Path) -> bool:
    from filelock import FileLock, Timeout

    lock = FileLock(str(index / "write.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    lock.release()
    return True


READER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from tests.conftest import FakeEmbedder
    from assistant import Assistant

    reader = Assistant.open({index!r}, embedder=FakeEmbedder())
    searches, errors, empty, seen = 0, [], 0, set()
    print("started", flush=True)
    while True:
        try:
            hits = reader.search("parking fines income", k=3).hits
            empty += not hits
            for hit in hits:
                assert reader.document(hit.doc_id) is None or hit.end - hit.start == len(hit.text)
            seen.add(reader.stats().generation)
        except Exception as exc:
            errors.append(repr(exc))
        searches += 1
        if open({stop!r}).read().strip() == "stop":
            break
    print(searches, empty, len(seen), "|".join(errors[:3]), flush=True)
    """
)


def test_a_reader_process_during_50_consecutive_writes(tmp_path, fake_embedder):
    docs = write_docs(tmp_path / "docs")
    index = tmp_path / "idx"
    writer = Assistant.open(index, embedder=fake_embedder)
    writer.ingest([docs])
    stop = tmp_path / "stop"
    stop.write_text("go")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER_SCRIPT.format(repo=str(REPO), index=str(index), stop=str(stop))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert reader.stdout.readline().strip() == "started"
    for i in range(50):
        (docs / f"note-{i}.txt").write_text(f"Note {i}: the council's road gritting budget for winter {2000 + i}.")
        writer.ingest([docs], sync=True)
        if i % 5 == 4:
            (docs / f"note-{i - 2}.txt").unlink()
    stop.write_text("stop")
    out, err = reader.communicate(timeout=120)
    searches, empty, generations, *errors = out.strip("\n").split(" ", 3)
    assert reader.returncode == 0, err
    assert errors == [""] or errors == [], errors
    assert int(empty) == 0 and int(searches) >= 50
    assert int(generations) > 1  # the reader really saw the index change
    assert writer.stats().generation >= 51 and writer.check().ok


# Hostile uploads through the UI ----------------------------------------------------------------

HTML_NAME = '<img src=x onerror="window.__xss=1">.txt'


@pytest.fixture
def ui_server(tmp_path, fake_embedder):
    from tests.test_ui_api import free_port
    from ui.serve import serve

    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([write_docs(tmp_path / "docs")])
    demo = serve(assistant, port=free_port(), block=False, quiet=True)
    # The Documents tab's own handlers, as the page calls them.
    handlers = {fn.fn.__name__: fn.fn for fn in demo.fns.values() if getattr(fn.fn, "__name__", "") in ("on_upload", "on_update")}
    yield demo.local_url, handlers, assistant, tmp_path
    demo.close()
    assistant.close()


def _post_upload(url: str, files: list[tuple[str, bytes]]) -> list[str]:
    """Upload through Gradio's own route, as the browser does; returns the server-side temp paths."""
    import httpx

    response = httpx.post(url + "gradio_api/upload", files=[("files", (name, data)) for name, data in files], timeout=120)
    response.raise_for_status()
    return response.json()


def _request():
    import gradio as gr

    return gr.Request(username=None)


def test_hostile_upload_names_stay_inside_the_uploads_folder_and_are_escaped(ui_server):
    url, handlers, assistant, root = ui_server
    existed = (Path("/etc") / "x.txt").exists()
    paths = _post_upload(url, [("../../etc/x.txt", b"Traversal attempt about parking fines."),
                               (HTML_NAME, b"A reply whose file name carries markup about CCTV.")])
    status = handlers["on_upload"](paths, _request())
    uploads = (root / "idx" / "uploads").resolve()
    saved = sorted(p.relative_to(uploads).as_posix() for p in uploads.rglob("*") if p.is_file())
    assert len(saved) == 2 and all("/" not in name and ".." not in name for name in saved)
    assert (Path("/etc") / "x.txt").exists() == existed and not (root / "etc").exists()
    assert "<img" not in status and "onerror=\"" not in status
    report, _, _ = handlers["on_update"]("", _request())
    assert "<img" not in report
    assert assistant.stats().documents == 5
    assert any("markup" in h.text for h in assistant.search("file name carries markup", k=3).hits)


def test_a_thousand_files_at_once_and_one_over_the_limit(ui_server):
    import httpx

    url, handlers, assistant, root = ui_server
    big = int(assistant.settings.max_upload_mb * 1_000_000) + 1
    refused = httpx.post(url + "gradio_api/upload", files=[("files", ("huge.txt", b"x" * big))], timeout=120)
    # Gradio's route refuses it (launch(max_file_size=max_upload_mb)) before any of our code sees it.
    assert refused.status_code == 413 and "exceeded maximum allowed size of 50000000 bytes" in refused.text
    files = [(f"note-{i:04d}.txt", f"Note {i}: gritting route {i} was treated {i % 7} times.".encode()) for i in range(1000)]
    status = handlers["on_upload"](_post_upload(url, files), _request())
    assert status.count("<li>saved") == 1000 and "rejected" not in status
    report, _, _ = handlers["on_update"]("", _request())
    assert assistant.stats().documents == 3 + 1000
    assert "Traceback" not in report
    assert vector_folder_is_clean(root / "idx")
