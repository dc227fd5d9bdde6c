"""Index maintenance: remove documents, rebuild from stored text, check and repair."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from index.boilerplate import DEFAULT_MIN_DOCUMENTS
from index.damage import store_damage
from index.directory import STORE_NAME, VECTORS_FOLDER, IndexDirectory, Snapshot
from index.embedder import Embedder
from index.errors import IndexFormatError, IndexNotFound
from index.foi_fields import reannotate
from index.locations import absolute_path, location_notes
from index.manifest import MANIFEST_NAME, Manifest, library_versions, now_iso
from index.update import Progress, _noop, chunker_for, finish_write, prune_orphans, text_hash
from index.vectors import VectorIndex
from ingest.context import embedded_text

logger = logging.getLogger(__name__)


@dataclass
class RemoveReport:
    """Documents whose locations were removed, and targets that matched nothing."""

    removed: int = 0
    not_found: list[str] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0

    def to_dict(self) -> dict:
        return {"removed": self.removed, "not_found": self.not_found, "documents": self.documents, "chunks": self.chunks}


def remove_documents(
    directory: IndexDirectory,
    targets: list[str],
    *,
    lock_timeout: float,
    boilerplate_min_documents: int = DEFAULT_MIN_DOCUMENTS,
    ann_threshold: int | None = None,
) -> RemoveReport:
    """Remove documents by doc_id, file path, or folder path (everything under it).

    Their vectors are deleted from FAISS, not only hidden.
    """
    report = RemoveReport()
    with directory.lock(lock_timeout):
        with directory.write() as snapshot:
            store = snapshot.store
            with store.transaction():
                for target in targets:
                    locations = store.locations_matching(target) or store.locations_matching(absolute_path(target))
                    if not locations:
                        report.not_found.append(target)
                        continue
                    for path, part in locations:
                        store.delete_location(path, part)
                        report.removed += 1
                    for path in {path for path, _ in locations}:
                        if not store.locations_of_file(path):
                            store.forget_file(path)
                counts = finish_write(snapshot, boilerplate_min_documents, ann_threshold)
    report.documents, report.chunks = counts["documents"], counts["chunks"]
    return report


def rebuild_index(
    directory: IndexDirectory,
    embedder: Embedder,
    *,
    chunk_tokens: int,
    chunk_overlap: int,
    batch_size: int,
    lock_timeout: float,
    progress: Progress | None = None,
    boilerplate_min_documents: int = DEFAULT_MIN_DOCUMENTS,
    ann_threshold: int = 200_000,
    chunk_context: str | None = None,
) -> dict[str, int]:
    """Re-chunk and re-embed every stored document, e.g. after a model or chunking change,
    and re-extract their FOI fields with the current rules (`foi_updated` counts the
    documents whose fields changed).

    Uses the stored document text, so the original files need not exist any more.
    """
    progress = progress or _noop
    with directory.lock(lock_timeout):
        old = directory.read_manifest()
        fresh = Manifest(
            format_version=old.format_version,
            generation=0,
            model=embedder.model_id,
            dimension=embedder.dimension,
            max_tokens=embedder.max_tokens,
            chunk_tokens=min(chunk_tokens, embedder.max_tokens),
            chunk_overlap=chunk_overlap,
            created_at=old.created_at,
            updated_at=now_iso(),
            migrations=list(old.migrations),
            backend=getattr(embedder, "backend", "torch"),
            chunk_context=old.chunk_context if chunk_context is None else chunk_context,
        )
        # In place, in the writer's one transaction: readers keep the old chunks until the COMMIT.
        with directory.write(fresh) as snapshot:
            store = snapshot.store
            with store.transaction():
                store.clear_derived()
                store.add_context_column()  # what m008 does, for an index rebuilt before it upgrades
                foi_updated = reannotate(store, progress)
            chunker = chunker_for(fresh, embedder)
            documents = list(store.iter_documents())
            chunked = []
            for done, stored in enumerate(documents, 1):
                progress("chunking", done, len(documents))
                document = stored.as_document()
                document.rows = store.table_rows(stored.doc_id)  # a spreadsheet is cut between rows again
                chunked.append((stored.doc_id, chunker.chunk(document)))
            unique = {text_hash(c.embedded_text): c for _, chunks in chunked for c in chunks}
            ids = {h: i for i, h in enumerate(unique)}
            vectors = embedder.embed(
                [c.embedded_text for c in unique.values()],
                batch_size=batch_size,
                progress=lambda done, total: progress("embedding", done, total),
            )
            with store.transaction():
                snapshot.vectors.add(vectors, np.arange(len(unique), dtype=np.int64))
                for h, vector_id in ids.items():
                    store.add_vector(vector_id, h, unique[h].text, unique[h].context)
                for doc_id, chunks in chunked:
                    store.add_chunks(doc_id, chunks, [ids[text_hash(c.embedded_text)] for c in chunks])
                counts = finish_write(snapshot, boilerplate_min_documents, ann_threshold, full_boilerplate=True)
                snapshot.manifest.versions = library_versions()
            progress("writing", 1, 1)
    return {**counts, "foi_updated": foi_updated}


@dataclass
class CheckReport:
    """Problems found in an index, and what `repair` fixed."""

    problems: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    vectors: int = 0
    remaining: list[str] | None = None  # after a repair: what a fresh inspection still finds

    @property
    def ok(self) -> bool:
        return not (self.problems if self.remaining is None else self.remaining)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "repaired": self.repaired,
            "notes": self.notes,
            "documents": self.documents,
            "chunks": self.chunks,
            "vectors": self.vectors,
        }


def check_index(
    directory: IndexDirectory,
    *,
    repair: bool = False,
    embedder_factory=None,
    lock_timeout: float = 10.0,
    boilerplate_min_documents: int = DEFAULT_MIN_DOCUMENTS,
) -> CheckReport:
    """Verify manifest vs FAISS vs SQLite; with `repair`, fix what can be fixed.

    Args:
        directory: The index directory.
        repair: Restore a lost manifest, drop orphaned vectors and documents, and
            re-embed chunks whose vectors are missing.
        embedder_factory: Callable(model_id) -> Embedder, used only to re-embed.
        lock_timeout: Seconds to wait for another writer.
        boilerplate_min_documents: The boilerplate threshold to recount with after a repair.
    """
    report = CheckReport()
    if not directory.root.is_dir():
        raise IndexNotFound(f"no index at {directory.root}")
    if directory.is_legacy():
        report.problems.append("the index is in the layout before format 7 (one directory per generation); "
                               "opening it with foi upgrades it (migration m007_in_place_store)")
        return report
    if not directory.store_path.is_file():
        report.problems.append(f"{STORE_NAME} is missing; re-ingest the documents")
        return report
    damage = store_damage(directory.store_path)
    if damage:
        report.problems.append(f"{STORE_NAME} is damaged ({damage})")
        report.notes.append("a damaged store cannot be repaired in place; re-ingest the documents into a new "
                            "index (foi ingest PATH --index NEW_DIR)")
        return report
    row = directory.committed()
    if row is None:
        report.problems.append(f"{STORE_NAME} holds no committed generation; re-ingest the documents")
        return report
    if _check_manifest_file(directory, row, report, repair, lock_timeout):
        report.remaining = []
    vectors = _check_vector_files(directory, row, report, repair, embedder_factory, lock_timeout, boilerplate_min_documents)
    if vectors == "lost":
        return report  # nothing to compare the store with
    if vectors == "repaired":
        report.remaining = []

    snapshot = directory.open()
    try:
        problems = _inspect(snapshot)
        report.notes.extend(location_notes(snapshot.store))
    finally:
        snapshot.close()
    report.problems.extend(problems)
    if problems and repair:
        with directory.lock(lock_timeout):
            with directory.write() as writable:
                # Orphans first: a vector row no chunk uses has no text to index or re-embed.
                pruned_documents, pruned_vectors = prune_orphans(writable, everything=True)
                if pruned_documents or pruned_vectors:
                    report.repaired.append(
                        f"removed {pruned_documents} orphaned documents and {pruned_vectors} unused vectors"
                    )
                missing = writable.store.vectors_missing_from(set(writable.vectors.ids().tolist()))
                extra = sorted(set(writable.vectors.ids().tolist()) - set(writable.store.all_vector_ids()))
                unindexed = writable.store.vectors_without_passages()
                if unindexed:
                    texts = writable.store.texts_of_vectors(unindexed)
                    for vector_id in unindexed:
                        writable.store.add_passage(vector_id, texts[vector_id])
                    report.repaired.append(f"indexed {len(unindexed)} passages for lexical search")
                if extra:
                    writable.vectors.remove(extra)
                    report.repaired.append(f"removed {len(extra)} orphaned vectors from FAISS")
                if missing:
                    if embedder_factory is None:
                        raise IndexFormatError("re-embedding missing vectors needs the model")
                    embedder = embedder_factory(writable.manifest.model)
                    texts = writable.store.texts_of_vectors(missing)
                    contexts = writable.store.passage_contexts(missing)
                    vectors = embedder.embed([embedded_text(contexts.get(v, ""), texts[v]) for v in missing])
                    writable.vectors.add(vectors, np.asarray(missing, dtype=np.int64))
                    report.repaired.append(f"re-embedded {len(missing)} chunks whose vectors were missing")
                # A repair cannot trust stored counts: recount boilerplate over everything.
                finish_write(writable, boilerplate_min_documents, full_boilerplate=True)
                report.repaired.append("recounted documents, chunks and vectors in the manifest")
        after = directory.open()
        try:
            remaining = _inspect(after)
        finally:
            after.close()
        report.remaining = remaining
        if remaining:
            report.problems.extend(f"still wrong after repair: {p}" for p in remaining)
    final = directory.open()
    try:
        counts = final.store.counts()
        report.documents, report.chunks, report.vectors = counts["documents"], counts["chunks"], len(final.vectors)
    finally:
        final.close()
    return report


def _inspect(snapshot: Snapshot) -> list[str]:
    problems = []
    store, manifest = snapshot.store, snapshot.manifest
    counts = store.counts()
    faiss_ids = set(snapshot.vectors.ids().tolist())
    stored_ids = set(store.all_vector_ids())
    if len(snapshot.vectors) != manifest.vectors or counts["vectors"] != manifest.vectors:
        problems.append(
            f"vector counts disagree: manifest {manifest.vectors}, FAISS {len(snapshot.vectors)}, SQLite {counts['vectors']}"
        )
    if counts["documents"] != manifest.documents or counts["chunks"] != manifest.chunks:
        problems.append(
            f"manifest counts {manifest.documents} documents / {manifest.chunks} chunks, "
            f"SQLite holds {counts['documents']} / {counts['chunks']}"
        )
    if faiss_ids - stored_ids:
        problems.append(f"{len(faiss_ids - stored_ids)} orphaned vectors in FAISS (no chunk refers to them)")
    if stored_ids - faiss_ids:
        problems.append(f"{len(stored_ids - faiss_ids)} chunks' vectors are missing from FAISS")
    orphans = store.orphan_vectors()
    if orphans:
        problems.append(f"{len(orphans)} vectors recorded in SQLite that no chunk uses")
    if counts["passages"] != counts["vectors"]:
        problems.append(f"lexical index holds {counts['passages']} passages for {counts['vectors']} vectors")
    unlike = store.passages_unlike_vectors()
    if unlike:
        problems.append(
            f"{unlike} passages whose text and context are not what their vector was embedded from "
            "(`foi rebuild` re-embeds them)"
        )
    bad_spans = store.bad_spans()
    if bad_spans:
        problems.append(f"{bad_spans} chunks whose span lies outside their document's text")
    if snapshot.vectors.dimension != manifest.dimension:
        problems.append(f"FAISS dimension {snapshot.vectors.dimension} != manifest {manifest.dimension}")
    return problems


def _check_manifest_file(directory: IndexDirectory, row, report: CheckReport, repair: bool, lock_timeout: float) -> bool:
    """Is manifest.json the store's current manifest? With `repair`, rewrite it; True if that repaired a problem."""
    try:
        written = directory.read_manifest_file()
        if written.generation == row.number:
            return False
        # Not damage: the store is the truth, and a writer killed after its COMMIT leaves this.
        report.notes.append(
            f"{MANIFEST_NAME} names generation {written.generation_name}, the store holds g{row.number:06d} "
            "(a writer stopped between its commit and the manifest; --repair or the next write rewrites it)"
        )
        stale = True
    except (IndexNotFound, IndexFormatError) as exc:
        report.problems.append(f"manifest: {exc}")
        stale = False
    if not repair:
        return False
    with directory.lock(lock_timeout):  # a writer rewrites it too, after its commit
        row = directory.committed()
        Manifest.from_json(row.manifest, directory.store_path).write(directory.root)
    report.repaired.append(f"restored {MANIFEST_NAME} from {STORE_NAME} (generation g{row.number:06d})")
    return not stale


def _check_vector_files(directory, row, report, repair, embedder_factory, lock_timeout, min_documents) -> str:
    """Are the generation's vector files there and loadable ("ok")? With `repair`, re-embed every
    chunk from its stored text when they are not ("repaired"; else "lost"), and delete files nothing names."""
    named = set(row.vector_files) | set(row.previous_vector_files)
    folder = directory.vectors_folder
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.name not in named:
            report.notes.append(f"{VECTORS_FOLDER}/{path.name} is named by no generation (left by an interrupted writer)")
            if repair:
                path.unlink(missing_ok=True)
                report.repaired.append(f"removed {VECTORS_FOLDER}/{path.name}")
    try:
        VectorIndex.open_files(folder, row.vector_files)
        return "ok"
    except (FileNotFoundError, RuntimeError):
        report.problems.append(
            f"the vector files of generation g{row.number:06d} ({', '.join(row.vector_files)}) are missing or damaged"
        )
    if not repair:
        return "lost"
    if embedder_factory is None:
        raise IndexFormatError("re-embedding lost vectors needs the model")
    with directory.lock(lock_timeout):
        with directory.write(Manifest.from_json(row.manifest, directory.store_path)) as writable:
            ids = writable.store.all_vector_ids()
            texts = writable.store.texts_of_vectors(ids)
            embedder = embedder_factory(writable.manifest.model)
            if ids:
                writable.vectors.add(embedder.embed([texts[v] for v in ids]), np.asarray(ids, dtype=np.int64))
            with writable.store.transaction():
                finish_write(writable, min_documents, full_boilerplate=True)
    report.repaired.append(f"re-embedded {len(ids)} chunks whose vector files were lost")
    return "repaired"
