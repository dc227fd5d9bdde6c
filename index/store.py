"""SQLite store of documents, their locations on disk, chunks and vector ids."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from index.boilerplate import REFRESH_SQL, sentence_keys
from index.passages import LexicalIndex
from index.records import DocumentHead, DocumentText, Location, StoredChunk, StoredDocument
from ingest.chunking import Chunk
from ingest.documents import Document, Page

SCHEMA_VERSION = 1
BOILERPLATE_IN_MEMORY = 200_000
"""A committed generation with at most this many boilerplate passages keeps their table in memory."""
CHUNKS_IN_MEMORY = 50_000
"""... and with at most this many chunks, its chunk table: read at the first search (for the 6,130
chunks of the Sheffield corpus, about 20 ms and 2.4 MB), it saves that search's chunk look-ups."""

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


def _part_key(part: str | None) -> str:
    return part or ""


class Store(LexicalIndex):
    """Documents, locations, chunks and vector ids in one SQLite file.

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
        uri = f"file:{path}?mode=ro&immutable=1" if readonly else f"file:{path}"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        if not readonly:
            self._db.executescript(SCHEMA)
            self._db.commit()

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def transaction(self) -> sqlite3.Connection:
        """A context manager that commits on success and rolls back on error."""
        return self._db

    # Documents -----------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone() is not None

    def add_document(self, doc_id: str, document: Document, now: str) -> None:
        self._db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc_id,
                document.kind,
                document.title,
                document.text,
                json.dumps([[p.number, p.start, p.end] for p in document.pages]),
                json.dumps(document.metadata, ensure_ascii=False),
                now,
                now,
            ),
        )

    def touch_document(self, doc_id: str, now: str) -> None:
        self._db.execute("UPDATE documents SET updated_at = ? WHERE doc_id = ?", (now, doc_id))

    def document(self, doc_id: str) -> StoredDocument | None:
        row = self._db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        return self._stored_document(row)

    def _rows_in(self, sql: str, values: Iterable) -> Iterator[sqlite3.Row]:
        """Rows of `sql`, whose `{marks}` stands for the distinct `values`, asked in batches
        (SQLite caps the number of parameters of one statement)."""
        distinct = list(dict.fromkeys(values))
        for begin in range(0, len(distinct), 500):
            batch = distinct[begin : begin + 500]
            yield from self._db.execute(sql.format(marks=",".join("?" * len(batch))), batch)

    def documents(self, doc_ids: Iterable[str]) -> dict[str, StoredDocument]:
        ids = list(dict.fromkeys(doc_ids))
        locations = self._locations_of(ids)
        return {
            row["doc_id"]: self._stored_document(row, locations[row["doc_id"]])
            for row in self._rows_in("SELECT * FROM documents WHERE doc_id IN ({marks})", ids)
        }

    def document_texts(self, doc_ids: Iterable[str]) -> dict[str, DocumentText]:
        # The first location in (path, part) order, as StoredDocument.location; (path, part) is unique.
        rows = self._rows_in(
            "SELECT d.doc_id, d.kind, d.title, d.text, d.metadata, l.path, l.part FROM documents d "
            "LEFT JOIN locations l ON l.rowid = (SELECT rowid FROM locations WHERE doc_id = d.doc_id "
            "ORDER BY path, part LIMIT 1) WHERE d.doc_id IN ({marks})",
            doc_ids,
        )
        return {
            doc_id: DocumentText(doc_id, kind, title, text, json.loads(metadata), Location(path or "", part or None))
            for doc_id, kind, title, text, metadata, path, part in rows
        }

    def _locations_of(self, doc_ids: list[str]) -> dict[str, list[Location]]:
        locations: dict[str, list[Location]] = {doc_id: [] for doc_id in doc_ids}
        for doc_id, path, part in self._rows_in(
            "SELECT doc_id, path, part FROM locations WHERE doc_id IN ({marks}) ORDER BY path, part", doc_ids
        ):
            locations[doc_id].append(Location(path, part or None))
        return locations

    def iter_documents(self) -> Iterator[StoredDocument]:
        for row in self._db.execute("SELECT * FROM documents ORDER BY added_at, doc_id"):
            yield self._stored_document(row)

    def document_heads(self, doc_ids: Iterable[str]) -> dict[str, DocumentHead]:
        """Kind, metadata and locations of each document, without reading texts."""
        ids = list(dict.fromkeys(doc_ids))
        locations = self._locations_of(ids)
        return {
            row["doc_id"]: DocumentHead(row["doc_id"], row["kind"], json.loads(row["metadata"]), locations[row["doc_id"]])
            for row in self._rows_in("SELECT doc_id, kind, metadata FROM documents WHERE doc_id IN ({marks})", ids)
        }

    def metadata_of(self, doc_id: str) -> dict | None:
        row = self._db.execute("SELECT metadata FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_metadata(self, doc_id: str, metadata: dict) -> None:
        self._db.execute(
            "UPDATE documents SET metadata = ? WHERE doc_id = ?", (json.dumps(metadata, ensure_ascii=False), doc_id)
        )

    def iter_metadata(self) -> Iterator[tuple[str, str, dict]]:
        """(doc_id, first path, metadata) of every document, without loading texts."""
        rows = self._db.execute(
            "SELECT d.doc_id, MIN(l.path) AS path, d.metadata FROM documents d "
            "JOIN locations l ON l.doc_id = d.doc_id GROUP BY d.doc_id ORDER BY d.doc_id"
        )
        for row in rows:
            yield row["doc_id"], row["path"], json.loads(row["metadata"])

    def _stored_document(self, row: sqlite3.Row, locations: list[Location] | None = None) -> StoredDocument:
        if locations is None:
            locations = self._locations_of([row["doc_id"]])[row["doc_id"]]
        return StoredDocument(
            doc_id=row["doc_id"],
            kind=row["kind"],
            title=row["title"],
            text=row["text"],
            pages=[Page(n, s, e) for n, s, e in json.loads(row["pages"])],
            metadata=json.loads(row["metadata"]),
            locations=locations,
            added_at=row["added_at"],
            updated_at=row["updated_at"],
        )

    def delete_document(self, doc_id: str) -> None:
        self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def orphan_documents(self) -> list[str]:
        rows = self._db.execute(
            "SELECT doc_id FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM locations)"
        )
        return [row[0] for row in rows]

    # Locations and files -------------------------------------------------
    def location_doc(self, path: str, part: str | None) -> str | None:
        row = self._db.execute(
            "SELECT doc_id FROM locations WHERE path = ? AND part = ?", (path, _part_key(part))
        ).fetchone()
        return row[0] if row else None

    def set_location(self, path: str, part: str | None, doc_id: str) -> None:
        self._db.execute(
            "INSERT INTO locations VALUES (?, ?, ?) ON CONFLICT(path, part) DO UPDATE SET doc_id = excluded.doc_id",
            (path, _part_key(part), doc_id),
        )

    def locations_of_file(self, path: str) -> dict[str | None, str]:
        rows = self._db.execute("SELECT part, doc_id FROM locations WHERE path = ?", (path,))
        return {(row[0] or None): row[1] for row in rows}

    def delete_location(self, path: str, part: str | None) -> None:
        self._db.execute("DELETE FROM locations WHERE path = ? AND part = ?", (path, _part_key(part)))

    def known_files(self) -> list[str]:
        rows = self._db.execute("SELECT path FROM files UNION SELECT path FROM locations")
        return [row[0] for row in rows]

    def file_signature(self, path: str) -> tuple[int, int, str] | None:
        row = self._db.execute("SELECT size, mtime_ns, sha256 FROM files WHERE path = ?", (path,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def set_file_signature(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        self._db.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
            "size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256",
            (path, size, mtime_ns, sha256),
        )

    def forget_file(self, path: str) -> None:
        self._db.execute("DELETE FROM files WHERE path = ?", (path,))
        self._db.execute("DELETE FROM locations WHERE path = ?", (path,))

    # Chunks and vectors --------------------------------------------------
    def vector_ids_for(self, text_hashes: Iterable[str]) -> dict[str, int]:
        rows = self._rows_in("SELECT text_hash, vector_id FROM vectors WHERE text_hash IN ({marks})", text_hashes)
        return {row[0]: row[1] for row in rows}

    def add_vector(self, vector_id: int, text_hash: str, text: str) -> None:
        """Record a chunk text's vector id, index it for BM25, and note its sentences."""
        self._db.execute("INSERT INTO vectors VALUES (?, ?)", (vector_id, text_hash))
        self.add_passage(vector_id, text)

    def refresh_boilerplate(self, min_documents: int) -> None:
        """Recount in how many documents each sentence occurs, and each chunk's boilerplate share."""
        for statement in REFRESH_SQL.split(";"):
            if statement.strip():
                self._db.execute(statement, {"min_documents": min_documents})

    def boilerplate_of(self, vector_ids: Iterable[int]) -> dict[int, tuple[float, str]]:
        """(ratio, signature) for the given vector ids that carry boilerplate."""
        if self._readonly:
            if self._boilerplate is None:
                self._boilerplate = self._all_boilerplate()
            if self._boilerplate is not False:
                return {v: self._boilerplate[v] for v in vector_ids if v in self._boilerplate}
        rows = self._rows_in(
            "SELECT vector_id, ratio, signature FROM boilerplate WHERE vector_id IN ({marks})", (int(v) for v in vector_ids)
        )
        return {row[0]: (float(row[1]), row[2] or "") for row in rows}

    def _all_boilerplate(self) -> dict[int, tuple[float, str]] | bool:
        """The whole boilerplate table, for a committed generation to keep in memory; False when it
        is too large to be worth holding (then each search asks SQLite for its candidates)."""
        if self._db.execute("SELECT COUNT(*) FROM boilerplate").fetchone()[0] > BOILERPLATE_IN_MEMORY:
            return False
        rows = self._db.execute("SELECT vector_id, ratio, signature FROM boilerplate")
        return {row[0]: (float(row[1]), row[2] or "") for row in rows}

    def next_vector_id(self) -> int:
        row = self._db.execute("SELECT COALESCE(MAX(vector_id), -1) + 1 FROM vectors").fetchone()
        return int(row[0])

    def add_chunks(self, doc_id: str, chunks: list[Chunk], vector_ids: list[int]) -> None:
        self._db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (doc_id, c.seq, c.start, c.end, c.page_start, c.page_end, vid)
                for c, vid in zip(chunks, vector_ids, strict=True)
            ],
        )

    def orphan_vectors(self) -> list[int]:
        rows = self._db.execute(
            "SELECT vector_id FROM vectors WHERE vector_id NOT IN (SELECT vector_id FROM chunks)"
        )
        return [row[0] for row in rows]

    def delete_vectors(self, vector_ids: list[int]) -> None:
        self._db.executemany("DELETE FROM vectors WHERE vector_id = ?", [(v,) for v in vector_ids])
        self._db.executemany("DELETE FROM passages WHERE rowid = ?", [(v,) for v in vector_ids])
        self._db.executemany("DELETE FROM vector_sentences WHERE vector_id = ?", [(v,) for v in vector_ids])

    def index_missing_sentences(self) -> int:
        """Record the sentence keys of passages that have none yet (indexes from before m003)."""
        rows = self._db.execute(
            "SELECT rowid, text FROM passages WHERE rowid NOT IN (SELECT DISTINCT vector_id FROM vector_sentences)"
        ).fetchall()
        for vector_id, text in rows:
            self._db.executemany(
                "INSERT INTO vector_sentences VALUES (?, ?, ?)",
                [(vector_id, key, chars) for key, chars in sentence_keys(text)],
            )
        return len(rows)

    def add_passage(self, vector_id: int, text: str) -> None:
        self._db.execute("INSERT INTO passages(rowid, text) VALUES (?, ?)", (vector_id, text))
        self._db.executemany(
            "INSERT INTO vector_sentences VALUES (?, ?, ?)",
            [(vector_id, key, chars) for key, chars in sentence_keys(text)],
        )

    def chunks_for_vectors(self, vector_ids: Iterable[int]) -> dict[int, list[StoredChunk]]:
        """The chunks that carry each vector (one, or more when documents share a passage)."""
        if self._readonly:
            if self._chunks is None:
                self._chunks = self._all_chunks()
            if self._chunks is not False:
                return {v: [StoredChunk(*row) for row in self._chunks[v]] for v in vector_ids if v in self._chunks}
        found: dict[int, list[StoredChunk]] = {}
        rows = self._rows_in(
            "SELECT doc_id, seq, start, end, page_start, page_end, vector_id FROM chunks "
            "WHERE vector_id IN ({marks}) ORDER BY doc_id, seq",
            (int(v) for v in vector_ids),
        )
        for row in rows:
            found.setdefault(row[6], []).append(StoredChunk(*row))
        return found

    def _all_chunks(self) -> dict[int, list[tuple]] | bool:
        """Every chunk's row by vector id, for a committed generation small enough to hold them
        in memory (see CHUNKS_IN_MEMORY); False otherwise."""
        if self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] > CHUNKS_IN_MEMORY:
            return False
        found: dict[int, list[tuple]] = {}
        # In table order (an ORDER BY would walk the primary-key index and look up every row);
        # the few vectors shared by several chunks are put in (doc_id, seq) order after.
        for row in self._db.execute("SELECT doc_id, seq, start, end, page_start, page_end, vector_id FROM chunks"):
            found.setdefault(row[6], []).append(row)
        for rows in found.values():
            if len(rows) > 1:
                rows.sort(key=lambda row: (row[0], row[1]))
        return found

    def sentence_document_counts(self, hashes: Iterable[str]) -> dict[str, int]:
        """In how many documents each normalised sentence (`index.boilerplate.sentence_keys`) occurs."""
        rows = self._rows_in("SELECT hash, documents FROM sentence_documents WHERE hash IN ({marks})", hashes)
        return {row[0]: int(row[1]) for row in rows}

    def stored_passages_covering(self, doc_id: str, start: int, end: int) -> list[tuple[int, int, str]]:
        """(chunk start, chunk end, passage text) of every chunk of `doc_id` overlapping
        [start, end), read fresh from the chunks and the lexical passages tables.

        The passage text is the copy written when the chunk was indexed, independent
        of `documents.text`: quoting code cuts from the latter, verification reads this.
        """
        rows = self._db.execute(
            "SELECT c.start, c.end, p.text FROM chunks c JOIN passages p ON p.rowid = c.vector_id "
            "WHERE c.doc_id = ? AND c.start < ? AND c.end > ? ORDER BY c.start",
            (doc_id, end, start),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        rows = self._db.execute("SELECT * FROM chunks WHERE doc_id = ? ORDER BY seq", (doc_id,))
        return [StoredChunk(**dict(row)) for row in rows]

    def all_vector_ids(self) -> list[int]:
        return [row[0] for row in self._db.execute("SELECT vector_id FROM vectors ORDER BY vector_id")]

    def locations_matching(self, target: str) -> list[tuple[str, str | None]]:
        """Locations of a doc_id, a file path, or every file under a folder path."""
        rows = self._db.execute("SELECT path, part FROM locations WHERE doc_id = ?", (target,)).fetchall()
        if not rows:
            folder = target.rstrip("/") + "/"
            rows = self._db.execute(
                "SELECT path, part FROM locations WHERE path = ? OR substr(path, 1, ?) = ?",
                (target, len(folder), folder),
            ).fetchall()
        return [(row[0], row[1] or None) for row in rows]

    def copy_sources_from(self, other: Path) -> None:
        """Copy documents, locations and file signatures (not chunks) from another store."""
        with self._db:
            self._db.execute("ATTACH DATABASE ? AS old", (f"file:{other}?mode=ro",))
        try:
            with self._db:
                for table in ("documents", "locations", "files"):
                    self._db.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")
        finally:
            self._db.execute("DETACH DATABASE old")

    def vectors_missing_from(self, present: set[int]) -> list[int]:
        return [vector_id for vector_id in self.all_vector_ids() if vector_id not in present]

    def texts_of_vectors(self, vector_ids: list[int]) -> dict[int, str]:
        texts = {}
        for vector_id, chunks in self.chunks_for_vectors(vector_ids).items():
            chunk = chunks[0]
            document = self.document(chunk.doc_id)
            texts[vector_id] = document.text[chunk.start : chunk.end]
        return texts

    def bad_spans(self) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM chunks JOIN documents USING (doc_id) "
            "WHERE chunks.start < 0 OR chunks.end > length(documents.text) OR chunks.start >= chunks.end"
        ).fetchone()
        return int(row[0])

    def chunk_counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT doc_id, COUNT(*) FROM chunks GROUP BY doc_id")
        return {row[0]: int(row[1]) for row in rows}

    # Counts ----------------------------------------------------------------
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
