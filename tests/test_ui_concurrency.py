"""The running UI server keeps answering while its index is updated: gradio_client users on loopback."""

from __future__ import annotations

import os
import threading
import time

import pytest
from assistant.api import Assistant

pytest.importorskip("gradio")
from gradio_client import Client  # noqa: E402

from tests.test_ui_api import DOCS, fake_embedder_class, free_port  # noqa: E402
from ui.serve import serve  # noqa: E402

SECONDS = float(os.environ.get("FOI_SOAK_SECONDS", "60")) / 2


def test_readers_are_answered_while_uploads_are_ingested(tmp_path, pytestconfig):
    for name, text in DOCS.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder_class(pytestconfig)())
    assistant.ingest([tmp_path / "docs"])
    uploads = assistant.settings.effective_uploads_dir
    demo = serve(assistant, port=free_port(), block=False, quiet=True)
    errors: list[str] = []
    answered = [0]
    updates = [0]
    stop = threading.Event()

    def reader(number: int) -> None:
        client = Client(demo.local_url, verbose=False)
        while not stop.is_set():
            try:
                if number % 2:
                    result = client.predict("body worn video cameras", 3, api_name="/search")
                    assert result["hits"], result
                else:
                    answer = client.predict("Does the force use body worn video cameras?", "", api_name="/ask")
                    assert answer["citations"] and not answer["abstained"], answer
                answered[0] += 1
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                errors.append(f"reader {number}: {type(exc).__name__}: {exc}")

    def writer() -> None:
        client = Client(demo.local_url, verbose=False)
        round_ = 0
        while not stop.is_set():
            try:
                uploads.mkdir(parents=True, exist_ok=True)
                (uploads / f"note-{round_}.txt").write_text(
                    f"Note {round_}: the force bought {round_} more body worn video cameras.", encoding="utf-8"
                )
                report = client.predict(api_name="/update")
                assert report["added"] == 1, report
                updates[0] += 1
                round_ += 1
            except Exception as exc:  # noqa: BLE001
                errors.append(f"writer: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(6)] + [threading.Thread(target=writer)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    try:
        assert not errors, errors[:5]
        assert answered[0] > 20 and updates[0] > 2
        # The server is still there and sees every note it was given.
        hits = Client(demo.local_url, verbose=False).predict("Note 0 body worn video", 10, api_name="/search")["hits"]
        assert any("note-0.txt" in str(hit) for hit in hits)
    finally:
        demo.close()
        assistant.close()
