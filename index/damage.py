"""Is the store intact (`store_damage`), or, before m007, a generation directory (`generation_damage`)?"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from index.directory import STORE_NAME, VECTORS_NAME


def generation_damage(generation: Path) -> str | None:
    """What is wrong with the generation directory `generation`, or None if it looks sound.

    Runs SQLite's `PRAGMA quick_check` (every page read once: a flipped or
    truncated page is found, though not every index inconsistency).
    """
    if not generation.is_dir():
        return "its directory is missing"
    for name in (STORE_NAME, VECTORS_NAME):
        if not (generation / name).is_file():
            return f"{name} is missing"
    problem = _sqlite_check(generation / STORE_NAME, "quick_check", rows=1)
    return f"{STORE_NAME} is damaged ({problem})" if problem else None


def store_damage(store: Path) -> str | None:
    """What SQLite's `PRAGMA integrity_check` finds wrong with the store file `store`, or None."""
    return _sqlite_check(store, "integrity_check", rows=3)


def _sqlite_check(path: Path, pragma: str, *, rows: int) -> str | None:
    """The first `rows` problems SQLite's `PRAGMA <pragma>` reports for the file at `path`, or None."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = db.execute(f"PRAGMA {pragma}").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    if not result or result[0][0] != "ok":
        return "; ".join(str(r[0]) for r in result[:rows]) if result else f"no answer from {pragma}"
    return None
