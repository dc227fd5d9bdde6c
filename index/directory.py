"""An index directory: one SQLite store written in place, committed by its own transaction.

Layout (format 7)::

    foi-index/
      store.sqlite           # documents, chunks, passages... and the `generation` row (WAL mode)
      store.sqlite-wal/-shm  # SQLite's write-ahead log and its index
      vectors/g000007.faiss  # the vector files the generation row names; never rewritten
      manifest.json          # a copy of the current generation's manifest, for people and tools
      write.lock             # held by the one writer

A writer runs its whole change in one SQLite transaction; it writes (and fsyncs) new vector
files, records the generation row naming them in that same transaction, and COMMITs: that
COMMIT is the commit point. Then it rewrites manifest.json, deletes vector files that neither
this generation nor the one before names, and checkpoints the WAL. Readers keep a read
transaction open per snapshot (`index.store_connections`), so a search during a write sees the
old generation or the new, and a writer killed at any point leaves the last committed one.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from index.errors import IndexFormatError, IndexLocked, IndexNotFound, IndexWriteFailed
from index.generation_row import GenerationRow, generation_number, read_generation
from index.manifest import MANIFEST_NAME, Manifest
from index.store import Store
from index.vectors import VectorIndex

logger = logging.getLogger(__name__)

STORE_NAME = "store.sqlite"
VECTORS_FOLDER = "vectors"
LOCK_NAME = "write.lock"
# The layout before format 7 (one directory per generation), read by migration m007.
VECTORS_NAME = "vectors.faiss"
GENERATION_MANIFEST = "generation.json"


@dataclass
class Snapshot:
    """One committed generation, opened for reading or (in a writer) for changes."""

    manifest: Manifest
    store: Store
    vectors: VectorIndex | None  # None: opened with_vectors=False
    path: Path  # the index directory

    def close(self) -> None:
        self.store.close()


class IndexDirectory:
    """Opens, creates and commits generations of one index directory."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._probe: sqlite3.Connection | None = None
        self._probe_lock = threading.Lock()

    @property
    def store_path(self) -> Path:
        return self.root / STORE_NAME

    @property
    def vectors_folder(self) -> Path:
        return self.root / VECTORS_FOLDER

    def committed(self) -> GenerationRow | None:
        """The generation row the store holds now, or None (no store, or an index from before m007)."""
        if not self.store_path.is_file():
            return None
        db = sqlite3.connect(f"file:{self.store_path}?mode=ro", uri=True)
        try:
            return read_generation(db)
        finally:
            db.close()

    def committed_generation(self) -> int | None:
        """The current generation number, from one kept connection: what `Snapshots` asks per read."""
        with self._probe_lock:
            if self._probe is None:
                if not self.store_path.is_file():
                    return None
                self._probe = sqlite3.connect(
                    f"file:{self.store_path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
                )
            return generation_number(self._probe)

    def close(self) -> None:
        with self._probe_lock:
            if self._probe is not None:
                self._probe.close()
                self._probe = None

    def exists(self) -> bool:
        return (self.root / MANIFEST_NAME).is_file() or self.committed() is not None

    def is_legacy(self) -> bool:
        """Whether the index is still in the layout of one directory per generation (before m007)."""
        return (self.root / MANIFEST_NAME).is_file() and self.committed() is None

    def read_manifest(self) -> Manifest:
        """The current generation's manifest: the store's, or manifest.json for an index before m007."""
        row = self.committed()
        if row is not None:
            return Manifest.from_json(row.manifest, self.store_path)
        return self.read_manifest_file()

    def read_manifest_file(self) -> Manifest:
        path = self.root / MANIFEST_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise IndexNotFound(
                f"no index at {self.root} (create one with: foi ingest PATH --index {self.root})"
            ) from None
        return Manifest.from_json(text, path)

    def _not_open(self) -> Exception:
        if (self.root / MANIFEST_NAME).is_file():
            manifest = self.read_manifest_file()
            return IndexFormatError(
                f"the index at {self.root} has format {manifest.format_version} (one directory per generation); "
                f"any foi command upgrades it in place (e.g. `foi check --index {self.root}`)"
            )
        return IndexNotFound(f"no index at {self.root} (create one with: foi ingest PATH --index {self.root})")

    def open(self, *, with_vectors: bool = True) -> Snapshot:
        """Open the current generation read-only, pinned: later commits do not change what it shows.

        `with_vectors=False` opens the store and manifest only (`vectors` is None): what a writer
        reads to plan a change, without reading the vector files (414 MB at 1M chunks).
        """
        if not self.store_path.is_file():
            raise self._not_open()
        for attempt in range(3):
            try:
                store = Store(self.store_path, readonly=True)
                row = store.generation_row()
            except sqlite3.DatabaseError as exc:
                raise IndexFormatError(f"the store {self.store_path} cannot be read ({exc}); run `foi check`") from None
            if row is None:
                store.close()
                raise self._not_open()
            try:
                vectors = VectorIndex.open_files(self.vectors_folder, row.vector_files) if with_vectors else None
            except (FileNotFoundError, RuntimeError):
                store.close()
                if attempt == 2:
                    raise IndexFormatError(
                        f"the vector files of generation g{row.number:06d} ({', '.join(row.vector_files)}) in "
                        f"{self.vectors_folder} are missing or damaged; run `foi check --repair`"
                    ) from None
                continue  # a writer committed twice since and deleted them: open the newer generation
            return Snapshot(Manifest.from_json(row.manifest, self.store_path), store, vectors, self.root)
        raise AssertionError("unreachable")

    @contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        """Hold the writer lock, or fail naming it after `timeout` seconds."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock_path = self.root / LOCK_NAME
        lock = FileLock(str(lock_path))
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise IndexLocked(
                f"another process is writing to the index (lock {lock_path} held for more than "
                f"{timeout:g} s); wait for it to finish and try again"
            ) from None
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def write(self, new_manifest: Manifest | None = None) -> Iterator[Snapshot]:
        """Yield the store inside one write transaction and the vectors; commit them on success.

        Must be called while holding `lock()`. With `new_manifest`, the vectors start empty and the
        manifest's settings replace the index's (a new index, a rebuild, or re-embedding lost
        vectors); the store keeps what it holds.

        The caller updates `snapshot.manifest` counts; the store's COMMIT is the commit point.
        An exception rolls everything back.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            store = Store(self.store_path)
            row = store.generation_row()
        except (OSError, sqlite3.OperationalError) as exc:
            raise _write_failed("opening the store", exc, 0) from exc
        if row is None and new_manifest is None:
            store.close()
            raise self._not_open()
        last = row.number if row is not None else self._last_legacy_generation()
        previous = row.vector_files if row is not None else []
        kept = set(previous) | set(row.previous_vector_files if row is not None else [])
        self.prune_vector_files(kept)  # what a killed writer left
        try:
            if new_manifest is None:
                manifest = Manifest.from_json(row.manifest, self.store_path)
                vectors = VectorIndex.open_files(self.vectors_folder, row.vector_files)
            else:
                manifest = new_manifest
                vectors = VectorIndex.create(new_manifest.dimension)
        except (FileNotFoundError, RuntimeError) as exc:
            store.close()
            raise IndexFormatError(
                f"the vector files of generation g{last:06d} are missing or damaged ({exc}); run `foi check --repair`"
            ) from None
        next_manifest = Manifest(**{**manifest.__dict__})
        next_manifest.generation = last + 1
        snapshot = Snapshot(manifest=next_manifest, store=store, vectors=vectors, path=self.root)
        step = "writing the changes"
        try:
            yield snapshot
            step = "saving the FAISS index"
            names = vectors.write_files(self.vectors_folder, next_manifest.generation)
            _fsync_folder(self.vectors_folder)
            next_manifest.vector_index = vectors.kind
            step = "committing the SQLite store"
            store.record_generation(GenerationRow(next_manifest.generation, next_manifest.to_json(), names, previous))
            commit(store)
        except BaseException as exc:
            try:
                store.rollback()
            except sqlite3.Error:
                pass
            store.close()
            self.prune_vector_files(kept)
            # FAISS reports a failed fwrite (a full disk) as RuntimeError.
            failed = isinstance(exc, (OSError, sqlite3.OperationalError, RuntimeError))
            if failed and (step != "writing the changes" or _disk_full(exc)):
                raise _write_failed(step, exc, last) from exc
            raise
        try:
            self._after_commit(store, next_manifest, set(names) | set(previous))
        finally:
            store.close()

    def _last_legacy_generation(self) -> int:
        """A fresh start over an index from before m007 still numbers after its generations."""
        try:
            return self.read_manifest_file().generation
        except (IndexNotFound, IndexFormatError):
            return 0

    def _after_commit(self, store: Store, manifest: Manifest, keep: set[str]) -> None:
        """Steps after the commit point: none of them can undo it, so none of them fails the write."""
        try:
            manifest.write(self.root)
        except OSError as exc:
            logger.warning(
                "committed generation %s, but could not rewrite %s (%s); the store holds the truth, and the "
                "next write or `foi check --repair` rewrites it", manifest.generation_name, MANIFEST_NAME,
                exc.strerror or exc,
            )
        self.prune_vector_files(keep)
        try:
            store.checkpoint()
        except sqlite3.Error as exc:
            logger.debug("WAL checkpoint after the commit failed: %s", exc)

    def prune_vector_files(self, keep: set[str]) -> None:
        """Delete files under vectors/ that are not in `keep` (the current and the previous
        generation's, which readers may still hold)."""
        if not self.vectors_folder.is_dir():
            return
        for path in self.vectors_folder.iterdir():
            if path.name not in keep and path.is_file():
                path.unlink(missing_ok=True)

    def size_bytes(self) -> int:
        total = 0
        for name in (MANIFEST_NAME, STORE_NAME, STORE_NAME + "-wal"):
            path = self.root / name
            total += path.stat().st_size if path.is_file() else 0
        row = self.committed()
        for name in row.vector_files if row is not None else []:
            path = self.vectors_folder / name
            total += path.stat().st_size if path.is_file() else 0
        return total


def commit(store: Store) -> None:
    """The commit point (a function of its own so that tests can make it fail as a full disk would)."""
    store.commit()


def _fsync_folder(folder: Path) -> None:
    if not folder.is_dir():
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


def _write_failed(step: str, exc: BaseException, last: int) -> IndexWriteFailed:
    text = str(exc).strip()
    reason = getattr(exc, "strerror", None) or (text.splitlines()[0] if text else type(exc).__name__)
    where = f"generation g{last:06d}" if last else "no generation yet"
    return IndexWriteFailed(f"could not write the index ({step}: {reason}); nothing was changed, the index is still {where}")
