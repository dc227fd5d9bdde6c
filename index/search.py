"""Dense retrieval over a snapshot: vector search, then chunks, documents and spans."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from index.directory import Snapshot
from index.lexical import match_expression
from index.records import DocumentHead, DocumentText, StoredDocument, ocr_between
from ingest.foi.filters import foi_matches


@dataclass(frozen=True)
class Hit:
    """One retrieved passage, carrying everything needed to cite it.

    `text == document.text[start:end]` always holds. For a spreadsheet, `sheet` names
    the passage's sheet (None for a CSV) and `rows` its first and last row numbers.
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
    boilerplate: float = 0.0
    also_in_ids: tuple[str, ...] = ()
    rerank_score: float | None = None
    ocr: bool = False  # the passage quotes OCR text (check it against the page image)
    sheet: str | None = None
    rows: tuple[int, int] | None = None


FOI_FILTERS = ("authority", "reference", "exemption", "outcome", "after", "before", "law")


@dataclass(frozen=True)
class SearchFilter:
    """Restrict hits: by document kind (txt, pdf, email, ...), by path substring, and by
    FOI metadata (authority, reference, applied exemption, outcome, date range, law;
    see `ingest.foi.filters.foi_matches`)."""

    kinds: frozenset[str] = frozenset()
    path_contains: str = ""
    authority: str = ""
    reference: str = ""
    exemption: str = ""
    outcome: str = ""
    after: str = ""
    before: str = ""
    law: str = ""

    @classmethod
    def build(cls, kinds: Iterable[str] = (), path_contains: str = "", **foi: str | None) -> "SearchFilter":
        """A filter from user input: kinds lower-cased, text trimmed, empty values ignored.

        Raises:
            TypeError: an FOI filter name that is not one of `FOI_FILTERS`.
        """
        return cls(
            frozenset(kind.lower() for kind in kinds),
            (path_contains or "").strip(),
            **{name: value.strip() for name, value in foi.items() if value},
        )

    def _foi(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FOI_FILTERS}

    def __bool__(self) -> bool:
        return bool(self.kinds or self.path_contains or any(self._foi().values()))

    def accepts(self, document: StoredDocument | DocumentHead) -> bool:
        if self.kinds and document.kind.lower() not in self.kinds:
            return False
        if self.path_contains:
            needle = self.path_contains.replace("\\", "/").lower()
            if not any(needle in loc.path.replace("\\", "/").lower() for loc in document.locations):
                return False
        foi = {k: v for k, v in self._foi().items() if v}
        return not foi or foi_matches(document.metadata, **foi)


MODES = ("dense", "lexical", "hybrid")
RRF_K = 60  # the usual reciprocal-rank-fusion constant (Cormack et al.)
# A query naming an identifier (a reference number, a section such as 31(3)) is an exact
# look-up: embeddings blur such tokens, so the lexical ranking counts this much more.
IDENTIFIER_WEIGHT = 3.0
_TOKEN = re.compile(r"[\w/().:-]+")
_AMOUNT = re.compile(r"^\d{1,3}(?:[,.]\d+)*[kmb]?$|^\d{4}$")  # counts, money and years are not identifiers


def names_identifier(query: str) -> bool:
    """True when the query carries a reference-like token: `18201/18`, `31(3)`, `1034674`, `IC-98355-J1F7`
    (not a count, an amount, a year, or a short name such as `HS2`)."""
    for token in _TOKEN.findall(query):
        token = token.strip(".:-()")
        if len(token) >= 4 and any(ch.isdigit() for ch in token) and not _AMOUNT.match(token.lower()):
            return True
    return False


@dataclass(frozen=True)
class Boilerplate:
    """How search treats passages that recur across documents.

    Attributes:
        penalty: A fully-boilerplate passage moves down by this share of the
            candidates' score range; 0 turns demotion off.
        collapse: Fold near-identical boilerplate hits into the first one, whose
            `also_in` then counts the documents folded in.
    """

    penalty: float = 0.10
    collapse: bool = True


COLLAPSE_RATIO = 0.8  # a hit is "boilerplate" for collapsing when this much of it recurs
COLLAPSE_OVERLAP = 0.8  # ... and two such hits fold when their recurring sentences overlap this much


def search_vectors(
    snapshot: Snapshot,
    query_vector: np.ndarray,
    *,
    k: int,
    max_per_document: int,
    where: SearchFilter | None = None,
    query_text: str = "",
    mode: str = "dense",
    boilerplate: Boilerplate | None = None,
    documents: bool = True,
) -> list[tuple[Hit, StoredDocument | None]]:
    """Top-`k` passages for a query, at most `max_per_document` from one document.

    Modes: `dense` ranks by cosine similarity of the query vector; `lexical` by
    BM25 over the passage text (exact tokens such as reference numbers);
    `hybrid` fuses both rankings by reciprocal rank. Every hit's `score` is its
    cosine similarity to the query whatever the mode, so thresholds mean the same.

    Passages that recur across documents are ranked below unique evidence and
    near-identical ones are collapsed (see `Boilerplate`); identical chunk text
    is stored once and reported once. `also_in` counts the other documents
    carrying the same passage. With `where`, only passages of matching documents
    count, and the search widens until `k` of them are found or the index is
    exhausted. Each hit comes with its whole stored document, or None when
    `documents` is False (cheaper, for callers that need only the hits).
    """
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
    if len(snapshot.vectors) == 0:
        return []
    boilerplate = boilerplate or Boilerplate(penalty=0.0, collapse=False)
    fetch = k * max(4, max_per_document * 2) * (8 if where else 1)
    if mode != "dense" or boilerplate.penalty or boilerplate.collapse:
        fetch = max(fetch, 50)
    match = match_expression(query_text) if mode != "dense" else ""
    lexical_weight = IDENTIFIER_WEIGHT if names_identifier(query_text) else 1.0
    while True:
        ids, order_values, cosines = _candidates(snapshot, query_vector, match, fetch, mode, lexical_weight)
        recurring = snapshot.store.boilerplate_of(ids.tolist()) if (boilerplate.penalty or boilerplate.collapse) else {}
        if recurring and boilerplate.penalty:
            ids = _demote(ids, order_values, recurring, boilerplate.penalty)
        scores = _cosines(snapshot, query_vector, ids, cosines)
        hits = _assemble(
            snapshot, scores, ids, k=k, max_per_document=max_per_document, where=where,
            recurring=recurring if boilerplate.collapse else {}, documents=documents,
        )
        exhausted = fetch >= len(snapshot.vectors)
        if len(hits) >= k or exhausted:
            return hits
        fetch *= 4


def _cosines(snapshot: Snapshot, query_vector: np.ndarray, ids: np.ndarray, known: dict[int, float]) -> np.ndarray:
    """Cosine similarity of each candidate: dense ones came with theirs, the rest are computed."""
    missing = np.asarray([i for i in ids.tolist() if i not in known], dtype=np.int64)
    computed = dict(zip(missing.tolist(), snapshot.vectors.similarities(query_vector, missing).tolist()))
    return np.asarray([known[i] if i in known else computed[i] for i in ids.tolist()], dtype=np.float32)


def _candidates(snapshot: Snapshot, query_vector: np.ndarray, match: str, fetch: int, mode: str, lexical_weight: float):
    """Candidate vector ids, best first, the values they are ordered by, and the cosine
    similarities that the dense search returned (by id)."""
    dense_scores, dense_ids = (np.zeros(0), np.zeros(0, dtype=np.int64))
    if mode != "lexical":
        dense_scores, dense_ids = snapshot.vectors.search(query_vector, fetch)
    cosines = dict(zip(dense_ids.tolist(), dense_scores.tolist()))
    lexical = snapshot.store.lexical_search(match, fetch) if match else []
    if mode == "dense" or (mode == "hybrid" and not lexical):
        return dense_ids.astype(np.int64), dense_scores.astype(np.float64), cosines
    if mode == "lexical":
        return (
            np.asarray([vector_id for vector_id, _ in lexical], dtype=np.int64),
            np.asarray([score for _, score in lexical], dtype=np.float64),
            cosines,
        )
    fused: dict[int, float] = {}
    for ranking, weight in ((dense_ids.tolist(), 1.0), ([vector_id for vector_id, _ in lexical], lexical_weight)):
        for rank, vector_id in enumerate(ranking):
            fused[vector_id] = fused.get(vector_id, 0.0) + weight / (RRF_K + rank + 1)
    ordered = sorted(fused, key=fused.__getitem__, reverse=True)
    return np.asarray(ordered, dtype=np.int64), np.asarray([fused[v] for v in ordered], dtype=np.float64), cosines


def _demote(ids: np.ndarray, values: np.ndarray, recurring: dict, penalty: float) -> np.ndarray:
    if len(ids) < 2:
        return ids
    spread = float(values.max() - values.min()) or 1.0
    adjusted = [
        value - penalty * spread * recurring.get(int(vector_id), (0.0, ""))[0]
        for vector_id, value in zip(ids.tolist(), values.tolist())
    ]
    order = sorted(range(len(ids)), key=lambda i: adjusted[i], reverse=True)
    return ids[order]


def _signature(entry: tuple[float, str]) -> frozenset[str]:
    return frozenset(h for h in entry[1].split(",") if h)


def _candidate_chunks(store, scores: list[float], ids: list[int], k: int, where: SearchFilter | None):
    """(score, vector id, its chunks, document heads) in rank order, read from the store a
    window at a time: most searches choose their `k` hits from the first few candidates."""
    begin, window = 0, 2 * k
    while begin < len(ids):
        batch = ids[begin : begin + window]
        chunks_by_vector = store.chunks_for_vectors(batch)
        heads = store.document_heads(c.doc_id for chunks in chunks_by_vector.values() for c in chunks) if where else {}
        for score, vector_id in zip(scores[begin : begin + window], batch):
            yield score, vector_id, chunks_by_vector.get(vector_id, []), heads
        begin += window
        window *= 2  # a filter or per-document cap that rejects many candidates reads wider next


def _assemble(snapshot, scores, ids, *, k, max_per_document, where=None, recurring=None, documents=True):
    """Choose up to `k` chunks in score order (filters, per-document cap, boilerplate
    folding), then read only the chosen documents: a query never loads the texts
    of the candidates it passes over."""
    recurring = recurring or {}
    store = snapshot.store
    per_document: dict[str, int] = {}
    chosen: list[tuple[float, object, tuple[float, str] | None, set[str]]] = []  # score, chunk, entry, copies
    folded: list[tuple[int, frozenset[str]]] = []  # (chosen index, boilerplate signature)
    for score, vector_id, chunks, heads in _candidate_chunks(store, scores.tolist(), ids.tolist(), k, where):
        if not chunks:
            continue
        eligible = [c for c in chunks if not where or where.accepts(heads[c.doc_id])]
        entry = recurring.get(int(vector_id))
        if entry and entry[0] >= COLLAPSE_RATIO and eligible:
            signature = _signature(entry)
            twin = next(
                (index for index, other in folded
                 if len(signature & other) >= COLLAPSE_OVERLAP * max(len(signature), len(other))),
                None,
            )
            if twin is not None:
                chosen[twin][3].update(c.doc_id for c in eligible)
                continue
        chunk = next((c for c in eligible if per_document.get(c.doc_id, 0) < max_per_document), None)
        if chunk is None:
            continue
        per_document[chunk.doc_id] = per_document.get(chunk.doc_id, 0) + 1
        if entry and entry[0] >= COLLAPSE_RATIO:
            folded.append((len(chosen), _signature(entry)))
        chosen.append((score, chunk, entry, {c.doc_id for c in chunks}))
        if len(chosen) == k:
            break
    wanted = [chunk.doc_id for _, chunk, _, _ in chosen]
    read: dict[str, StoredDocument] | dict[str, DocumentText] = (
        store.documents(wanted) if documents else store.document_texts(wanted)
    )
    results: list[tuple[Hit, StoredDocument | None]] = []
    for score, chunk, entry, copies in chosen:
        document = read[chunk.doc_id]
        others = tuple(sorted(copies - {document.doc_id}))
        hit = hit_for_chunk(store, document, chunk, score, rank=len(results) + 1, also_in_ids=others,
                            boilerplate=round(entry[0], 3) if entry else 0.0)
        results.append((hit, document if documents else None))
    return results


def hit_for_chunk(store, document, chunk, score: float, *, rank: int, also_in_ids: tuple[str, ...] = (),
                  boilerplate: float = 0.0) -> Hit:
    """The `Hit` citing `chunk` of `document` (a `StoredDocument` or `DocumentText`) with `score`."""
    location = document.location
    table = store.rows_in_span(document.doc_id, chunk.start, chunk.end)
    return Hit(
        rank=rank,
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
        also_in=len(also_in_ids),
        boilerplate=boilerplate,
        also_in_ids=also_in_ids,
        ocr=ocr_between(document.ocr_pages, chunk.page_start, chunk.page_end),
        sheet=table[0] if table else None,
        rows=(table[1], table[2]) if table else None,
    )
