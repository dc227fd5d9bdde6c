"""Named, ordered migrations of the index format, applied as one new generation (after m007's
change of layout, which `upgrade` does first).

Each migration brings a store written by an older format up to date; the
manifest records which ones have run. Add new ones at the end, never reorder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from index import legacy_layout
from index.boilerplate import DEFAULT_MIN_DOCUMENTS
from index.directory import IndexDirectory, Snapshot
from index.manifest import FORMAT_VERSION, now_iso

logger = logging.getLogger(__name__)


def m001_initial(snapshot: Snapshot) -> None:
    """Format 1: documents, locations, files, vectors and chunks (nothing to change)."""


def m002_passage_fts(snapshot: Snapshot) -> None:
    """A BM25 (SQLite FTS5) index of every distinct chunk text, for hybrid search."""
    store = snapshot.store
    missing = store.vectors_without_passages()
    texts = store.texts_of_vectors(missing)
    for vector_id in missing:
        store.add_passage(vector_id, texts[vector_id])
    logger.info("indexed %d passages for lexical search", len(missing))


def m003_boilerplate(snapshot: Snapshot) -> None:
    """Sentence keys of every passage and per-passage boilerplate shares."""
    store = snapshot.store
    store.index_missing_sentences()
    store.refresh_boilerplate(DEFAULT_MIN_DOCUMENTS)


def m004_absolute_locations(snapshot: Snapshot) -> None:
    """Locations become absolute, resolved paths; relative ones are rewritten where verified.

    No index recorded the directory it was ingested from, so a relative path is
    tried against the current directory and the index directory's parent, and
    taken where the file there has the recorded SHA-256. The rest stay as they
    were, and `foi check` says so.
    """
    from index.locations import absolutize  # locations -> update -> migrations

    index_root = snapshot.path.resolve()
    rewritten, left = absolutize(snapshot.store, [Path.cwd(), index_root.parent])
    logger.info("made %d relative locations absolute", rewritten)
    if left:
        logger.warning(
            "%d relative locations could not be verified from here and were left as they are "
            "(`foi check` lists them; `foi relocate OLD NEW` rewrites them)", len(left)
        )


def m005_term_counts(snapshot: Snapshot) -> None:
    """Precomputed document frequencies of every FTS5 term (`index.term_counts`), filled in one pass."""
    snapshot.store.fill_term_counts()


def m006_case_tables(snapshot: Snapshot) -> None:
    """Cases stored at ingest (`index.case_tables`): every location grouped into its case once."""
    from index.case_tables import refresh_cases

    logger.info("grouped documents into cases: %s", refresh_cases(snapshot.store, everything=True))


def m007_in_place_store(snapshot: Snapshot) -> None:
    """Format 7: one store written in place (WAL) and vector files named by its generation row.

    A change of layout, not of the store's tables: `upgrade` runs `index.legacy_layout.convert`
    before any other pending migration, since the others open the index in the new layout.
    """


def m008_chunk_context(snapshot: Snapshot) -> None:
    """Format 8: the passage index gets a `context` column (what each chunk was embedded with,
    `ingest.context`). Existing chunks keep none, and the manifest's `chunk_context` stays "none"
    so that later ingests embed alike; `foi rebuild` re-chunks and re-embeds with context."""
    copied = snapshot.store.add_context_column()
    logger.info("passage index rebuilt with a context column (%d passages, none with context yet)", copied)


def m009_vector_shards(snapshot: Snapshot) -> None:
    """Format 9: the vector base is id-range shards (`index/vector_shards.py`), which format 8 cannot
    read. A format-8 base is a valid one-shard state; one that holds more than twice a shard's
    capacity (more than 2,716 flat or 10,280 ivf-sq8 vectors at 384 dimensions) is split now, in
    this one write, so that no later rewrite of its deleted vectors writes it whole."""
    if snapshot.vectors.reshard():
        logger.info("split the vector base into %d shards", len(snapshot.vectors.shard_sizes()))


MIGRATIONS: list[tuple[str, Callable[[Snapshot], None]]] = [
    ("m001_initial", m001_initial),
    ("m002_passage_fts", m002_passage_fts),
    ("m003_boilerplate", m003_boilerplate),
    ("m004_absolute_locations", m004_absolute_locations),
    ("m005_term_counts", m005_term_counts),
    ("m006_case_tables", m006_case_tables),
    ("m007_in_place_store", m007_in_place_store),
    ("m008_chunk_context", m008_chunk_context),
    ("m009_vector_shards", m009_vector_shards),
]
ALL_MIGRATIONS = [name for name, _ in MIGRATIONS]


def pending(applied: list[str]) -> list[str]:
    return [name for name in ALL_MIGRATIONS if name not in applied]


def upgrade(directory: IndexDirectory, *, lock_timeout: float) -> list[str]:
    """Apply pending migrations to the index at `directory`; returns their names."""
    with directory.lock(lock_timeout):
        manifest = directory.read_manifest()
        todo = pending(manifest.migrations)
        if not todo and manifest.format_version == FORMAT_VERSION:
            return []
        if legacy_layout.NAME in todo:
            legacy_layout.convert(directory)
        with directory.write() as snapshot:
            with snapshot.store.transaction():
                for name, migration in MIGRATIONS:
                    if name in todo and name != legacy_layout.NAME:
                        logger.info("upgrading index %s: %s", directory.root, name)
                        migration(snapshot)
                        snapshot.manifest.migrations.append(name)
            snapshot.manifest.format_version = FORMAT_VERSION
            snapshot.manifest.updated_at = now_iso()
    return todo
