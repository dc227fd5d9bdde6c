"""The steps of an ingest that a local and a distributed ingest share.

Reading one file (`read_document_file`), recording what it changed in the store
(`record_file` and its neighbours) and storing new documents with their vectors
(`store_new_documents`). `index.update` runs them in one process;
`index.distributed` reads and embeds on a Ray cluster and records on the driver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.directory import Snapshot
from index.pipeline import text_hash
from ingest.chunking import Chunk
from ingest.documents import Document, Skipped
from ingest.foi.annotate import annotate as annotate_foi
from ingest.ocr.options import OcrOptions
from ingest.readers import ReadResult, ZipLimits, read_file, read_file_bytes


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file: added, updated, unchanged, removed or skipped."""

    path: str
    status: str
    reason: str | None = None


@dataclass
class IngestReport:
    """What an ingest changed. Counts are of documents (a file, or a part of one);
    `files` says what happened to each file."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    files: list[FileOutcome] = field(default_factory=list)
    workers: int | None = None  # actors of a distributed ingest (index/distributed.py); None locally

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "documents": self.documents,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "seconds": round(self.seconds, 3),
            "files": [{"path": f.path, "status": f.status, "reason": f.reason} for f in self.files],
            **({} if self.workers is None else {"workers": self.workers}),
        }



def doc_id_for(document: Document) -> str:
    """A document's id: the start of its text hash."""
    return document.content_hash[:16]



def read_document_file(
    path: Path,
    *,
    max_bytes: int,
    data: bytes | None = None,
    zip_limits: ZipLimits | None = None,
    ocr: OcrOptions | None = None,
) -> ReadResult:
    """Read one file (from disk, or its already loaded `data`) and fill in its FOI fields.

    Raises:
        SkippedFile: The file as a whole cannot be ingested.
    """
    if data is None:
        result = read_file(path, max_bytes=max_bytes, zip_limits=zip_limits, ocr=ocr)
    else:
        result = read_file_bytes(data, path, zip_limits=zip_limits, ocr=ocr)
    # FOI fields, per file: a mailbox's messages are one thread (ingest/foi/annotate.py).
    annotate_foi(result.documents)
    return result


@dataclass
class ChangedFile:
    """A file whose size or timestamp differs from the indexed one."""

    path: Path
    key: str
    size: int
    mtime_ns: int
    sha256: str
    same_content: bool = False  # only the timestamp moved



def record_same_content(store, item: ChangedFile) -> bool:
    """If the file's bytes are the ones indexed (only its timestamp moved), record its new
    signature and return True: there is nothing to read."""
    signature = store.file_signature(item.key)
    if signature and signature[2] == item.sha256:
        store.set_file_signature(item.key, item.size, item.mtime_ns, item.sha256)
        return True
    return False


def record_skipped_file(item: ChangedFile, reason: str, report: IngestReport) -> None:
    # Keep whatever an earlier, readable version of the file contributed.
    report.skipped.append(Skipped(item.key, reason))
    report.files.append(FileOutcome(item.key, "skipped", reason))


def record_file(
    store,
    item: ChangedFile,
    result: ReadResult,
    new_documents: dict[str, tuple[Document, list[Chunk]]],
    chunks_for: Callable[[Document], list[Chunk]],
    report: IngestReport,
    now: str,
) -> None:
    """Record one read file in the store: its locations, metadata, signature and report counts.

    A document the index does not hold yet goes into `new_documents` with the chunks
    `chunks_for(document)` returns (the caller stores it once its vectors exist).
    """
    report.skipped.extend(result.skipped)
    previous = store.locations_of_file(item.key)
    was_known = bool(previous)
    changed_parts = 0
    for document in result.documents:
        doc_id = doc_id_for(document)
        before = previous.pop(document.part, None)
        if before == doc_id:
            report.unchanged += 1
            # Same text, but a new message in its thread can change its thread outcome.
            if store.metadata_of(doc_id) != document.metadata:
                store.set_metadata(doc_id, document.metadata)
            continue
        changed_parts += 1
        if not store.has_document(doc_id) and doc_id not in new_documents:
            new_documents[doc_id] = (document, chunks_for(document))
        elif store.has_document(doc_id):
            store.touch_document(doc_id, now)
        store.set_location(item.key, document.part, doc_id)
        if before is None:
            report.added += 1
        else:
            report.updated += 1
    for part in previous:
        store.delete_location(item.key, part)
        report.removed += 1
    changed_parts += len(previous)
    status = "updated" if was_known and changed_parts else "unchanged" if was_known else "added"
    reason = "; ".join(f"{s.path}: {s.reason}" for s in result.skipped) or None
    report.files.append(FileOutcome(item.key, status, reason))
    store.set_file_signature(item.key, item.size, item.mtime_ns, item.sha256)


def record_vanished(store, vanished: list[str], report: IngestReport) -> None:
    """Forget files that no longer exist (`--sync`)."""
    for key in vanished:
        report.removed += len(store.locations_of_file(key))
        report.files.append(FileOutcome(key, "removed"))
        store.forget_file(key)


def store_new_documents(
    snapshot: Snapshot,
    new_documents: dict[str, tuple[Document, list[Chunk]]],
    order: list[tuple[str, str]],
    known: dict[str, int],
    vectors: dict[str, np.ndarray],
    report: IngestReport,
    now: str,
) -> None:
    """Give new texts vector ids (in `order`, (hash, text) pairs), then store documents and chunks.

    `known` maps the hashes of texts the index already embeds to their vector ids;
    `vectors` maps each hash in `order` to its vector.
    """
    store = snapshot.store
    next_id = store.next_vector_id()
    new_ids = {key: next_id + i for i, (key, _) in enumerate(order)}
    if new_ids:
        snapshot.vectors.add(
            np.vstack([vectors[key] for key, _ in order]), np.asarray(list(new_ids.values()), dtype=np.int64)
        )
        # `order` holds what was embedded; the passage index keeps the chunk's text and context apart.
        passages = {text_hash(c.embedded_text): c for _, chunks in new_documents.values() for c in chunks}
        for (key, _), vector_id in zip(order, new_ids.values()):
            store.add_vector(vector_id, key, passages[key].text, passages[key].context)
    report.embedded += len(new_ids)
    ids = {**known, **new_ids}
    for doc_id, (document, chunks) in new_documents.items():
        store.add_document(doc_id, document, now)
        store.add_chunks(doc_id, chunks, [ids[text_hash(c.embedded_text)] for c in chunks])
