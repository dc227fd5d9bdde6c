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
from dataclasses import dataclass, replace
from pathlib import Path

from index.boilerplate import DEFAULT_MIN_DOCUMENTS
from index.case_tables import refresh_cases
from index.directory import IndexDirectory, Snapshot
from index.embedder import Embedder
from index.ingest_steps import (  # re-exported: callers import the report types from here
    ChangedFile,
    FileOutcome,
    IngestReport,
    doc_id_for,
    read_document_file,
    record_file,
    record_same_content,
    record_skipped_file,
    record_vanished,
    store_new_documents,
)
from index.pipeline import EmbeddingPipeline, text_hash
from index.manifest import FORMAT_VERSION, Manifest, library_versions, now_iso
from index.migrations import ALL_MIGRATIONS
from ingest.chunking import Chunk, Chunker
from ingest.context import NO_CONTEXT
from ingest.discover import discover
from ingest.documents import Document, Skipped
from ingest.errors import SkippedFile
from ingest.ocr.options import OcrOptions
from ingest.ocr.recognise import PageTally
from ingest.readers import ZipLimits

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total); stages: scanning, reading, ocr (pages), embedding, writing."""


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
    chunk_context: str = NO_CONTEXT  # a new index's context scheme (ingest.context.SCHEMES)


def prune_orphans(snapshot: Snapshot, *, everything: bool = False) -> tuple[int, int]:
    """Delete documents no location refers to, and vectors no chunk refers to (from FAISS
    too); returns how many of each. Only what this write changed can have become an orphan
    (`index.write_tracking`), so only that is checked, unless `everything` (a repair)."""
    store = snapshot.store
    documents = store.orphan_documents() if everything else store.new_orphan_documents()
    for doc_id in documents:
        store.delete_document(doc_id)
    vectors = store.orphan_vectors() if everything else store.new_orphan_vectors()
    snapshot.vectors.remove(vectors)
    store.delete_vectors(vectors)
    return len(documents), len(vectors)


def finish_write(
    snapshot: Snapshot, min_documents: int = DEFAULT_MIN_DOCUMENTS, ann_threshold: int | None = None,
    *, full_boilerplate: bool = False,
) -> dict[str, int]:
    """The last step of every write: prune orphans, fit the vector index to the new
    size (flat or approximate; see `VectorIndex.fit`), recount boilerplate, merge the lexical
    index, regroup the cases the write touched, record the counts."""
    prune_orphans(snapshot)
    logger.debug("cases regrouped: %s", refresh_cases(snapshot.store))
    if ann_threshold is not None and snapshot.vectors.fit(ann_threshold):
        logger.info("moved %d vectors into a new %s index", len(snapshot.vectors), snapshot.vectors.kind)
    how = snapshot.store.refresh_boilerplate(min_documents, full=full_boilerplate)
    logger.debug("boilerplate recount: %s", how)
    snapshot.store.optimize_lexical()
    # A full recount (rebuild, repair) reports every count; an ordinary write the three it records.
    manifest = snapshot.manifest
    previous = {"documents": manifest.documents, "chunks": manifest.chunks, "vectors": manifest.vectors}
    counts = snapshot.store.counts() if full_boilerplate else snapshot.store.write_counts(previous)
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
    with directory.lock(options.lock_timeout):
        plan = plan_update(directory, roots, options, report, progress)
        if plan is None:
            report.seconds = time.perf_counter() - started
            return report
        changed, vanished, index_exists = plan
        new_manifest = None if index_exists else new_index_manifest(embedder, options)
        with directory.write(new_manifest) as snapshot:
            chunker = chunker_for(snapshot.manifest, embedder)
            _apply(snapshot, changed, vanished, chunker, embedder, options, report, progress)
            counts = finish_generation(snapshot, options)
            progress("writing", 1, 1)
        report.documents = counts["documents"]
        report.chunks = counts["chunks"]
    report.seconds = time.perf_counter() - started
    return report


def new_index_manifest(embedder: Embedder, options: UpdateOptions) -> Manifest:
    """The manifest of a new, empty index for `embedder` and the chunking in `options`."""
    created = now_iso()
    return Manifest(
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
        chunk_context=options.chunk_context,
    )


def chunker_for(manifest: Manifest, embedder: Embedder) -> Chunker:
    """The chunker an index uses: its recorded chunk size, overlap and context scheme, the model's tokens.

    An index keeps the scheme it was built with (one built before format 8 has "none"), so that one
    index never mixes two; `foi rebuild` with the `chunk_context` setting moves it to another.
    """
    return Chunker(
        embedder.count_tokens,
        chunk_tokens=manifest.chunk_tokens,
        chunk_overlap=manifest.chunk_overlap,
        max_tokens=embedder.max_tokens,
        context=getattr(manifest, "chunk_context", NO_CONTEXT),
    )


def finish_generation(snapshot: Snapshot, options: UpdateOptions) -> dict[str, int]:
    """`finish_write` in one transaction, and the library versions; the generation's counts."""
    with snapshot.store.transaction():
        counts = finish_write(snapshot, options.boilerplate_min_documents, options.ann_threshold)
    snapshot.manifest.versions = library_versions()
    return counts


def plan_update(
    directory: IndexDirectory, roots: list[Path], options: UpdateOptions, report: IngestReport, progress: Progress
) -> tuple[list[ChangedFile], list[str], bool] | None:
    """Discover files under `roots` and decide what changed (size, mtime, then hash), with the
    writer lock held. Returns (changed files, vanished keys, whether an index exists), or None
    when there is nothing to write (the report then carries the index's counts)."""
    discovery = discover(roots, skip_folders=[directory.root])
    report.skipped.extend(discovery.skipped)
    report.files.extend(FileOutcome(s.path, "skipped", s.reason) for s in discovery.skipped)
    current = directory.open(with_vectors=False) if directory.exists() else None
    try:
        changed = _changed_files(current, discovery.files, report, progress)
        vanished = _vanished_files(current, roots, discovery.files) if options.sync else []
        if current is not None and not changed and not vanished:
            report.documents = current.manifest.documents
            report.chunks = current.manifest.chunks
            return None
    finally:
        if current is not None:
            current.close()
    return changed, vanished, current is not None


def _changed_files(current: Snapshot | None, files: list[Path], report: IngestReport, progress: Progress) -> list[ChangedFile]:
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
            changed.append(ChangedFile(path, key, stat.st_size, stat.st_mtime_ns, sha, same_content=True))
            continue
        changed.append(ChangedFile(path, key, stat.st_size, stat.st_mtime_ns, sha))
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
    changed: list[ChangedFile],
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
        store_new_documents(snapshot, new_documents, pipeline.order, pipeline.known, vectors, report, now)


def _read_changed(snapshot, changed, vanished, chunker, pipeline, options, report, progress, now, new_documents):
    """Read changed files, record their locations, and hand new chunks to the pipeline."""
    store = snapshot.store

    def chunks_for(document: Document) -> list[Chunk]:
        chunks = chunker.chunk(document)
        pipeline.add(chunk.embedded_text for chunk in chunks)
        return chunks

    with store.transaction():
        for done, item in enumerate(changed, 1):
            progress("reading", done, len(changed))
            if record_same_content(store, item):
                continue
            try:
                result = read_document_file(
                    item.path, max_bytes=options.max_file_bytes, zip_limits=options.zip_limits, ocr=options.ocr
                )
            except SkippedFile as exc:
                record_skipped_file(item, exc.reason, report)
                continue
            record_file(store, item, result, new_documents, chunks_for, report, now)
        record_vanished(store, vanished, report)

