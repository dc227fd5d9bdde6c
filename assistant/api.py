"""The Python API: the one entry point that the CLI and the UI both call."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.answer import Answer, compose_answer
from assistant.citations import citation_line
from assistant.settings import Settings, load_settings
from index.directory import IndexDirectory, Snapshot
from index.embedder import Embedder, load_embedder
from index.search import Hit, search_vectors
from index.store import StoredDocument
from index.update import IngestReport, Progress, UpdateOptions, update_index

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchResult:
    """Ranked passages for a query."""

    query: str
    hits: list[Hit]


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


class Assistant:
    """Ingest FOI documents, search them, and answer questions with citations.

    Example:
        >>> assistant = Assistant.open("foi-index")
        >>> assistant.ingest(["../shared/corpus/wmp"])
        >>> assistant.ask("Does West Midlands Police use body worn video?").answer
    """

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None):
        self.settings = settings
        self.directory = IndexDirectory(settings.index_dir)
        self._embedder = embedder
        self._snapshot: Snapshot | None = None
        self._lock = threading.RLock()
        if self.directory.exists():
            self.directory.read_manifest().check_compatible(
                model=settings.model,
                chunk_tokens=settings.chunk_tokens,
                chunk_overlap=settings.chunk_overlap,
                root=self.directory.root,
            )

    @classmethod
    def open(cls, index_dir: str | Path | None = None, *, embedder: Embedder | None = None, **settings) -> "Assistant":
        """Open (or prepare to create) the index at `index_dir` with the given settings."""
        if index_dir is not None:
            settings["index_dir"] = Path(index_dir)
        return cls(load_settings(**settings), embedder=embedder)

    # Model -----------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (the index's own model if it exists)."""
        with self._lock:
            if self._embedder is None:
                model = self.settings.model
                if model is None and self.directory.exists():
                    model = self.directory.read_manifest().model
                self._embedder = load_embedder(model or self.settings.effective_model)
            return self._embedder

    # Writing ---------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], *, sync: bool = False, progress: Progress | None = None) -> IngestReport:
        """Add new and changed documents under `paths`; with `sync`, drop vanished ones.

        Bad files are skipped and listed in the report; they never stop the batch.
        """
        options = UpdateOptions(
            chunk_tokens=self.settings.effective_chunk_tokens,
            chunk_overlap=self.settings.effective_chunk_overlap,
            max_file_bytes=int(self.settings.max_file_mb * 1_000_000),
            batch_size=self.settings.batch_size,
            lock_timeout=self.settings.lock_timeout,
            sync=sync,
        )
        report = update_index(self.directory, [Path(p) for p in paths], self.embedder, options, progress)
        self._refresh(force=True)
        return report

    # Reading ---------------------------------------------------------------
    def _refresh(self, force: bool = False) -> Snapshot:
        """The current snapshot, reopened when a writer has committed a new generation."""
        with self._lock:
            generation = self.directory.read_manifest().generation
            if force or self._snapshot is None or self._snapshot.manifest.generation != generation:
                if self._snapshot is not None:
                    self._snapshot.close()
                self._snapshot = self.directory.open()
            return self._snapshot

    def search(self, query: str, *, k: int | None = None) -> SearchResult:
        """The `k` passages most similar to `query`, each with its citation fields."""
        snapshot = self._refresh()
        vector = self.embedder.embed([query])[0]
        pairs = search_vectors(
            snapshot, vector, k=k or self.settings.k, max_per_document=self.settings.max_hits_per_document
        )
        return SearchResult(query=query, hits=[hit for hit, _ in pairs])

    def ask(self, question: str) -> Answer:
        """An extractive answer whose every sentence is a cited quote, or an abstention."""
        snapshot = self._refresh()
        vector = self.embedder.embed([question])[0]
        retrieved = search_vectors(
            snapshot,
            vector,
            k=self.settings.answer_passages,
            max_per_document=self.settings.answer_passages_per_document,
        )
        return compose_answer(
            question,
            vector,
            retrieved,
            self.embedder,
            abstain_below=self.settings.abstain_below,
            sentence_min_score=self.settings.sentence_min_score,
            max_sentences=self.settings.answer_sentences,
            cite=lambda hit, document, page: citation_line(
                title=document.title, path=hit.path, part=hit.part, metadata=document.metadata, page=page
            ),
        )

    def document(self, doc_id: str) -> StoredDocument | None:
        """One stored document with its full extracted text, or None."""
        return self._refresh().store.document(doc_id)

    def documents(self) -> list[StoredDocument]:
        """Every stored document."""
        return list(self._refresh().store.iter_documents())

    def stats(self) -> IndexStats:
        """Counts, model, chunking and format of the index."""
        snapshot = self._refresh()
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
        )

    def citation(self, hit: Hit) -> str:
        """The human-readable citation line of a search hit."""
        return citation_line(
            title=hit.title, path=hit.path, part=hit.part, metadata=hit.metadata, page=hit.page, page_end=hit.page_end
        )

    def close(self) -> None:
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None
