"""Migration m007's work: an index in the layout of one directory per generation (formats 1-6)
becomes the in-place layout (`index.directory`), without copying the store where it can help it.

Steps, each safe to be killed in: the current generation's store is hard-linked (copied if the
file system cannot link) to `<index>/store.sqlite`; in one transaction there, switched to WAL,
the generation row is written naming the FAISS file rewritten as `vectors/gNNNNNN.faiss` (the
next generation number). That COMMIT is the conversion's commit point: until it, the old
generation is untouched and a new attempt starts over; after it, manifest.json is rewritten and
the old generation directories are removed.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3

from index.damage import generation_damage
from index.directory import STORE_NAME, VECTORS_NAME, IndexDirectory, _fsync_folder
from index.errors import IndexFormatError
from index.generation_row import GenerationRow
from index.manifest import Manifest
from index.store import Store
from index.vectors import VectorIndex

logger = logging.getLogger(__name__)

NAME = "m007_in_place_store"


def convert(directory: IndexDirectory) -> bool:
    """Convert the index at `directory` (writer lock held); False if it was converted already."""
    root = directory.root
    if directory.committed() is None:
        manifest = directory.read_manifest_file()
        generation = root / manifest.generation_name
        damage = generation_damage(generation)
        if damage:
            raise IndexFormatError(
                f"cannot convert {root} to the in-place layout: generation {generation.name} is damaged "
                f"({damage}); run `foi check --repair` with the previous version, or re-ingest"
            )
        for leftover in (STORE_NAME, STORE_NAME + "-wal", STORE_NAME + "-shm"):  # an attempt killed before its commit
            (root / leftover).unlink(missing_ok=True)
        try:
            os.link(generation / STORE_NAME, directory.store_path)
        except OSError:
            source = sqlite3.connect(f"file:{generation / STORE_NAME}?mode=ro", uri=True)
            target = sqlite3.connect(directory.store_path)
            source.backup(target)
            source.close()
            target.close()
        number = manifest.generation + 1
        manifest.generation = number
        if NAME not in manifest.migrations:
            manifest.migrations.append(NAME)
        store = Store(directory.store_path)
        try:
            vectors = VectorIndex.load(generation / VECTORS_NAME)
            names = vectors.write_files(directory.vectors_folder, number)
            _fsync_folder(directory.vectors_folder)
            manifest.vector_index = vectors.kind
            store.record_generation(GenerationRow(number, manifest.to_json(), names, []))
            store.commit()
        finally:
            store.close()
        logger.info("converted %s to the in-place layout at generation %s", root, manifest.generation_name)
        converted = True
    else:
        converted = False
    row = directory.committed()
    Manifest.from_json(row.manifest, directory.store_path).write(root)
    for old in root.glob("g[0-9][0-9][0-9][0-9][0-9][0-9]*"):
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return converted
