"""Is the store intact (`store_damage`), or, before m007, a generation directory (`generation_damage`)?"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from index.directory import GENERATION_MANIFEST, STORE_NAME, VECTORS_NAME


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
    try:
        db = sqlite3.connect(f"file:{generation / STORE_NAME}?mode=ro", uri=True)
        try:
            result = db.execute("PRAGMA quick_check").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return f"{STORE_NAME} is damaged ({exc})"
    if not result or result[0][0] != "ok":
        return f"{STORE_NAME} is damaged ({result[0][0] if result else 'no answer from quick_check'})"
    return None


def has_manifest_copy(generation: Path) -> bool:
    return (generation / GENERATION_MANIFEST).is_file()


def store_damage(store: Path) -> str | None:
    """What SQLite's `PRAGMA integrity_check` finds wrong with the store file `store`, or None."""
    try:
        db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        try:
            result = db.execute("PRAGMA integrity_check").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    if not result or result[0][0] != "ok":
        return "; ".join(str(r[0]) for r in result[:3]) if result else "no answer from integrity_check"
    return None
