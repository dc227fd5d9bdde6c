"""Bring an index up to date with files on disk: read, chunk, embed only what is new.

Documents are keyed by a hash of their extracted text, so the same content at two
locations is stored and embedded once; chunk vectors are keyed by a hash of the
chunk text, so an edited document re-embeds only the chunks that changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from index.boilerplate import DEFAULT_MIN_DOCUMENTS
from index.directory import IndexDirectory, Snapshot
from index.embedder import Embedder
from index.pipeline import EmbeddingPipeline, text_hash
from index.manifest import FORMAT_VERSION, Manifest, library_versions, now_iso
from index.migrations import ALL_MIGRATIONS
from ingest.chunking import Chunk, Chunker
from ingest.discover import discover
from ingest.documents import Document, Skipped
from ingest.errors import SkippedFile
from ingest.foi.annotate import annotate as annotate_foi
from ingest.ocr.options import OcrOptions
from ingest.ocr.recognise import PageTally
from ingest.readers import ZipLimits, read_file

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total); stages: scanning, reading, ocr (pages), embedding, writing."""


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
        }


@dataclass
class UpdateOptions:
    chunk_tokens: int
    chunk_overlap: int
    max_file_bytes: int
    batch_size: int
    lock_timeout: float
    sync: bool = False
    boilerplate_min_documents: int = DEFAULT_MIN_DOCUMENTS
    ann_threshold: int = 200_000
    zip_limits: ZipLimits | None = None
    ocr: OcrOptions | None = None  # None: the readers' defaults (OCR on, no cache)


def prune_orphans(snapshot: Snapshot) -> tuple[int, int]:
    """Delete documents no location refers to, and vectors no chunk refers to (from FAISS
    too); returns how many of each."""
    store = snapshot.store
    documents = store.orphan_documents()
    for doc_id in documents:
        store.delete_document(doc_id)
    vectors = store.orphan_vectors()
    snapshot.vectors.remove(vectors)
    store.delete_vectors(vectors)
    return len(documents), len(vectors)


def finish_write(
    snapshot: Snapshot, min_documents: int = DEFAULT_MIN_DOCUMENTS, ann_threshold: int | None = None
) -> dict[str, int]:
    """The last step of every write: prune orphans, fit the vector index to the new
    size (flat or approximate; see `VectorIndex.fit`), recount boilerplate, merge the lexical
    index, record the counts."""
    prune_orphans(snapshot)
    if ann_threshold is not None and snapshot.vectors.fit(ann_threshold):
        logger.info("moved %d vectors into a new %s index", len(snapshot.vectors), snapshot.vectors.kind)
    snapshot.store.refresh_boilerplate(min_documents)
    snapshot.store.optimize_lexical()
    counts = snapshot.store.counts()
    snapshot.manifest.documents = counts["documents"]
    snapshot.manifest.chunks = counts["chunks"]
    snapshot.manifest.vectors = counts["vectors"]
    snapshot.manifest.updated_at = now_iso()
    return counts


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def doc_id_for(document: Document) -> str:
    return document.content_hash[:16]


def _noop(stage: str, done: int, total: int) -> None:
    pass


def update_index(
    directory: IndexDirectory,
    paths: Iterable[Path],
    embedder: Embedder,
    options: UpdateOptions,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest `paths` into the index at `directory`, creating it if needed.

    Args:
        directory: The index directory.
        paths: Files and folders to ingest (folders are walked recursively).
        embedder: The model that embeds new chunks.
        options: Chunking, limits and whether to remove vanished files (`sync`).
        progress: Optional callback for progress reporting.

    Returns:
        An IngestReport; bad files are listed in `skipped`, never raised.
    """
    progress = progress or _noop
    started = time.perf_counter()
    if options.ocr is not None and options.ocr.progress is None:
        # OCR reports pages, not files: its own bar, counted across the whole ingest.
        options = replace(options, ocr=replace(options.ocr, progress=PageTally(lambda d, t: progress("ocr", d, t))))
    # Stored locations are resolved absolute paths (ingest/discover.py); so are the roots --sync compares.
    roots = [Path(p).resolve() for p in paths]
    report = IngestReport()
    discovery = discover(roots)
    report.skipped.extend(discovery.skipped)
    report.files.extend(FileOutcome(s.path, "skipped", s.reason) for s in discovery.skipped)

    with directory.lock(options.lock_timeout):
        current = directory.open() if directory.exists() else None
        try:
            changed = _changed_files(current, discovery.files, report, progress)
            vanished = _vanished_files(current, roots, discovery.files) if options.sync else []
        finally:
            if current is not None:
                current.close()
        if current is not None and not changed and not vanished:
            report.documents = current.manifest.documents
            report.chunks = current.manifest.chunks
            report.seconds = time.perf_counter() - started
            return report

        new_manifest = None
        if current is None:
            created = now_iso()
            new_manifest = Manifest(
                format_version=FORMAT_VERSION,
                generation=0,
                model=embedder.model_id,
                dimension=embedder.dimension,
                max_tokens=embedder.max_tokens,
                chunk_tokens=min(options.chunk_tokens, embedder.max_tokens),
                chunk_overlap=options.chunk_overlap,
                created_at=created,
                updated_at=created,
                migrations=list(ALL_MIGRATIONS),
                backend=getattr(embedder, "backend", "torch"),
            )
        with directory.write(new_manifest) as snapshot:
            chunker = Chunker(
                embedder.count_tokens,
                chunk_tokens=snapshot.manifest.chunk_tokens,
                chunk_overlap=snapshot.manifest.chunk_overlap,
                max_tokens=embedder.max_tokens,
            )
            _apply(snapshot, changed, vanished, chunker, embedder, options, report, progress)
            with snapshot.store.transaction():
                counts = finish_write(snapshot, options.boilerplate_min_documents, options.ann_threshold)
            snapshot.manifest.versions = library_versions()
            progress("writing", 1, 1)
        report.documents = counts["documents"]
        report.chunks = counts["chunks"]
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _ChangedFile:
    path: Path
    key: str
    size: int
    mtime_ns: int
    sha256: str


def _changed_files(current: Snapshot | None, files: list[Path], report: IngestReport, progress: Progress) -> list[_ChangedFile]:
    changed = []
    for done, path in enumerate(files, 1):
        key = str(path)
        try:
            stat = path.stat()
        except OSError as exc:
            report.skipped.append(Skipped(key, f"cannot read file: {exc.strerror}"))
            report.files.append(FileOutcome(key, "skipped", f"cannot read file: {exc.strerror}"))
            continue
        signature = current.store.file_signature(key) if current else None
        if signature and signature[0] == stat.st_size and signature[1] == stat.st_mtime_ns:
            report.unchanged += max(1, len(current.store.locations_of_file(key)))
            report.files.append(FileOutcome(key, "unchanged"))
            progress("scanning", done, len(files))
            continue
        try:
            sha = file_sha256(path)
        except OSError as exc:
            report.skipped.append(Skipped(key, f"cannot read file: {exc.strerror}"))
            report.files.append(FileOutcome(key, "skipped", f"cannot read file: {exc.strerror}"))
            continue
        if signature and signature[2] == sha:
            report.unchanged += max(1, len(current.store.locations_of_file(key)))
            report.files.append(FileOutcome(key, "unchanged"))
            # Only the timestamp moved: record it so the next scan is cheap.
            changed.append(_ChangedFile(path, key, stat.st_size, stat.st_mtime_ns, sha))
            continue
        changed.append(_ChangedFile(path, key, stat.st_size, stat.st_mtime_ns, sha))
        progress("scanning", done, len(files))
    return changed


def _vanished_files(current: Snapshot | None, roots: list[Path], files: list[Path]) -> list[str]:
    if current is None:
        return []
    present = {str(p) for p in files}
    vanished = []
    for key in current.store.known_files():
        if key in present or os.path.exists(key):
            continue
        if any(_is_under(key, root) for root in roots):
            vanished.append(key)
    return vanished


def _is_under(key: str, root: Path) -> bool:
    path = Path(key)
    return path == root or root in path.parents


def _apply(
    snapshot: Snapshot,
    changed: list[_ChangedFile],
    vanished: list[str],
    chunker: Chunker,
    embedder: Embedder,
    options: UpdateOptions,
    report: IngestReport,
    progress: Progress,
) -> None:
    store = snapshot.store
    now = now_iso()
    new_documents: dict[str, tuple[Document, list[Chunk]]] = {}
    pipeline = EmbeddingPipeline(
        embedder,
        known_ids=store.vector_ids_for,
        batch_size=options.batch_size,
        progress=lambda done, total: progress("embedding", done, total),
    )
    try:
        _read_changed(snapshot, changed, vanished, chunker, pipeline, options, report, progress, now, new_documents)
        vectors = pipeline.finish()
    finally:
        pipeline.close()
    with store.transaction():
        _store_new_documents(snapshot, new_documents, pipeline, vectors, report, now)


def _read_changed(snapshot, changed, vanished, chunker, pipeline, options, report, progress, now, new_documents):
    """Read changed files, record their locations, and hand new chunks to the pipeline."""
    store = snapshot.store
    with store.transaction():
        for done, item in enumerate(changed, 1):
            progress("reading", done, len(changed))
            signature = store.file_signature(item.key)
            if signature and signature[2] == item.sha256:
                store.set_file_signature(item.key, item.size, item.mtime_ns, item.sha256)
                continue
            try:
                result = read_file(
                    item.path, max_bytes=options.max_file_bytes, zip_limits=options.zip_limits, ocr=options.ocr
                )
            except SkippedFile as exc:
                # Keep whatever an earlier, readable version of the file contributed.
                report.skipped.append(Skipped(item.key, exc.reason))
                report.files.append(FileOutcome(item.key, "skipped", exc.reason))
                continue
            report.skipped.extend(result.skipped)
            # FOI fields, per file: a mailbox's messages are one thread (ingest/foi/annotate.py).
            annotate_foi(result.documents)
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
                    chunks = chunker.chunk(document)
                    new_documents[doc_id] = (document, chunks)
                    pipeline.add(chunk.text for chunk in chunks)
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

        for key in vanished:
            report.removed += len(store.locations_of_file(key))
            report.files.append(FileOutcome(key, "removed"))
            store.forget_file(key)


def _store_new_documents(snapshot, new_documents, pipeline, vectors, report, now) -> None:
    """Give new texts vector ids (in submission order), then store documents and chunks."""
    store = snapshot.store
    next_id = store.next_vector_id()
    new_ids = {key: next_id + i for i, (key, _) in enumerate(pipeline.order)}
    if new_ids:
        snapshot.vectors.add(
            np.vstack([vectors[key] for key, _ in pipeline.order]), np.asarray(list(new_ids.values()), dtype=np.int64)
        )
        for (key, text), vector_id in zip(pipeline.order, new_ids.values()):
            store.add_vector(vector_id, key, text)
    report.embedded += len(new_ids)
    ids = {**pipeline.known, **new_ids}
    for doc_id, (document, chunks) in new_documents.items():
        store.add_document(doc_id, document, now)
        store.add_chunks(doc_id, chunks, [ids[text_hash(c.text)] for c in chunks])
