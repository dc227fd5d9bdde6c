"""The `generation` row of the store: what one committed state of the index is.

Written in the same SQLite transaction as the changes it describes, so the COMMIT of that
transaction is the commit point of the index: the generation number, the manifest of that
generation (counts, migrations, vector index kind) and the names of its vector files under
`vectors/`, with those of the generation before (readers may still hold that one).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

GENERATION_SCHEMA = """
CREATE TABLE IF NOT EXISTS generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    number INTEGER NOT NULL,
    manifest TEXT NOT NULL,
    vector_files TEXT NOT NULL,
    previous_vector_files TEXT NOT NULL
);
"""


@dataclass
class GenerationRow:
    number: int
    manifest: str
    vector_files: list[str]
    previous_vector_files: list[str]


def read_generation(db) -> GenerationRow | None:
    """The committed generation as `db` sees it, or None (a store from before m007, or no commit yet)."""
    try:
        row = db.execute(
            "SELECT number, manifest, vector_files, previous_vector_files FROM generation WHERE id = 1"
        ).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    if row is None:
        return None
    return GenerationRow(int(row[0]), row[1], json.loads(row[2]), json.loads(row[3]))


def generation_number(db) -> int | None:
    """Only the number: one b-tree look-up, what a read transaction checks when it starts."""
    try:
        row = db.execute("SELECT number FROM generation WHERE id = 1").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    return None if row is None else int(row[0])


def write_generation(db, row: GenerationRow) -> None:
    db.execute(GENERATION_SCHEMA)
    db.execute(
        "INSERT OR REPLACE INTO generation (id, number, manifest, vector_files, previous_vector_files) "
        "VALUES (1, ?, ?, ?, ?)",
        (row.number, row.manifest, json.dumps(row.vector_files), json.dumps(row.previous_vector_files)),
    )
