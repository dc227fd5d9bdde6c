"""What a write changed, noted as it happens, so that the end of a write costs the change.

Every write ends by deleting documents no location names and vectors no chunk uses, and by
regrouping the cases of the locations it touched. Finding those by scanning reads every document,
vector, location and case member (about 5 s at a million chunks, profiled with
`benchmarks/store_commit.py --profile`); yet a document can only become an orphan when it is added
or loses a location, a vector only when it is added or loses a chunk, and a case can only change
through a location whose row changed. Likewise the counts a commit records (documents, chunks,
vectors) are the previous generation's plus the rows this write inserted minus those it deleted:
three `COUNT(*)`s read every b-tree page of their tables (0.8 s at a million chunks with a cold
page cache, `benchmarks/store_commit.py --profile`). The writer's connection carries TEMP triggers that note
those candidates and the touched location paths, and the end of the write looks only at them.
Every commit goes through `finish_write`, which prunes and regroups, so nothing outlives the write
that changed it; `foi check` still looks at everything (`Store.orphan_documents` / `orphan_vectors`),
and `check --repair` prunes everything.
"""

from __future__ import annotations

import sqlite3

# Not INSERT OR IGNORE: inside a trigger, the outer statement's conflict policy overrides the
# trigger's own (an upsert into locations would make a second OR IGNORE of the same path fail).
TRACKING_SQL = """
CREATE TEMP TABLE IF NOT EXISTS candidate_documents (doc_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS candidate_vectors (vector_id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS touched_paths (path TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TRIGGER IF NOT EXISTS path_added AFTER INSERT ON main.locations BEGIN
    INSERT INTO touched_paths SELECT NEW.path
        WHERE NOT EXISTS (SELECT 1 FROM touched_paths WHERE path = NEW.path);
END;
CREATE TEMP TRIGGER IF NOT EXISTS path_removed AFTER DELETE ON main.locations BEGIN
    INSERT INTO touched_paths SELECT OLD.path
        WHERE NOT EXISTS (SELECT 1 FROM touched_paths WHERE path = OLD.path);
END;
CREATE TEMP TRIGGER IF NOT EXISTS path_changed AFTER UPDATE ON main.locations BEGIN
    INSERT INTO touched_paths SELECT OLD.path
        WHERE NOT EXISTS (SELECT 1 FROM touched_paths WHERE path = OLD.path);
    INSERT INTO touched_paths SELECT NEW.path
        WHERE NOT EXISTS (SELECT 1 FROM touched_paths WHERE path = NEW.path);
END;
CREATE TEMP TRIGGER IF NOT EXISTS orphan_document_added AFTER INSERT ON main.documents BEGIN
    INSERT INTO candidate_documents SELECT NEW.doc_id
        WHERE NOT EXISTS (SELECT 1 FROM candidate_documents WHERE doc_id = NEW.doc_id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS orphan_location_removed AFTER DELETE ON main.locations BEGIN
    INSERT INTO candidate_documents SELECT OLD.doc_id
        WHERE NOT EXISTS (SELECT 1 FROM candidate_documents WHERE doc_id = OLD.doc_id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS orphan_location_changed AFTER UPDATE OF doc_id ON main.locations BEGIN
    INSERT INTO candidate_documents SELECT OLD.doc_id
        WHERE NOT EXISTS (SELECT 1 FROM candidate_documents WHERE doc_id = OLD.doc_id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS orphan_vector_added AFTER INSERT ON main.vectors BEGIN
    INSERT INTO candidate_vectors SELECT NEW.vector_id
        WHERE NOT EXISTS (SELECT 1 FROM candidate_vectors WHERE vector_id = NEW.vector_id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS orphan_chunk_removed AFTER DELETE ON main.chunks BEGIN
    INSERT INTO candidate_vectors SELECT OLD.vector_id
        WHERE NOT EXISTS (SELECT 1 FROM candidate_vectors WHERE vector_id = OLD.vector_id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS orphan_chunk_changed AFTER UPDATE OF vector_id ON main.chunks BEGIN
    INSERT INTO candidate_vectors SELECT OLD.vector_id
        WHERE NOT EXISTS (SELECT 1 FROM candidate_vectors WHERE vector_id = OLD.vector_id);
END;
"""

COUNTED = ("documents", "chunks", "vectors")
# The rows each write inserted minus those it deleted, per counted table (see the module docstring).
COUNTING_SQL = (
    "CREATE TEMP TABLE IF NOT EXISTS row_changes (name TEXT PRIMARY KEY, delta INTEGER NOT NULL) WITHOUT ROWID;\n"
    + "".join(f"INSERT OR IGNORE INTO row_changes VALUES ('{table}', 0);\n" for table in COUNTED)
    + "".join(
        f"CREATE TEMP TRIGGER IF NOT EXISTS count_{table}_{event} AFTER {verb} ON main.{table} BEGIN\n"
        f"    UPDATE row_changes SET delta = delta {sign} 1 WHERE name = '{table}';\nEND;\n"
        for table in COUNTED
        for event, verb, sign in (("added", "INSERT", "+"), ("removed", "DELETE", "-"))
    )
)


def start_tracking(db) -> None:
    """Install the candidate tables and triggers on a writer's connection."""
    db.executescript(TRACKING_SQL + COUNTING_SQL)  # the WriteConnection's: statement by statement, inside its transaction


def orphan_documents(db: sqlite3.Connection) -> list[str]:
    """Documents this write added or took a location from that no location names now."""
    rows = db.execute(
        "SELECT c.doc_id FROM temp.candidate_documents c"
        " WHERE EXISTS (SELECT 1 FROM main.documents d WHERE d.doc_id = c.doc_id)"
        " AND NOT EXISTS (SELECT 1 FROM main.locations l WHERE l.doc_id = c.doc_id)"
    ).fetchall()
    db.execute("DELETE FROM temp.candidate_documents")
    return [row[0] for row in rows]


def orphan_vectors(db: sqlite3.Connection) -> list[int]:
    """Vectors this write added or took a chunk from that no chunk uses now."""
    rows = db.execute(
        "SELECT c.vector_id FROM temp.candidate_vectors c"
        " WHERE EXISTS (SELECT 1 FROM main.vectors v WHERE v.vector_id = c.vector_id)"
        " AND NOT EXISTS (SELECT 1 FROM main.chunks k WHERE k.vector_id = c.vector_id)"
    ).fetchall()
    db.execute("DELETE FROM temp.candidate_vectors")
    return [row[0] for row in rows]


def count_changes(db) -> dict[str, int]:
    """Rows this write added minus rows it deleted, per counted table, since the last call."""
    changes = {name: int(delta) for name, delta in db.execute("SELECT name, delta FROM temp.row_changes")}
    db.execute("UPDATE temp.row_changes SET delta = 0")
    return changes


def touched_paths(db: sqlite3.Connection) -> list[str]:
    """The location paths this write inserted, deleted or changed since the last call."""
    paths = [row[0] for row in db.execute("SELECT path FROM temp.touched_paths").fetchall()]
    db.execute("DELETE FROM temp.touched_paths")
    return paths
