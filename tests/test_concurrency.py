"""One Assistant shared by many threads while another thread writes: the shape of `foi serve`."""

from __future__ import annotations

import os
import threading
import time
import traceback
from pathlib import Path

import pytest

from assistant import Assistant
from tests.test_index import DOCS, write_docs

QUESTIONS = [
    "How many CCTV cameras does the council operate?",
    "How much was spent on agency social workers?",
    "How many penalty charge notices were issued?",
]
SOAK_SECONDS = float(os.environ.get("FOI_SOAK_SECONDS", "60"))


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count open files")
def test_readers_keep_their_snapshot_while_a_writer_ingests_and_removes(tmp_path, fake_embedder):
    docs = write_docs(tmp_path / "docs")
    extra = tmp_path / "extra"
    extra.mkdir()
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([docs])
    # Doc ids are hashes of the text, so a document removed and re-added keeps its id:
    # these texts, read once now, are what every later quote must be cut from.
    texts = {document.doc_id: document.text for document in assistant.documents()}
    assistant.search("warm up")
    fds_before = open_fds()

    errors: list[str] = []
    answered = [0]
    stop = threading.Event()

    def reader(number: int) -> None:
        while not stop.is_set():
            try:
                question = QUESTIONS[number % len(QUESTIONS)]
                if number % 2:
                    for hit in assistant.search(question, k=3).hits:
                        if hit.doc_id in texts and texts[hit.doc_id][hit.start : hit.end] != hit.text:
                            errors.append(f"hit text is not its span: {hit.doc_id} {hit.start}:{hit.end}")
                else:
                    answer = assistant.ask(question)
                    for citation in answer.citations:
                        # A note the writer added: its file stays on disk, unchanged, once written.
                        source = texts.get(citation.doc_id) or Path(citation.path).read_text(encoding="utf-8")
                        if source is None or source[citation.start : citation.end] != citation.quote:
                            errors.append(f"quote is not its span: {citation.doc_id} {citation.start}:{citation.end}")
                answered[0] += 1
            except Exception:  # noqa: BLE001 - every failure is the finding
                errors.append(traceback.format_exc())

    def writer() -> None:
        round_ = 0
        while not stop.is_set():
            try:
                note = extra / f"note-{round_}.txt"
                note.write_text(f"Round {round_}: the council spent £{round_},000 on agency staff.", encoding="utf-8")
                assistant.ingest([docs, note])
                assistant.remove([str(docs / "parking.txt")] + ([str(extra / f"note-{round_ - 1}.txt")] if round_ else []))
                assistant.ingest([docs])
                round_ += 1
            except Exception as exc:  # noqa: BLE001
                errors.append(f"writer: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)] + [threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    time.sleep(SOAK_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, "\n".join(errors[:2])
    assert answered[0] > 50
    final = {document.doc_id for document in assistant.documents()}
    assert set(texts) <= final and len(DOCS) <= len(final)
    # Old generations are closed once their last reader leaves, the current one at close():
    # no handle piles up.
    assistant.close()
    assert open_fds() < fds_before


def test_one_snapshot_read_from_several_threads_sees_one_generation_while_a_writer_commits(tmp_path, fake_embedder):
    """What Gradio does with a streaming answer: one borrowed snapshot, its steps on other threads."""
    from concurrent.futures import ThreadPoolExecutor

    docs = write_docs(tmp_path / "docs")
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([docs])
    writer = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    with assistant.snapshots.reading() as snapshot:
        generation = snapshot.manifest.generation
        documents = snapshot.store.counts()["documents"]

        def step(round_: int) -> tuple[int, int | None]:
            return snapshot.store.counts()["documents"], snapshot.store.generation_row().number

        with ThreadPoolExecutor(max_workers=6) as pool:
            for round_ in range(5):
                (docs / f"note-{round_}.txt").write_text(f"Round {round_}: gritting routes in ward {round_}.")
                writer.ingest([docs])
                seen = list(pool.map(step, range(round_ * 6, round_ * 6 + 6)))
                assert seen == [(documents, generation)] * 6, seen  # never the writer's newer state
    assert writer.stats().generation == generation + 5
    with assistant.snapshots.reading() as fresh:  # the next reader gets the new generation
        assert fresh.manifest.generation == generation + 5
        assert fresh.store.counts()["documents"] == documents + 5
    assistant.close()
    writer.close()
