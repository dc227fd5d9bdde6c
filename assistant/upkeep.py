"""The `Assistant`'s upkeep of its index: removing documents, moving paths, rebuilding, checking."""

from __future__ import annotations

from collections.abc import Iterable

from index.locations import relocate_index
from index.maintenance import CheckReport, RemoveReport, check_index, rebuild_index, remove_documents
from index.update import Progress


class Upkeep:
    """Mixed into `Assistant`, which provides `directory`, `settings`, `embedder` and `snapshots`."""

    def remove(self, targets: Iterable[str]) -> RemoveReport:
        """Remove documents by doc_id, file path or folder path; their vectors are deleted."""
        report = remove_documents(
            self.directory,
            [str(t) for t in targets],
            lock_timeout=self.settings.lock_timeout,
            boilerplate_min_documents=self.settings.boilerplate_min_documents,
            ann_threshold=self.settings.ann_threshold,
        )
        self.snapshots.invalidate()
        return report

    def relocate(self, old_prefix: str, new_prefix: str) -> list[tuple[str, str]]:
        """Rewrite the stored paths under `old_prefix` to lie under `new_prefix`; returns (old, new) pairs."""
        moved = relocate_index(self.directory, old_prefix, new_prefix, lock_timeout=self.settings.lock_timeout)
        self.snapshots.invalidate()
        return moved

    def rebuild(self, *, progress: Progress | None = None) -> dict[str, int]:
        """Re-chunk and re-embed all stored documents with the current model and chunking.

        Needs no original files. To change model or chunking, open with
        `allow_rebuild=True` and the new settings.
        """
        counts = rebuild_index(
            self.directory,
            self.embedder,
            chunk_tokens=self.settings.effective_chunk_tokens
            if self.settings.chunk_tokens is not None
            else self.directory.read_manifest().chunk_tokens,
            chunk_overlap=self.settings.effective_chunk_overlap
            if self.settings.chunk_overlap is not None
            else self.directory.read_manifest().chunk_overlap,
            batch_size=self.settings.batch_size,
            lock_timeout=self.settings.lock_timeout,
            progress=progress,
            boilerplate_min_documents=self.settings.boilerplate_min_documents,
            ann_threshold=self.settings.ann_threshold,
            chunk_context=self.settings.chunk_context,
        )
        self.snapshots.invalidate()
        return counts

    def check(self, *, repair: bool = False) -> CheckReport:
        """Verify the index (manifest, FAISS and SQLite agree); optionally repair it."""
        report = check_index(
            self.directory,
            repair=repair,
            embedder_factory=lambda model: self.embedder,
            lock_timeout=self.settings.lock_timeout,
            boilerplate_min_documents=self.settings.boilerplate_min_documents,
        )
        if repair:
            self.snapshots.invalidate()
        return report
