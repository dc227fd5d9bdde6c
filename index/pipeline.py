"""Embed chunk texts on a worker thread while the ingest keeps reading and chunking.

Reading and chunking a file costs a tenth of embedding its chunks; overlapping
the two keeps the model busy instead of idle while files are parsed. Texts are
handed over in windows, each sorted by length so that batches pad little.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterable

import numpy as np

from index.embedder import Embedder

WINDOW = 256  # texts per hand-over; big enough to sort by length, small enough to start early


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class TextWindows:
    """Groups chunk texts into the windows a local ingest embeds, skipping known and repeated texts.

    An int8 model quantises each batch's activations together, so a text's vector depends
    slightly on its batch-mates; a distributed ingest embeds these same windows to get the
    vectors a local ingest gets.

    Args:
        known_ids: Maps text hashes to vector ids already in the index.
        submit: Called with each window, a list of (hash, text), as it fills.
    """

    def __init__(self, known_ids: Callable[[list[str]], dict[str, int]], submit: Callable[[list], None]):
        self._known_ids = known_ids
        self._submit = submit
        self._pending: dict[str, str] = {}
        self._seen: set[str] = set()
        self.known: dict[str, int] = {}
        self.order: list[tuple[str, str]] = []  # (hash, text) of new texts, in submission order

    def add(self, texts: Iterable[str]) -> None:
        """Queue texts (duplicates and already-indexed texts are skipped)."""
        for text in texts:
            key = text_hash(text)
            if key not in self._seen:
                self._seen.add(key)
                self._pending[key] = text
        if len(self._pending) >= WINDOW:
            self.flush()

    def flush(self) -> None:
        """Submit what is pending as one window."""
        if not self._pending:
            return
        found = self._known_ids(list(self._pending))
        self.known.update(found)
        window = [(key, text) for key, text in self._pending.items() if key not in found]
        self._pending = {}
        if window:
            self.order.extend(window)
            self._submit(window)


class EmbeddingPipeline:
    """Collects chunk texts, skips known ones, and embeds the rest in the background.

    Args:
        embedder: The model.
        known_ids: Maps text hashes to vector ids already in the index (called on the
            caller's thread, so it may use the caller's database connection).
        batch_size: Embedding batch size.
        progress: Called as progress(done, total) from the worker thread.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        known_ids: Callable[[list[str]], dict[str, int]],
        batch_size: int,
        progress: Callable[[int, int], None] | None = None,
    ):
        self._embedder = embedder
        self._batch_size = batch_size
        self._progress = progress
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._windows = TextWindows(known_ids, self._queue.put)
        self.known = self._windows.known
        self.order = self._windows.order  # (hash, text) of new texts, in submission order
        self._vectors: dict[str, np.ndarray] = {}
        self._error: BaseException | None = None
        self._stopped = False
        self._done = 0
        self._worker = threading.Thread(target=self._work, name="foi-embed", daemon=True)
        self._worker.start()

    def add(self, texts: Iterable[str]) -> None:
        """Queue texts for embedding (duplicates and already-indexed texts are skipped)."""
        self._raise_if_failed()
        self._windows.add(texts)

    def finish(self) -> dict[str, np.ndarray]:
        """Wait for every queued text; returns {hash: vector} of the newly embedded ones."""
        self._flush()
        self._queue.put(None)
        self._worker.join()
        self._raise_if_failed()
        return self._vectors

    def close(self) -> None:
        """Stop the worker without waiting for queued work (after an error or interrupt)."""
        if self._worker.is_alive():
            self._stopped = True
            self._drain()
            self._queue.put(None)
            self._worker.join(timeout=30)

    def _flush(self) -> None:
        self._windows.flush()

    def _work(self) -> None:
        while True:
            window = self._queue.get()
            if window is None:
                return
            if self._stopped or self._error is not None:
                continue
            try:
                vectors = self._embedder.embed([text for _, text in window], batch_size=self._batch_size)
                for (key, _), vector in zip(window, vectors):
                    self._vectors[key] = vector
                self._done += len(window)
                if self._progress:
                    self._progress(self._done, len(self.order))
            except BaseException as exc:  # re-raised on the caller's thread by finish()
                self._error = exc

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error
