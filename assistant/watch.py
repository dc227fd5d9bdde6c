"""Keep an index in sync with folders: re-ingest after file changes settle."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from index.update import IngestReport

logger = logging.getLogger(__name__)


class _Changes(FileSystemEventHandler):
    """Records the time of the latest relevant event."""

    def __init__(self):
        self.last_event = 0.0
        self.pending = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        name = Path(str(event.src_path)).name
        if name.startswith(".") or name.endswith((".tmp", ".part", ".crdownload", "~")):
            return  # editors and downloads write these before the real file appears
        self.last_event = time.monotonic()
        self.pending.set()


def watch(
    sync: Callable[[], IngestReport],
    paths: list[Path],
    *,
    debounce: float = 2.0,
    stop: threading.Event | None = None,
    on_report: Callable[[IngestReport], None] | None = None,
) -> None:
    """Run `sync()` once, then again whenever files under `paths` change.

    Changes are debounced: `sync` runs once no event has arrived for `debounce`
    seconds, so a copy of a hundred files triggers one update, not a hundred.

    Args:
        sync: Ingests `paths` with removal of vanished files, returning the report.
        paths: Folders (or files) to watch.
        debounce: Quiet period in seconds before updating.
        stop: Set it to end the loop (Ctrl-C also ends it).
        on_report: Called with each update's report.
    """
    stop = stop or threading.Event()
    changes = _Changes()
    observer = Observer()
    for path in paths:
        target = path if path.is_dir() else path.parent
        observer.schedule(changes, str(target), recursive=True)
    observer.start()
    try:
        report = sync()
        if on_report:
            on_report(report)
        while not stop.is_set():
            if not changes.pending.wait(timeout=0.2):
                continue
            if time.monotonic() - changes.last_event < debounce:
                stop.wait(0.1)
                continue
            changes.pending.clear()
            report = sync()
            if on_report:
                on_report(report)
    finally:
        observer.stop()
        observer.join(timeout=5)
