"""Reference-counted read snapshots of one index directory, shared by a process's threads.

A long-lived process (the UI server, a batch of searches) keeps one `Snapshots`
per index. Each reader borrows the current committed generation for as long as
it works and gives it back; a writer's commit makes a new generation current for
the next reader, and the old one is closed when its last reader leaves. Nothing
closes what another thread is still reading — closing the SQLite connection under
a running query crashes the process.

A snapshot's SQLite connections hold read transactions at its generation while it
has readers; when the last one leaves they are ended (a read transaction held open
keeps WAL checkpoints from passing it) and started again by the next reader, if the
store is still at that generation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from index.directory import IndexDirectory, Snapshot


@dataclass
class _Lease:
    snapshot: Snapshot
    readers: int = 0
    retired: bool = False


class Snapshots:
    """Hands out the current generation of `directory` to readers, counting them.

    Args:
        directory: The index directory to read.
    """

    def __init__(self, directory: IndexDirectory):
        self.directory = directory
        self._lock = threading.Lock()
        self._current: _Lease | None = None
        self._stale = False

    @contextmanager
    def reading(self) -> Iterator[Snapshot]:
        """Borrow the current generation; it stays open until the block ends.

        Raises:
            IndexNotFound: There is no index yet.
            IndexFormatError: The store names missing or damaged vector files.
        """
        with self._lock:
            lease = self._current_lease()
            lease.readers += 1
        try:
            yield lease.snapshot
        finally:
            with self._lock:
                lease.readers -= 1
                if lease.readers == 0:
                    if lease.retired:
                        lease.snapshot.close()
                    else:
                        lease.snapshot.store.unpin()

    def invalidate(self) -> None:
        """Make the next reader reopen the current generation (after a write)."""
        with self._lock:
            self._stale = True

    def close(self) -> None:
        """Retire the current generation; it closes once its readers are done."""
        with self._lock:
            if self._current is not None:
                self._retire(self._current)
                self._current = None
            self.directory.close()

    def _current_lease(self) -> _Lease:
        # Called with the lock held. One look-up of the generation row when nothing changed.
        current = self._current
        if current is not None and not self._stale:
            if self.directory.committed_generation() == current.snapshot.manifest.generation and current.snapshot.store.pin():
                return current
        self._current = _Lease(self.directory.open())
        if current is not None:
            self._retire(current)
        self._stale = False
        return self._current

    @staticmethod
    def _retire(lease: _Lease) -> None:
        lease.retired = True
        if lease.readers == 0:
            lease.snapshot.close()
