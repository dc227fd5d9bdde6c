"""Boilerplate recounted in proportion to a write, not to the collection.

The writer's connection carries TEMP triggers that note which vectors gained or
lost a chunk or a sentence key and which sentence hashes they touched. At the
end of a write only those hashes are recounted, and only the passages whose
share can have moved are rescored: the changed vectors themselves, plus every
passage holding a sentence whose boilerplate status (>= `min_documents`
documents) flipped. The result is the same as `REFRESH_SQL` over everything
(tests/test_boilerplate_delta.py compares them), at the cost of the change.
"""

from __future__ import annotations

import sqlite3

from index.boilerplate import REFRESH_SQL

STATE_SCHEMA = """
CREATE INDEX IF NOT EXISTS vector_sentences_hash ON vector_sentences(hash);
CREATE TABLE IF NOT EXISTS boilerplate_state (min_documents INTEGER NOT NULL);
"""

TRACKING_SQL = """
CREATE TEMP TABLE IF NOT EXISTS dirty_hashes (hash TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS dirty_vectors (vector_id INTEGER PRIMARY KEY);
CREATE TEMP TRIGGER IF NOT EXISTS track_chunk_added AFTER INSERT ON main.chunks BEGIN
    INSERT OR IGNORE INTO dirty_vectors VALUES (NEW.vector_id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS track_chunk_removed AFTER DELETE ON main.chunks BEGIN
    INSERT OR IGNORE INTO dirty_vectors VALUES (OLD.vector_id);
    INSERT OR IGNORE INTO dirty_hashes SELECT hash FROM main.vector_sentences WHERE vector_id = OLD.vector_id;
END;
CREATE TEMP TRIGGER IF NOT EXISTS track_chunk_changed AFTER UPDATE OF doc_id, vector_id ON main.chunks BEGIN
    INSERT OR IGNORE INTO dirty_vectors VALUES (OLD.vector_id);
    INSERT OR IGNORE INTO dirty_vectors VALUES (NEW.vector_id);
    INSERT OR IGNORE INTO dirty_hashes SELECT hash FROM main.vector_sentences WHERE vector_id = OLD.vector_id;
END;
CREATE TEMP TRIGGER IF NOT EXISTS track_sentence_added AFTER INSERT ON main.vector_sentences BEGIN
    INSERT OR IGNORE INTO dirty_vectors VALUES (NEW.vector_id);
    INSERT OR IGNORE INTO dirty_hashes VALUES (NEW.hash);
END;
CREATE TEMP TRIGGER IF NOT EXISTS track_sentence_removed AFTER DELETE ON main.vector_sentences BEGIN
    INSERT OR IGNORE INTO dirty_vectors VALUES (OLD.vector_id);
    INSERT OR IGNORE INTO dirty_hashes VALUES (OLD.hash);
END;
"""

DELTA_SQL = """
DROP TABLE IF EXISTS temp.affected_hashes;
CREATE TEMP TABLE affected_hashes (hash TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT OR IGNORE INTO affected_hashes SELECT hash FROM dirty_hashes;
INSERT OR IGNORE INTO affected_hashes
    SELECT hash FROM main.vector_sentences WHERE vector_id IN (SELECT vector_id FROM dirty_vectors);
DROP TABLE IF EXISTS temp.old_counts;
CREATE TEMP TABLE old_counts AS
    SELECT hash, documents FROM main.sentence_documents WHERE hash IN (SELECT hash FROM affected_hashes);
DELETE FROM main.sentence_documents WHERE hash IN (SELECT hash FROM affected_hashes);
INSERT INTO main.sentence_documents (hash, documents)
    SELECT vs.hash, COUNT(DISTINCT c.doc_id)
    FROM main.vector_sentences vs JOIN main.chunks c ON c.vector_id = vs.vector_id
    WHERE vs.hash IN (SELECT hash FROM affected_hashes)
    GROUP BY vs.hash;
DROP TABLE IF EXISTS temp.rescored;
CREATE TEMP TABLE rescored (vector_id INTEGER PRIMARY KEY);
INSERT OR IGNORE INTO rescored SELECT vector_id FROM dirty_vectors;
INSERT OR IGNORE INTO rescored
    SELECT vs.vector_id FROM main.vector_sentences vs
    WHERE vs.hash IN (
        SELECT a.hash FROM affected_hashes a
        LEFT JOIN old_counts o ON o.hash = a.hash
        LEFT JOIN main.sentence_documents n ON n.hash = a.hash
        WHERE (COALESCE(o.documents, 0) >= :min_documents) != (COALESCE(n.documents, 0) >= :min_documents)
    );
DELETE FROM main.boilerplate WHERE vector_id IN (SELECT vector_id FROM rescored);
INSERT INTO main.boilerplate (vector_id, ratio, signature)
    SELECT vs.vector_id,
           1.0 * SUM(CASE WHEN sd.documents >= :min_documents THEN vs.chars ELSE 0 END) / SUM(vs.chars),
           group_concat(CASE WHEN sd.documents >= :min_documents THEN vs.hash END, ',')
    FROM main.vector_sentences vs JOIN main.sentence_documents sd ON sd.hash = vs.hash
    WHERE vs.vector_id IN (SELECT vector_id FROM rescored)
    GROUP BY vs.vector_id
    HAVING SUM(CASE WHEN sd.documents >= :min_documents THEN vs.chars ELSE 0 END) > 0;
DROP TABLE temp.affected_hashes;
DROP TABLE temp.old_counts;
DROP TABLE temp.rescored;
DELETE FROM dirty_hashes;
DELETE FROM dirty_vectors;
"""


def start_tracking(db: sqlite3.Connection) -> None:
    """Install the change-tracking tables and triggers on a writer's connection."""
    db.executescript(STATE_SCHEMA + TRACKING_SQL)


def refresh(db: sqlite3.Connection, min_documents: int, *, full: bool = False) -> str:
    """Recount boilerplate after a write; returns "full" or "delta" (which way it went).

    A full recount runs when asked, when the threshold differs from the one the
    stored counts were made with, or when no earlier count is recorded (an index
    written before this module); otherwise only what the write touched.
    """
    row = db.execute("SELECT min_documents FROM boilerplate_state").fetchone()
    if full or row is None or int(row[0]) != min_documents:
        _run(db, REFRESH_SQL, min_documents)
        db.execute("DELETE FROM temp.dirty_hashes")
        db.execute("DELETE FROM temp.dirty_vectors")
        how = "full"
    else:
        _run(db, DELTA_SQL, min_documents)
        how = "delta"
    db.execute("DELETE FROM boilerplate_state")
    db.execute("INSERT INTO boilerplate_state VALUES (?)", (min_documents,))
    return how


def _run(db: sqlite3.Connection, script: str, min_documents: int) -> None:
    # executescript() would commit the writer's open transaction; statements run one by one.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement, {"min_documents": min_documents})
