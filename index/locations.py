"""Where documents' original files are: absolute paths, missing originals, relocation.

Locations are stored as absolute, resolved paths (ingest/discover.py), so the
same file means the same from any working directory. Indexes written before
format 4 could hold relative paths; `absolutize` rewrites those it can verify,
and `relocate` moves every path under one prefix to another (an index copied
to another machine, a shared drive mounted elsewhere).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from index.update import file_sha256

MISSING_SHOWN = 10  # missing originals named one by one in `foi check`


def absolute_path(target: str) -> str:
    """`target` as an absolute path with symlinks resolved (it need not exist)."""
    return str(Path(target).expanduser().resolve())


def move_file(store, old: str, new: str) -> None:
    """Record every location and the signature of file `old` under path `new` instead."""
    signature = store.file_signature(old)
    parts = store.locations_of_file(old)
    store.forget_file(old)
    if signature is not None:
        store.set_file_signature(new, *signature)
    for part, doc_id in parts.items():
        store.set_location(new, part, doc_id)


def relocate(store, old_prefix: str, new_prefix: str) -> list[tuple[str, str]]:
    """Rewrite the files at or under `old_prefix` to lie under `new_prefix`.

    Args:
        store: A writable store.
        old_prefix: A stored path or folder prefix, compared as text (it may no longer exist).
        new_prefix: Where those files are now.

    Returns:
        The (old, new) paths rewritten.
    """
    old_prefix = old_prefix.rstrip("/") or "/"
    new_prefix = new_prefix.rstrip("/") or "/"
    moved = []
    for path in sorted(relocate_preview(store, old_prefix)):
        new = new_prefix if path == old_prefix else new_prefix.rstrip("/") + "/" + path[len(old_prefix.rstrip("/")) + 1 :]
        move_file(store, path, new)
        moved.append((path, new))
    return moved


def relative_files(store) -> list[str]:
    """Stored file paths that are not absolute (written before format 4)."""
    return sorted(path for path in store.known_files() if not os.path.isabs(path))


def absolutize(store, bases: Iterable[Path]) -> tuple[int, list[str]]:
    """Rewrite relative file paths to absolute ones where the file can be verified.

    No index recorded the directory it was ingested from, so each relative path
    is tried against `bases` in order and taken where a file there has the
    recorded SHA-256 (or exists, when no signature was recorded).

    Returns:
        How many paths were rewritten, and the relative paths left as they were.
    """
    rewritten, left = 0, []
    for path in relative_files(store):
        found = _verified(path, store.file_signature(path), bases)
        if found is None:
            left.append(path)
            continue
        move_file(store, path, found)
        rewritten += 1
    return rewritten, left


def _verified(path: str, signature, bases: Iterable[Path]) -> str | None:
    for base in bases:
        candidate = Path(base) / path
        if not candidate.is_file():
            continue
        try:
            if signature is None or file_sha256(candidate) == signature[2]:
                return str(candidate.resolve())
        except OSError:
            continue
    return None


def missing_originals(store) -> list[str]:
    """Stored file paths with no file on disk now, sorted."""
    return sorted(path for path in store.known_files() if not os.path.exists(path))


def location_notes(store) -> list[str]:
    """`foi check` notes: relative locations left by old indexes, and originals no longer on disk.

    Neither stops search or answers (the text is stored); only "download
    original" and re-ingest need the files.
    """
    notes = []
    relative = relative_files(store)
    if relative:
        notes.append(
            f"{len(relative)} locations are relative paths from an index written before format 4 whose files "
            f"could not be verified from here (e.g. {relative[0]}); re-ingest them, or `foi relocate OLD NEW`"
        )
    missing = missing_originals(store)
    if missing:
        shown = ", ".join(missing[:MISSING_SHOWN]) + (f", … {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN else "")
        notes.append(
            f"{len(missing)} original files are missing (moved? `foi relocate OLD_PREFIX NEW_PREFIX`): {shown}"
        )
    return notes


def relocate_index(directory, old_prefix: str, new_prefix: str, *, lock_timeout: float) -> list[tuple[str, str]]:
    """Commit a new generation in which files under `old_prefix` lie under `new_prefix`.

    Args:
        directory: The `IndexDirectory`.
        old_prefix: The stored prefix, as `foi check` lists it.
        new_prefix: The folder the files are in now; made absolute and resolved.

    Returns:
        The (old, new) paths rewritten; nothing is committed when there are none.
    """
    from index.case_tables import refresh_cases
    from index.manifest import now_iso

    new_prefix = absolute_path(new_prefix)
    with directory.lock(lock_timeout):
        current = directory.open()
        try:
            todo = relocate_preview(current.store, old_prefix)
        finally:
            current.close()
        if not todo:
            return []
        with directory.write() as snapshot:
            with snapshot.store.transaction():
                moved = relocate(snapshot.store, old_prefix, new_prefix)
                refresh_cases(snapshot.store)  # a mailbox's case id follows its path
            snapshot.manifest.updated_at = now_iso()
    return moved


def relocate_preview(store, old_prefix: str) -> list[str]:
    """The stored file paths `relocate(store, old_prefix, ...)` would rewrite."""
    old_prefix = old_prefix.rstrip("/") or "/"
    return [p for p in store.known_files() if p == old_prefix or p.startswith(old_prefix.rstrip("/") + "/")]
