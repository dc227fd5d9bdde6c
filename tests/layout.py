"""Test helpers for the on-disk layout of an index (index/directory.py), and for damaging it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from index.vectors import VectorIndex


def store_path(root: Path) -> Path:
    return Path(root) / "store.sqlite"


def vector_files(root: Path) -> list[Path]:
    """The vector files the current generation names."""
    db = sqlite3.connect(store_path(root))
    try:
        names = json.loads(db.execute("SELECT vector_files FROM generation").fetchone()[0])
    finally:
        db.close()
    return [Path(root) / "vectors" / name for name in names]


def current_vectors(root: Path) -> VectorIndex:
    files = vector_files(root)
    return VectorIndex.open_files(files[0].parent, [f.name for f in files])


def replace_vectors(root: Path, vectors: VectorIndex) -> None:
    """Make the current generation name new files holding `vectors`: damage done behind the writer's back."""
    db = sqlite3.connect(store_path(root))
    try:
        number, manifest, old_names = db.execute("SELECT number, manifest, vector_files FROM generation").fetchone()
        # As if a generation had been committed naming these files (segment names carry their generation).
        names = vectors.write_files(Path(root) / "vectors", number + 1)
        manifest = json.loads(manifest)
        manifest["generation"] = number + 1
        with db:
            db.execute(
                "UPDATE generation SET number = ?, manifest = ?, vector_files = ?, previous_vector_files = ?",
                (number + 1, json.dumps(manifest), json.dumps(names), old_names),
            )
    finally:
        db.close()


def to_legacy_layout(root: Path, *, format_version: int = 5, migrations: list[str] | None = None) -> Path:
    """Lay the index at `root` out as formats 1-6 wrote it: `gNNNNNN/store.sqlite` (rollback
    journal, no generation row), `gNNNNNN/vectors.faiss`, its `generation.json` and a manifest.json
    naming it. Returns the generation directory."""
    root = Path(root)
    db = sqlite3.connect(store_path(root))
    number, manifest_json = db.execute("SELECT number, manifest FROM generation").fetchone()
    vectors = current_vectors(root)
    generation = root / f"g{number:06d}"
    generation.mkdir()
    old = sqlite3.connect(generation / "store.sqlite")
    db.backup(old)
    db.close()
    old.execute("PRAGMA journal_mode = DELETE")
    old.execute("DROP TABLE generation")
    old.commit()
    old.close()
    vectors.save(generation / "vectors.faiss")
    manifest = json.loads(manifest_json)
    manifest["format_version"] = format_version
    manifest["migrations"] = migrations or [m for m in manifest["migrations"] if m != "m007_in_place_store"]
    (generation / "generation.json").write_text(json.dumps(manifest), encoding="utf-8")
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name in ("store.sqlite", "store.sqlite-wal", "store.sqlite-shm"):
        (root / name).unlink(missing_ok=True)
    for path in (root / "vectors").iterdir():
        path.unlink()
    (root / "vectors").rmdir()
    return generation
