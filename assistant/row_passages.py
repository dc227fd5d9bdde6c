"""Show the passage holding the table row a count question names, not only the letter around it.

"How many rapes were recorded on hospital grounds in Cumbria each year?" retrieves the Cumbria
response first, but by its covering letter: the row "Rape 8 4 3 3 1 19" sits in a chunk of
figures whose embedding is far from any question, below the fortieth passage. `ask` already
reads such rows from the whole of its best documents (`counted_rows`); `search` shows, for each
of those documents that shows two passages or more and not its first row, the chunk holding
its first such row, right below the document's best passage, in place of its last other passage.
The documents shown and their order stay the same: pushing another document's passage out
lost the answering passage of a thread's other message (measured, README "Answer quality").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from assistant.abstain import counted_terms
from assistant.counted_rows import counted_rows
from assistant.terms import question_terms
from index.directory import Snapshot
from index.search import Hit, hit_for_chunk


def with_row_passages(snapshot: Snapshot, question: str, vector: np.ndarray, hits: list[Hit]) -> list[Hit]:
    """`hits` (best first) with the passage of each counted row shown under its document (see above)."""
    if not hits or not counted_terms(question):
        return hits
    shown_twice = {doc_id for doc_id, n in Counter(hit.doc_id for hit in hits).items() if n > 1}
    if not shown_twice:
        return hits
    store = snapshot.store
    documents = store.documents(shown_twice)  # whole texts, so only those that can take a row passage
    retrieved = [(hit, documents[hit.doc_id]) for hit in hits if hit.doc_id in documents]
    total, counts = store.term_document_counts(question_terms(question))
    rows: dict[str, list[int]] = {}
    for row, _header in counted_rows(question, retrieved, counts, total):
        rows.setdefault(row.document.doc_id, []).append(row.start)
    shown = list(hits)
    for doc_id, starts in rows.items():
        if any(h.doc_id == doc_id and h.start <= starts[0] < h.end for h in shown):
            continue
        own = [i for i, h in enumerate(shown) if h.doc_id == doc_id]
        start = starts[0]
        chunk = next((c for c in store.chunks_of(doc_id) if c.start <= start < c.end), None)
        if chunk is None:
            continue
        score = float(snapshot.vectors.similarities(vector, np.asarray([chunk.vector_id], dtype=np.int64))[0])
        passage = hit_for_chunk(store, documents[doc_id], chunk, score, rank=0)
        del shown[own[-1]]
        shown.insert(own[0] + 1, passage)
    return [replace(hit, rank=rank) for rank, hit in enumerate(shown, start=1)]
