"""Dense retrieval over a snapshot: vector search, then chunks, documents and spans."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index.directory import Snapshot
from index.lexical import match_expression
from index.store import StoredDocument


@dataclass(frozen=True)
class Hit:
    """One retrieved passage, carrying everything needed to cite it.

    `text == document.text[start:end]` always holds.
    """

    rank: int
    score: float
    doc_id: str
    path: str
    part: str | None
    title: str
    kind: str
    page: int | None
    page_end: int | None
    start: int
    end: int
    text: str
    metadata: dict[str, str] = field(default_factory=dict)
    also_in: int = 0


@dataclass(frozen=True)
class SearchFilter:
    """Restrict hits: by document kind (txt, pdf, email, ...) and by path substring."""

    kinds: frozenset[str] = frozenset()
    path_contains: str = ""

    def __bool__(self) -> bool:
        return bool(self.kinds or self.path_contains)

    def accepts(self, document: StoredDocument) -> bool:
        if self.kinds and document.kind.lower() not in self.kinds:
            return False
        if self.path_contains:
            needle = self.path_contains.replace("\\", "/").lower()
            return any(needle in loc.path.replace("\\", "/").lower() for loc in document.locations)
        return True


MODES = ("dense", "lexical", "hybrid")
RRF_K = 60  # the usual reciprocal-rank-fusion constant (Cormack et al.)


def search_vectors(
    snapshot: Snapshot,
    query_vector: np.ndarray,
    *,
    k: int,
    max_per_document: int,
    where: SearchFilter | None = None,
    query_text: str = "",
    mode: str = "dense",
) -> list[tuple[Hit, StoredDocument]]:
    """Top-`k` passages for a query, at most `max_per_document` from one document.

    Modes: `dense` ranks by cosine similarity of the query vector; `lexical` by
    BM25 over the passage text (exact tokens such as reference numbers);
    `hybrid` fuses both rankings by reciprocal rank. Every hit's `score` is its
    cosine similarity to the query whatever the mode, so thresholds mean the same.

    Identical chunk text stored once (boilerplate repeated across documents) is
    reported once, on its first document, with `also_in` counting the others.
    With `where`, only passages of matching documents count, and the search
    widens until `k` of them are found or the index is exhausted.
    """
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
    if len(snapshot.vectors) == 0:
        return []
    fetch = k * max(4, max_per_document * 2) * (8 if where else 1)
    if mode != "dense":
        fetch = max(fetch, 50)
    match = match_expression(query_text) if mode != "dense" else ""
    while True:
        if mode == "dense":
            scores, ids = snapshot.vectors.search(query_vector, fetch)
        else:
            ids = _ranked_ids(snapshot, query_vector, match, fetch, mode)
            scores = snapshot.vectors.similarities(query_vector, ids)
        hits = _assemble(snapshot, scores, ids, k=k, max_per_document=max_per_document, where=where)
        exhausted = fetch >= len(snapshot.vectors)
        if len(hits) >= k or exhausted:
            return hits
        fetch *= 4


def _ranked_ids(snapshot: Snapshot, query_vector: np.ndarray, match: str, fetch: int, mode: str) -> np.ndarray:
    dense: list[int] = []
    if mode != "lexical":
        _, found = snapshot.vectors.search(query_vector, fetch)
        dense = found.tolist()
    lexical = [vector_id for vector_id, _ in snapshot.store.lexical_search(match, fetch)] if match else []
    if mode == "dense" or (mode == "hybrid" and not lexical):
        return np.asarray(dense, dtype=np.int64)
    if mode == "lexical":
        return np.asarray(lexical, dtype=np.int64)
    fused: dict[int, float] = {}
    for ranking in (dense, lexical):
        for rank, vector_id in enumerate(ranking):
            fused[vector_id] = fused.get(vector_id, 0.0) + 1.0 / (RRF_K + rank + 1)
    ordered = sorted(fused, key=fused.__getitem__, reverse=True)
    return np.asarray(ordered, dtype=np.int64)


def _assemble(snapshot, scores, ids, *, k, max_per_document, where=None):
    chunks_by_vector = snapshot.store.chunks_for_vectors(ids.tolist())
    doc_ids = [c.doc_id for chunks in chunks_by_vector.values() for c in chunks]
    documents = snapshot.store.documents(doc_ids)
    per_document: dict[str, int] = {}
    results: list[tuple[Hit, StoredDocument]] = []
    for score, vector_id in zip(scores.tolist(), ids.tolist()):
        chunks = chunks_by_vector.get(int(vector_id), [])
        if not chunks:
            continue
        chunk = next(
            (
                c
                for c in chunks
                if per_document.get(c.doc_id, 0) < max_per_document and (not where or where.accepts(documents[c.doc_id]))
            ),
            None,
        )
        if chunk is None:
            continue
        document = documents[chunk.doc_id]
        per_document[chunk.doc_id] = per_document.get(chunk.doc_id, 0) + 1
        location = document.location
        hit = Hit(
            rank=len(results) + 1,
            score=round(float(score), 4),
            doc_id=document.doc_id,
            path=location.path,
            part=location.part,
            title=document.title,
            kind=document.kind,
            page=chunk.page_start,
            page_end=chunk.page_end,
            start=chunk.start,
            end=chunk.end,
            text=document.text[chunk.start : chunk.end],
            metadata=document.metadata,
            also_in=len({c.doc_id for c in chunks}) - 1,
        )
        results.append((hit, document))
        if len(results) == k:
            break
    return results
