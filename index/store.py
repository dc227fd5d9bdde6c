"""SQLite store of the index (one WAL-mode file, written in place): its schema and connections; the tables' methods live in
`store_documents` (documents, locations, files), `store_chunks` (chunks, vectors), `passages`
(FTS5, sentence keys, boilerplate) and `table_rows` (spreadsheet row maps)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from index import write_tracking
from index.boilerplate_delta import start_tracking
from index.case_tables import CASE_TABLES_SCHEMA
from index.generation_row import GENERATION_SCHEMA, GenerationRow, read_generation, write_generation
from index.passages import PassageIndex
from index.store_chunks import ChunkTable
from index.store_connections import PinnedConnections, WriteConnection
from index.store_documents import DocumentTable
from index.table_rows import TABLE_ROWS_SCHEMA, TableRowIndex
from index.term_counts import TERM_COUNTS_SCHEMA

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    pages TEXT NOT NULL,
    metadata TEXT NOT NULL,
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS locations (
    path TEXT NOT NULL,
    part TEXT NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    PRIMARY KEY (path, part)
);
CREATE INDEX IF NOT EXISTS locations_doc ON locations(doc_id);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS vectors (
    vector_id INTEGER PRIMARY KEY,
    text_hash TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS chunks (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    seq INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page_start INTEGER,
    page_end INTEGER,
    vector_id INTEGER NOT NULL REFERENCES vectors(vector_id),
    PRIMARY KEY (doc_id, seq)
);
CREATE INDEX IF NOT EXISTS chunks_vector ON chunks(vector_id);
CREATE TABLE IF NOT EXISTS vector_sentences (
    vector_id INTEGER NOT NULL,
    hash TEXT NOT NULL,
    chars INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS vector_sentences_vector ON vector_sentences(vector_id);
CREATE TABLE IF NOT EXISTS sentence_documents (hash TEXT PRIMARY KEY, documents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS boilerplate (
    vector_id INTEGER PRIMARY KEY,
    ratio REAL NOT NULL,
    signature TEXT
);
CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5(
    text, context, tokenize = 'unicode61 remove_diacritics 2'
);
"""


class Store(DocumentTable, ChunkTable, PassageIndex, TableRowIndex):
    """Documents, locations, chunks, vector ids and the passage index in one SQLite file.

    A writer's store runs everything in one transaction, committed by `commit()` (see
    `index.store_connections`); a `readonly` store is a snapshot whose connections all read one
    committed generation, so what it counts can be remembered for as long as it is open.
    """

    def __init__(self, path: Path, *, readonly: bool = False):
        self.path = path
        self._readonly = readonly
        self._clause_counts: dict[tuple[str, int], int] = {}
        self._boilerplate: dict[int, tuple[float, str]] | bool | None = None  # loaded on first use
        self._chunks: dict[int, list[tuple]] | bool | None = None  # likewise
        self._writer_db: WriteConnection | None = None
        self._pinned: PinnedConnections | None = None
        if readonly:
            self._pinned = PinnedConnections(f"file:{path}?mode=ro")
        else:
            self._writer_db = WriteConnection(path)
            self._writer_db.executescript(
                SCHEMA + TABLE_ROWS_SCHEMA + TERM_COUNTS_SCHEMA + CASE_TABLES_SCHEMA + GENERATION_SCHEMA
            )
            start_tracking(self._writer_db)
            write_tracking.start_tracking(self._writer_db)

    @property
    def _db(self):
        return self._writer_db if self._writer_db is not None else self._pinned

    @property
    def generation(self) -> int | None:
        """The generation a read snapshot sees (None for a writer, or a store without the row)."""
        return self._pinned.generation if self._pinned is not None else None

    def generation_row(self) -> GenerationRow | None:
        return read_generation(self._db)

    def record_generation(self, row: GenerationRow) -> None:
        write_generation(self._db, row)

    def pin(self) -> bool:
        """A snapshot: hold a read transaction again; False when the store has moved on."""
        return self._pinned.pin() if self._pinned is not None else True

    def unpin(self) -> None:
        """A snapshot: end its read transactions while nobody reads it (WAL checkpoints wait for them)."""
        if self._pinned is not None:
            self._pinned.unpin()

    def commit(self) -> None:
        """A writer: count the staged terms and COMMIT everything written since it opened."""
        self.flush_term_counts()
        self._writer_db.commit_transaction()

    def rollback(self) -> None:
        if self._writer_db is not None:
            self._writer_db.rollback_transaction()

    def checkpoint(self) -> tuple[int, int, int]:
        return self._writer_db.checkpoint()

    def close(self) -> None:
        """Close every connection (a writer's uncommitted changes are dropped); the caller makes
        sure that no thread is still reading."""
        if self._writer_db is not None:
            self._writer_db.close()
        if self._pinned is not None:
            self._pinned.close()

    def new_orphan_documents(self) -> list[str]:
        """A writer: documents this write left without a location (`index.write_tracking`)."""
        return write_tracking.orphan_documents(self._db)

    def new_orphan_vectors(self) -> list[int]:
        """A writer: vectors this write left without a chunk, deleted documents' included."""
        return write_tracking.orphan_vectors(self._db)

    def transaction(self):
        """A context manager: a savepoint inside the writer's transaction, undone on error."""
        return self._db

    def _rows_in(self, sql: str, values: Iterable) -> Iterator[sqlite3.Row]:
        """Rows of `sql`, whose `{marks}` stands for the distinct `values`, asked in batches
        (SQLite caps the number of parameters of one statement)."""
        distinct = list(dict.fromkeys(values))
        for begin in range(0, len(distinct), 500):
            batch = distinct[begin : begin + 500]
            yield from self._db.execute(sql.format(marks=",".join("?" * len(batch))), batch)












    # Locations and files -------------------------------------------------








    # Chunks and vectors --------------------------------------------------

    def clear_derived(self) -> None:
        """Delete everything made from the documents' text (chunks, vectors, passages, sentence keys,
        boilerplate, term counts), keeping documents, locations, files and row maps: a rebuild."""
        for table in ("chunks", "vectors", "passages", "vector_sentences", "sentence_documents", "boilerplate",
                      "boilerplate_state", "term_counts"):
            self._db.execute(f"DELETE FROM {table}")
        self._db.execute("DELETE FROM temp.dirty_hashes")
        self._db.execute("DELETE FROM temp.dirty_vectors")

    def write_counts(self, previous: dict[str, int]) -> dict[str, int]:
        """The counts a commit records (documents, chunks, vectors): `previous` (the last commit's)
        plus the rows inserted minus the rows deleted since, with no scan of any table."""
        changes = write_tracking.count_changes(self._db)
        return {name: previous[name] + changes[name] for name in write_tracking.COUNTED}

    def counts(self) -> dict[str, int]:
        if self._writer_db is not None:
            write_tracking.count_changes(self._db)  # this recount supersedes the write's noted changes
        one = lambda sql: int(self._db.execute(sql).fetchone()[0])  # noqa: E731
        return {
            "documents": one("SELECT COUNT(*) FROM documents"),
            "locations": one("SELECT COUNT(*) FROM locations"),
            "files": one("SELECT COUNT(DISTINCT path) FROM locations"),
            "chunks": one("SELECT COUNT(*) FROM chunks"),
            "vectors": one("SELECT COUNT(*) FROM vectors"),
            "passages": one("SELECT COUNT(*) FROM passages"),
        }
