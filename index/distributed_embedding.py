"""Embedding on the cluster while the driver goes on reading.

A local ingest embeds on every core while its reader thread reads the next file. A distributed
ingest gets the same overlap from this queue: the driver submits each window as it fills, and a
background thread embeds whatever has queued, one cluster run at a time, while the reading
stage keeps streaming results to the driver. The windows are exactly the local ingest's, so the
vectors are too; only when they are embedded changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

Window = list[tuple[str, str]]  # (text hash, text) pairs, as `TextWindows` submits them
EmbedWindows = Callable[[list[Window]], dict[str, np.ndarray]]


class BackgroundEmbedding:
    """Embeds submitted windows on a background thread; `collect` waits for them.

    Args:
        embed: Embeds a list of windows and returns {text hash: vector}; called on the
            background thread, one call at a time, with every window queued since the last.
    """

    def __init__(self, embed: EmbedWindows):
        self._embed = embed
        self._condition = threading.Condition()
        self._queued: list[Window] = []
        self._busy = False
        self._closed = False
        self._error: BaseException | None = None
        self._vectors: dict[str, np.ndarray] = {}
        self._thread = threading.Thread(target=self._run, name="foi-ray-embedding", daemon=True)
        self._thread.start()

    def submit(self, window: Window) -> None:
        """Queue one window; raises at once if an earlier embedding run failed."""
        with self._condition:
            self._raise_failure()
            self._queued.append(window)
            self._condition.notify_all()

    def collect(self) -> dict[str, np.ndarray]:
        """{hash: vector} of every window submitted since the last call, once all are embedded."""
        with self._condition:
            while (self._queued or self._busy) and self._error is None:
                self._condition.wait()
            self._raise_failure()
            vectors, self._vectors = self._vectors, {}
            return vectors

    def close(self) -> None:
        """Stop the thread after the run in progress (without waiting for it: on an error the
        write is abandoned anyway, and a run can take minutes)."""
        with self._condition:
            self._closed = True
            self._queued = []
            self._condition.notify_all()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._queued and not self._closed:
                    self._condition.wait()
                if self._closed:
                    return
                windows, self._queued = self._queued, []
                self._busy = True
            try:
                vectors = self._embed(windows)
            except BaseException as exc:  # handed to the driver's thread, which raises it
                with self._condition:
                    self._error = exc
                    self._busy = False
                    self._condition.notify_all()
                return
            with self._condition:
                self._vectors.update(vectors)
                self._busy = False
                self._condition.notify_all()
