"""The Ray Data actors of a distributed ingest, and the wire format of their results.

`ReadWorker` reads a batch of files from their bytes with the local ingest's reader
(`read_document_file`) and chunks every document with the index's chunking.
`EmbedWorker` embeds batches of chunk texts, each one of the batches the local pipeline
embeds (`embedder.length_batches` of a window). Each actor loads the model once.
Results travel as JSON and float32 bytes: plain data.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from index.embedder import load_embedder
from index.ingest_steps import read_document_file
from index.update import chunker_for
from ingest.chunking import Chunk
from ingest.context import NO_CONTEXT
from ingest.documents import Document, Page, Skipped, TableRow
from ingest.errors import SkippedFile
from ingest.readers import ReadResult


def _load(model: str, backend: str, cache_dir: str | None, threads: int = 1):
    os.environ["HF_HUB_OFFLINE"] = "1"
    if cache_dir:
        os.environ.setdefault("FOI_CACHE", cache_dir)
    # An actor's model uses the threads it holds CPUs for: one using every core would make the
    # actors on a node fight over them.
    return load_embedder(model, backend=backend, threads=threads)


class EmbedWorker:
    """Embeds batches of chunk texts (a callable class for `map_batches`, one row per batch, each
    already sorted by length as `embed` sorts it, so it is embedded as exactly that batch)."""

    def __init__(self, *, model: str, backend: str, batch_size: int, cache_dir: str | None, threads: int = 1):
        self.embedder = _load(model, backend, cache_dir, threads)
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        blobs = []
        for texts in batch["texts"]:
            vectors = self.embedder.embed([str(t) for t in texts], batch_size=self.batch_size)
            blobs.append(np.asarray(vectors, dtype=np.float32).tobytes())
        return {"batch": np.asarray(batch["batch"]), "vectors": np.asarray(blobs, dtype=object)}


class ReadWorker:
    """Reads and chunks batches of files (a callable class for `map_batches`, one row per file)."""

    def __init__(
        self,
        *,
        model: str,
        backend: str,
        chunk_tokens: int,
        chunk_overlap: int,
        cache_dir: str | None,
        chunk_context: str = NO_CONTEXT,
    ):
        self.chunker = chunker_for(
            _Chunking(chunk_tokens, chunk_overlap, chunk_context), _load(model, backend, cache_dir)
        )

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        payloads = [self.read_one(str(key), bytes(data)) for key, data in zip(batch["key"], batch["data"])]
        return {
            "position": np.asarray(batch["position"]),
            "payload": np.asarray([json.dumps(p, ensure_ascii=False) for p in payloads], dtype=object),
        }

    def read_one(self, key: str, data: bytes) -> dict:
        """One file's documents with their chunks, or the reason it was skipped."""
        try:
            result = read_document_file(Path(key), max_bytes=len(data) + 1, data=data)
        except SkippedFile as exc:
            return {"skipped_file": exc.reason}
        return {
            "documents": [
                {**asdict(document), "chunks": [asdict(c) for c in self.chunker.chunk(document)]}
                for document in result.documents
            ],
            "skipped": [asdict(s) for s in result.skipped],
        }


class _Chunking:
    """The fields of a manifest that `chunker_for` reads."""

    def __init__(self, chunk_tokens: int, chunk_overlap: int, chunk_context: str):
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap
        self.chunk_context = chunk_context


def decode_result(payload: dict, key: str) -> tuple[ReadResult, dict[str, list[Chunk]]]:
    """A worker's payload as a ReadResult and {content hash: chunks}."""
    documents: list[Document] = []
    chunks: dict[str, list[Chunk]] = {}
    for fields in payload["documents"]:
        fields = dict(fields)
        document_chunks = [Chunk(**c) for c in fields.pop("chunks")]
        fields["pages"] = [Page(**p) for p in fields["pages"]]
        fields["rows"] = [TableRow(**r) for r in fields.get("rows", [])]
        document = Document(**fields)
        document.path = key
        documents.append(document)
        chunks[document.content_hash] = document_chunks
    skipped = [Skipped(**s) for s in payload["skipped"]]
    return ReadResult(documents=documents, skipped=skipped), chunks
