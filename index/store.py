"""SQLite store of one generation: its schema and connections; the tables' methods live in
`store_documents` (documents, locations, files), `store_chunks` (chunks, vectors), `passages`
(FTS5, sentence keys, boilerplate) and `table_rows` (spreadsheet row maps)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from index.boilerplate_delta import start_tracking
from index.case_tables import CASE_TABLES_SCHEMA
from index.passages import PassageIndex
from index.store_chunks import ChunkTable
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
    text, tokenize = 'unicode61 remove_diacritics 2'
);
"""


class Store(DocumentTable, ChunkTable, PassageIndex, TableRowIndex):
    """Documents, locations, chunks, vector ids and the passage index in one SQLite file.

    Writes happen inside `transaction()`; the index directory copies the file
    per generation, so a reader never sees a half-applied ingest.
    """

    def __init__(self, path: Path, *, readonly: bool = False):
        self.path = path
        # A read-only store is a committed generation, which never changes: what it
        # counts can be remembered for as long as it is open.
        self._readonly = readonly
        self._clause_counts: dict[tuple[str, int], int] = {}
        self._boilerplate: dict[int, tuple[float, str]] | bool | None = None  # loaded on first use
        self._chunks: dict[int, list[tuple]] | bool | None = None  # likewise
        self._uri = f"file:{path}?mode=ro&immutable=1" if readonly else f"file:{path}"
        # Threads that share one sqlite3 connection interleave its statements and reset each
        # other's ("abort due to ROLLBACK", rows missing), so a committed generation gives each
        # reading thread a connection of its own; a writer has one thread and one connection.
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._writer_db = None if readonly else self._connect()
        if not readonly:
            self._writer_db.executescript(SCHEMA + TABLE_ROWS_SCHEMA + TERM_COUNTS_SCHEMA + CASE_TABLES_SCHEMA)
            start_tracking(self._writer_db)
            self._writer_db.commit()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
        db.row_factory = sqlite3.Row
        with self._connections_lock:
            self._connections.append(db)
        return db

    @property
    def _db(self) -> sqlite3.Connection:
        if self._writer_db is not None:
            return self._writer_db
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def commit(self) -> None:
        self.flush_term_counts()
        self._db.commit()

    def close(self) -> None:
        """Close every connection; the caller makes sure that no thread is still reading."""
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()

    def transaction(self) -> sqlite3.Connection:
        """A context manager that commits on success and rolls back on error."""
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

    def copy_sources_from(self, other: Path) -> None:
        """Copy documents (with their row maps), locations and file signatures (not chunks) from another store."""
        with self._db:
            self._db.execute("ATTACH DATABASE ? AS old", (f"file:{other}?mode=ro",))
        try:
            with self._db:
                for table in ("documents", "locations", "files"):
                    self._db.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")
                if self._db.execute("SELECT 1 FROM old.sqlite_master WHERE name = 'table_rows'").fetchone():
                    self._db.execute("INSERT INTO table_rows SELECT * FROM old.table_rows")
        finally:
            self._db.execute("DETACH DATABASE old")

    def counts(self) -> dict[str, int]:
        one = lambda sql: int(self._db.execute(sql).fetchone()[0])  # noqa: E731
        return {
            "documents": one("SELECT COUNT(*) FROM documents"),
            "locations": one("SELECT COUNT(*) FROM locations"),
            "files": one("SELECT COUNT(DISTINCT path) FROM locations"),
            "chunks": one("SELECT COUNT(*) FROM chunks"),
            "vectors": one("SELECT COUNT(*) FROM vectors"),
            "passages": one("SELECT COUNT(*) FROM passages"),
        }
