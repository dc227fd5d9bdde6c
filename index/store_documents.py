"""The documents side of `index.store.Store`: documents, their locations on disk and file signatures."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

from index.records import DocumentHead, DocumentText, Location, StoredDocument
from ingest.documents import Document, Page


def _page_row(page: Page) -> list[int]:
    # An OCRed page gains a fourth element; a page without one (every page of an index
    # written before OCR) is read as not OCRed, so the format is unchanged.
    return [page.number, page.start, page.end, 1] if page.ocr else [page.number, page.start, page.end]


def _pages_from_json(pages: str) -> list[Page]:
    return [Page(row[0], row[1], row[2], ocr=len(row) > 3 and bool(row[3])) for row in json.loads(pages)]


def _ocr_pages(pages: str) -> frozenset[int]:
    # Most documents have no OCRed page: skip parsing their page table.
    return frozenset(p.number for p in _pages_from_json(pages) if p.ocr) if ", 1]" in pages else frozenset()


def _part_key(part: str | None) -> str:
    return part or ""


class DocumentTable:
    """Documents (full extracted text, pages, metadata), locations and file signatures.

    Mixed into `Store`, which provides `_db` (the connection) and `_rows_in`.
    """

    _db: sqlite3.Connection

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
                json.dumps([_page_row(p) for p in document.pages]),
                json.dumps(document.metadata, ensure_ascii=False),
                now,
                now,
            ),
        )
        if document.rows:
            self.add_table_rows(doc_id, document.rows)

    def touch_document(self, doc_id: str, now: str) -> None:
        self._db.execute("UPDATE documents SET updated_at = ? WHERE doc_id = ?", (now, doc_id))

    def document(self, doc_id: str) -> StoredDocument | None:
        row = self._db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        return self._stored_document(row)

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
            "SELECT d.doc_id, d.kind, d.title, d.text, d.metadata, l.path, l.part, d.pages FROM documents d "
            "LEFT JOIN locations l ON l.rowid = (SELECT rowid FROM locations WHERE doc_id = d.doc_id "
            "ORDER BY path, part LIMIT 1) WHERE d.doc_id IN ({marks})",
            doc_ids,
        )
        return {
            doc_id: DocumentText(
                doc_id, kind, title, text, json.loads(metadata), Location(path or "", part or None),
                ocr_pages=_ocr_pages(pages),
            )
            for doc_id, kind, title, text, metadata, path, part, pages in rows
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
            pages=_pages_from_json(row["pages"]),
            metadata=json.loads(row["metadata"]),
            locations=locations,
            added_at=row["added_at"],
            updated_at=row["updated_at"],
        )

    def delete_document(self, doc_id: str) -> None:
        self.delete_table_rows(doc_id)
        self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def orphan_documents(self) -> list[str]:
        rows = self._db.execute(
            "SELECT doc_id FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM locations)"
        )
        return [row[0] for row in rows]

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
