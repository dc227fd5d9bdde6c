"""The index manifest: format version, model and chunking, counts and timestamps.

Each generation's manifest is stored in the store's `generation` row, committed with the
generation (index/directory.py); manifest.json is a copy of the current one, rewritten
atomically after each commit for people and tools, and the commit point before format 7.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from index.errors import IndexFormatError, IndexMismatch

FORMAT_VERSION = 9
MANIFEST_NAME = "manifest.json"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def library_versions() -> dict[str, str]:
    versions = {}
    for name in ("foi-assistant", "sentence-transformers", "faiss-cpu", "torch", "transformers", "onnxruntime"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


@dataclass
class Manifest:
    """What built the index, and where its current generation lives."""

    format_version: int
    generation: int
    model: str
    dimension: int
    max_tokens: int
    chunk_tokens: int
    chunk_overlap: int
    created_at: str
    updated_at: str
    documents: int = 0
    chunks: int = 0
    vectors: int = 0
    migrations: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    # Added without a format change: manifests written before have torch vectors in a flat index.
    backend: str = "torch"
    vector_index: str = "flat"
    # Format 8: how each chunk's embedding was given its context (`ingest.context.SCHEME`); "none" for
    # an index built before, whose chunks keep being embedded alone until `foi rebuild`.
    chunk_context: str = "none"

    @property
    def generation_name(self) -> str:
        return f"g{self.generation:06d}"

    def to_json(self) -> str:
        return json.dumps({"kind": "foi-assistant-index", **asdict(self)}, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, source: Path) -> "Manifest":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IndexFormatError(f"{source} is not valid JSON ({exc}); run `foi check --repair`") from None
        if not isinstance(data, dict) or data.get("kind") != "foi-assistant-index":
            raise IndexFormatError(f"{source} is not an FOI Assistant index manifest")
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise IndexFormatError(
                f"{source} has index format {version!r}, newer than this version of FOI Assistant "
                f"understands ({FORMAT_VERSION}); upgrade foi-assistant"
            )
        data.pop("kind")
        known = set(cls.__dataclass_fields__)
        try:
            return cls(**{key: value for key, value in data.items() if key in known})
        except TypeError as exc:
            raise IndexFormatError(f"{source} is missing fields: {exc}") from None

    def write(self, root: Path) -> None:
        """Atomically replace the manifest in `root`."""
        tmp = root / (MANIFEST_NAME + ".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(self.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, root / MANIFEST_NAME)
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def check_compatible(self, *, model: str | None, chunk_tokens: int | None, chunk_overlap: int | None, root: Path) -> None:
        """Refuse settings that differ from what built the index.

        Raises:
            IndexMismatch: naming the difference and how to rebuild.
        """
        differences = []
        if model is not None and model != self.model:
            differences.append(f"model {model!r} (index: {self.model!r})")
        if chunk_tokens is not None and chunk_tokens != self.chunk_tokens:
            differences.append(f"chunk_tokens {chunk_tokens} (index: {self.chunk_tokens})")
        if chunk_overlap is not None and chunk_overlap != self.chunk_overlap:
            differences.append(f"chunk_overlap {chunk_overlap} (index: {self.chunk_overlap})")
        if differences:
            raise IndexMismatch(
                f"the index at {root} was built with different settings: requested "
                + ", ".join(differences)
                + ". Re-ingest into a new index (foi ingest PATH --index NEW_DIR ...), "
                "or drop the option to use the index's own settings"
            )
