"""Progress bars on stderr for the stages of an ingest (one bar per stage)."""

from __future__ import annotations

import sys
import threading

from tqdm import tqdm

STAGE_LABELS = {
    "scanning": "Checking files",
    "reading": "Reading",
    "ocr": "OCR pages",
    "chunking": "Chunking",
    "embedding": "Embedding chunks",
    "writing": "Writing index",
}


class TerminalProgress:
    """A progress callback drawing a tqdm bar per stage on stderr.

    Stages may overlap (files are read while earlier chunks are embedded on a
    worker thread), so each stage keeps its own bar and calls are serialised.
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._bars: dict[str, tqdm] = {}
        self._lock = threading.Lock()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        with self._lock:
            bar = self._bars.get(stage)
            if bar is None:
                bar = tqdm(
                    total=total,
                    desc=STAGE_LABELS.get(stage, stage),
                    file=sys.stderr,
                    unit="",
                    position=len(self._bars),
                    leave=True,
                )
                self._bars[stage] = bar
            bar.total = max(total, done)
            if done >= bar.n:
                bar.update(done - bar.n)  # through update(), so that the bar shows the stage's rate
            else:
                bar.n = done
            bar.refresh()

    def close(self) -> None:
        with self._lock:
            for bar in self._bars.values():
                bar.close()
            self._bars = {}
