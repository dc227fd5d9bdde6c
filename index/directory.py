"""An index directory: immutable generations committed by an atomic manifest swap.

Layout::

    foi-index/
      manifest.json        # names the current generation; replaced atomically
      g000007/store.sqlite # documents, locations, chunks (SQLite)
      g000007/vectors.faiss
      write.lock           # held by the one writer

A writer copies the current generation into a new directory, applies its
changes there, and then swaps the manifest. Readers only ever open a committed
generation, so a search during an ingest sees the old index or the new one,
and a writer killed at any point leaves the previous generation intact.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from index.errors import IndexFormatError, IndexLocked, IndexNotFound, IndexWriteFailed
from index.manifest import MANIFEST_NAME, Manifest
from index.store import Store
from index.vectors import VectorIndex

logger = logging.getLogger(__name__)

STORE_NAME = "store.sqlite"
VECTORS_NAME = "vectors.faiss"
LOCK_NAME = "write.lock"
GENERATION_MANIFEST = "generation.json"


@dataclass
class Snapshot:
    """One committed generation, opened for reading or (in a writer) for changes."""

    manifest: Manifest
    store: Store
    vectors: VectorIndex
    path: Path

    def close(self) -> None:
        self.store.close()


class IndexDirectory:
    """Opens, creates and commits generations of one index directory."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def exists(self) -> bool:
        return (self.root / MANIFEST_NAME).is_file()

    def manifest_stamp(self) -> tuple[int, int, int] | None:
        """(inode, size, mtime) of the manifest, None when there is none: a commit replaces the
        file, so an unchanged stamp means an unchanged generation, at the cost of one stat()."""
        try:
            stat = (self.root / MANIFEST_NAME).stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def read_manifest(self) -> Manifest:
        path = self.root / MANIFEST_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise IndexNotFound(
                f"no index at {self.root} (create one with: foi ingest PATH --index {self.root})"
            ) from None
        return Manifest.from_json(text, path)

    def open(self) -> Snapshot:
        """Open the current generation read-only."""
        for attempt in range(3):
            manifest = self.read_manifest()
            generation = self.root / manifest.generation_name
            try:
                return self._open_generation(manifest, generation, readonly=True)
            except (FileNotFoundError, sqlite3.OperationalError, RuntimeError):
                # A writer may have swapped the manifest and pruned this generation.
                if attempt == 2:
                    raise IndexFormatError(
                        f"the index at {self.root} names generation {manifest.generation_name}, "
                        "which is missing or damaged; run `foi check --repair`"
                    ) from None
        raise AssertionError("unreachable")

    def _open_generation(self, manifest: Manifest, generation: Path, *, readonly: bool) -> Snapshot:
        store_path = generation / STORE_NAME
        vectors_path = generation / VECTORS_NAME
        if not store_path.is_file() or not vectors_path.is_file():
            raise FileNotFoundError(generation)
        if readonly:
            # Committed generations never change, so SQLite may skip locking.
            store = Store(store_path, readonly=True)
        else:
            store = Store(store_path)
        vectors = VectorIndex.load(vectors_path)
        return Snapshot(manifest=manifest, store=store, vectors=vectors, path=generation)

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
        """Yield a writable copy of the current generation; commit it on success.

        Must be called while holding `lock()`. With `new_manifest`, a new empty
        index is started (the directory must not hold one yet).

        The caller updates `snapshot.manifest` counts; the manifest swap is the
        commit. An exception discards the new generation.
        """
        self.clean_stale()
        if new_manifest is not None:
            manifest = new_manifest
            previous = None
            # A fresh start (new index, or a rebuild) still numbers after any old generation.
            last = self.read_manifest().generation if self.exists() else 0
        else:
            manifest = self.read_manifest()
            previous = self.root / manifest.generation_name
            last = manifest.generation
        next_manifest = Manifest(**{**manifest.__dict__})
        next_manifest.generation = last + 1
        staging = self.root / (next_manifest.generation_name + ".staging")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        try:
            try:
                if previous is not None:
                    source = sqlite3.connect(f"file:{previous / STORE_NAME}?mode=ro", uri=True)
                    target = sqlite3.connect(staging / STORE_NAME)
                    source.backup(target)
                    source.close()
                    target.close()
                    vectors = VectorIndex.load(previous / VECTORS_NAME)
                else:
                    vectors = VectorIndex.create(next_manifest.dimension)
                store = Store(staging / STORE_NAME)
            except (OSError, sqlite3.OperationalError) as exc:
                raise _write_failed("copying the current generation", exc, last) from exc
            snapshot = Snapshot(manifest=next_manifest, store=store, vectors=vectors, path=staging)
            yield snapshot
            step = "committing the SQLite store"
            try:
                # Whatever the writer changed belongs to this generation, inside a
                # transaction block or not: closing SQLite would silently roll it back.
                store.commit()
                store.close()
                step = "saving the FAISS index"
                vectors.save(staging / VECTORS_NAME)
                next_manifest.vector_index = vectors.kind
                step = "syncing the new generation"
                with open(staging / STORE_NAME, "rb") as handle:
                    os.fsync(handle.fileno())
                # A copy of the manifest inside the generation lets `foi check --repair`
                # restore a lost or damaged top-level manifest.
                (staging / GENERATION_MANIFEST).write_text(next_manifest.to_json(), encoding="utf-8")
                final = self.root / next_manifest.generation_name
                if final.exists():
                    shutil.rmtree(final)
                staging.rename(final)
                snapshot.path = final
                step = "replacing the manifest"
                next_manifest.write(self.root)
            except (OSError, sqlite3.OperationalError, RuntimeError) as exc:
                # FAISS reports a failed fwrite (a full disk) as RuntimeError.
                raise _write_failed(step, exc, last) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self.prune(keep=next_manifest.generation)

    def generations(self) -> list[Path]:
        return sorted(p for p in self.root.glob("g[0-9][0-9][0-9][0-9][0-9][0-9]*") if p.is_dir())

    def clean_stale(self) -> None:
        """Remove staging directories left by a writer that was killed."""
        for path in self.root.glob("g*.staging"):
            logger.info("removing unfinished generation %s", path.name)
            shutil.rmtree(path, ignore_errors=True)

    def prune(self, keep: int) -> None:
        """Delete generations older than the previous one; readers may still hold that."""
        for path in self.generations():
            if path.name.endswith(".staging"):
                continue
            try:
                number = int(path.name[1:])
            except ValueError:
                continue
            if number < keep - 1:
                shutil.rmtree(path, ignore_errors=True)

    def size_bytes(self) -> int:
        total = (self.root / MANIFEST_NAME).stat().st_size if self.exists() else 0
        if self.exists():
            generation = self.root / self.read_manifest().generation_name
            total += sum(p.stat().st_size for p in generation.iterdir() if p.is_file())
        return total


def _write_failed(step: str, exc: BaseException, last: int) -> IndexWriteFailed:
    text = str(exc).strip()
    reason = getattr(exc, "strerror", None) or (text.splitlines()[0] if text else type(exc).__name__)
    where = f"generation g{last:06d}" if last else "no generation yet"
    return IndexWriteFailed(f"could not write the index ({step}: {reason}); nothing was changed, the index is still {where}")
