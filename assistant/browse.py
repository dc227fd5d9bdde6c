"""What `Assistant` offers for looking around an index rather than querying it: one document,
every document, the FOI fields of one, facet counts, cases, and the index's own statistics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from index.directory import IndexDirectory, Snapshot
from index.records import StoredDocument
from index.snapshots import Snapshots
from ingest.documents import TableRow


@dataclass(frozen=True)
class IndexStats:
    """What is in an index and what built it."""

    index_dir: str
    documents: int
    files: int
    chunks: int
    vectors: int
    model: str
    dimension: int
    max_tokens: int
    chunk_tokens: int
    chunk_overlap: int
    format_version: int
    generation: int
    size_bytes: int
    created_at: str
    updated_at: str
    versions: dict[str, str]
    backend: str = "torch"
    vector_index: str = "flat"


class Browsing:
    """Mixed into `assistant.api.Assistant`, which provides `snapshots`, `directory` and `search`."""

    snapshots: Snapshots
    directory: IndexDirectory

    def foi_document(self, target: str) -> dict | None:
        """`foi show`: the FOI fields of one document by doc_id or path (+ part), or None.

        `target` is a doc_id, a file path, or "path::message 3" for one part of a mailbox;
        a path with several parts gives its first.
        """
        from assistant.foi import foi_view

        with self.snapshots.reading() as snapshot:
            store = snapshot.store
            document = store.document(target)
            if document is None:
                path, _, part = target.partition("::")
                for candidate in store.iter_documents():
                    if any(loc.path == path or loc.path.endswith("/" + path.lstrip("./")) for loc in candidate.locations
                           if not part or loc.part == part.strip()):
                        if document is None or (candidate.location.part or "") < (document.location.part or ""):
                            document = candidate
        return foi_view(document) if document else None

    def document(self, doc_id: str) -> StoredDocument | None:
        """One stored document with its full extracted text, or None."""
        with self.snapshots.reading() as snapshot:
            return snapshot.store.document(doc_id)

    def table_rows(self, doc_id: str, start: int, end: int) -> list[TableRow]:
        """The spreadsheet rows whose lines overlap `start:end` of a document (empty for other documents)."""
        with self.snapshots.reading() as snapshot:
            return snapshot.store.table_rows(doc_id, start, end)

    def documents(self) -> list[StoredDocument]:
        """Every stored document."""
        with self.snapshots.reading() as snapshot:
            return list(snapshot.store.iter_documents())

    def chunk_counts(self) -> dict[str, int]:
        """Number of chunks per doc_id."""
        with self.snapshots.reading() as snapshot:
            return snapshot.store.chunk_counts()

    def stats(self) -> IndexStats:
        """Counts, model, chunking and format of the index."""
        with self.snapshots.reading() as snapshot:
            return self._stats(snapshot)

    def _stats(self, snapshot: Snapshot) -> IndexStats:
        manifest = snapshot.manifest
        counts = snapshot.store.counts()
        return IndexStats(
            index_dir=str(self.directory.root),
            documents=counts["documents"],
            files=counts["files"],
            chunks=counts["chunks"],
            vectors=len(snapshot.vectors),
            model=manifest.model,
            dimension=manifest.dimension,
            max_tokens=manifest.max_tokens,
            chunk_tokens=manifest.chunk_tokens,
            chunk_overlap=manifest.chunk_overlap,
            format_version=manifest.format_version,
            generation=manifest.generation,
            size_bytes=self.directory.size_bytes(),
            created_at=manifest.created_at,
            updated_at=manifest.updated_at,
            versions=manifest.versions,
            backend=manifest.backend,
            vector_index=snapshot.vectors.kind,
        )

    def facets(
        self,
        query: str,
        *,
        k: int = 100,
        kinds: Iterable[str] = (),
        path_contains: str = "",
        mode: str | None = None,
        **foi: str,
    ) -> dict[str, list[tuple[str, int]]]:
        """Facet counts for `query`: distinct documents among its top-`k` passages per
        authority, year, outcome and applied exemption (see `assistant.facets`).

        Args:
            query: Free text, as for `search`.
            k: How many passages to count the documents of.
            kinds, path_contains, mode, **foi: Filters, as for `search`.

        Returns:
            `{"authority": [(value, documents), ...], "year": ..., "outcome": ..., "exemption": ...}`,
            most documents first.
        """
        from assistant.facets import facet_counts

        hits = self.search(query, k=k, kinds=kinds, path_contains=path_contains, mode=mode, **foi).hits
        return facet_counts({hit.doc_id: hit.metadata for hit in hits}.values())

    def cases(self, *, as_of: date | None = None, status: str | None = None, authority: str | None = None,
              law: str | None = None) -> list:
        """`foi cases`: every request's case as it stood on `as_of` (default today), filtered
        (see `assistant.cases`); most working days overdue first."""
        from assistant.cases import cases_of_snapshot

        with self.snapshots.reading() as snapshot:
            return cases_of_snapshot(snapshot, as_of=as_of, status=status, authority=authority, law=law)

    def case(self, target: str, *, as_of: date | None = None):
        """`foi case`: the case with id `target` or holding the document or file `target`, or None."""
        from assistant.cases import find_case

        return find_case(self.cases(as_of=as_of), target)
