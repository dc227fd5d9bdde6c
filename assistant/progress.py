"""Progress bars on stderr for the stages of an ingest."""

from __future__ import annotations

import sys

from tqdm import tqdm

STAGE_LABELS = {
    "scanning": "Checking files",
    "reading": "Reading",
    "chunking": "Chunking",
    "embedding": "Embedding chunks",
    "writing": "Writing index",
}


class TerminalProgress:
    """A progress callback that draws one tqdm bar per stage on stderr."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._stage: str | None = None
        self._bar: tqdm | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(total=total, desc=STAGE_LABELS.get(stage, stage), file=sys.stderr, unit="")
        if self._bar is not None:
            self._bar.total = total
            self._bar.n = done
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._stage = None
