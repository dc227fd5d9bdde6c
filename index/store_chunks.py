"""The chunks side of `index.store.Store`: chunks, their spans and the vector ids that embed them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from index.records import StoredChunk
from ingest.chunking import Chunk

CHUNKS_IN_MEMORY = 50_000
"""A committed generation with at most this many chunks keeps its chunk table in memory: read at the
first search (for the 6,130 chunks of the Sheffield corpus, about 20 ms and 2.4 MB), it saves that
search's chunk look-ups."""


class ChunkTable:
    """Chunks (document, sequence, span, pages) and the vector id of each chunk text.

    Mixed into `Store`, which provides `_db`, `_rows_in`, `_readonly`, `_chunks`, `document`
    `add_passage` and `remove_passages`.
    """

    _db: sqlite3.Connection
    _readonly: bool
    _chunks: dict[int, list[tuple]] | bool | None

    def vector_ids_for(self, text_hashes: Iterable[str]) -> dict[str, int]:
        rows = self._rows_in("SELECT text_hash, vector_id FROM vectors WHERE text_hash IN ({marks})", text_hashes)
        return {row[0]: row[1] for row in rows}

    def add_vector(self, vector_id: int, text_hash: str, text: str, context: str = "") -> None:
        """Record a chunk's vector id (`text_hash` of what was embedded: its context and text),
        index both for BM25, and note the text's sentences."""
        self._db.execute("INSERT INTO vectors VALUES (?, ?)", (vector_id, text_hash))
        self.add_passage(vector_id, text, context)

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
        self.remove_passages(vector_ids)

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

    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        rows = self._db.execute("SELECT * FROM chunks WHERE doc_id = ? ORDER BY seq", (doc_id,))
        return [StoredChunk(**dict(row)) for row in rows]

    def all_vector_ids(self) -> list[int]:
        return [row[0] for row in self._db.execute("SELECT vector_id FROM vectors ORDER BY vector_id")]

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
