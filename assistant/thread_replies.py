"""The authority's replies to a retrieved request: FOI threads are questions and their answers.

A request is often the passage retrieval finds ("How many people with the following surnames
work for Sheffield City Council?") while the reply that answers it ("Smith 94") shares few of
the question's words and is not retrieved at all. When the passages `ask` read from one of its
best threads are all the requester's, the best passage of each of that thread's replies is read
too, so the answer can quote the reply instead of abstaining over the request.
"""

from __future__ import annotations


from assistant.evidence import is_question, quotable_region
from assistant.passage_rescore import from_requester
from assistant.terms import idf_weights, terms_of, with_compounds
from index.directory import Snapshot
from index.search import hit_for_chunk
from ingest.sentences import sentence_spans

THREADS = 3  # of the retrieved threads, in rank order, how many are followed to their replies
REPLIES_PER_THREAD = 2
TERM_WEIGHT = 0.3  # a reply passage is chosen by cosine plus this times its share of the question's words


def with_thread_replies(snapshot: Snapshot, retrieved: list, vector, terms: list[str]) -> tuple[list, dict[str, str]]:
    """`retrieved` (hit, document) pairs plus the best passage of each unread reply in its request-only
    threads, and {reply doc_id: the question its thread's retrieved request asks} for the added replies
    (a figure list in a reply, "Smith 94", is about what the request asked).

    Args:
        snapshot: The snapshot the passages came from.
        retrieved: (hit, document) pairs, best first.
        vector: The question's embedding.
        terms: `assistant.terms.question_terms` of the question.
    """
    store = snapshot.store
    threads: dict[str, bool] = {}  # path -> only the requester's messages were retrieved from it
    for hit, document in retrieved:
        threads[hit.path] = threads.get(hit.path, True) and from_requester(document.metadata)
    followed = [path for path, requests_only in list(threads.items())[:THREADS] if requests_only]
    if not followed:
        return retrieved, {}
    total, counts = store.term_document_counts(terms)
    weights = idf_weights(terms, counts, total)
    read = {document.doc_id for _, document in retrieved}
    added, asked = [], {}
    for path in followed:
        question = _asked(next(hit.text for hit, _ in retrieved if hit.path == path))
        siblings = [d for d in store.locations_of_file(path).values() if d not in read]
        replies = [d for d in store.documents(siblings).values() if _is_reply(d.metadata)]
        best = [_best_passage(snapshot, reply, vector, weights) for reply in replies]
        best = sorted((b for b in best if b), key=lambda b: -b[0])[:REPLIES_PER_THREAD]
        for _, cosine, chunk, reply in best:
            hit = hit_for_chunk(store, reply, chunk, cosine, rank=len(retrieved) + len(added) + 1)
            added.append((hit, reply))
            asked[reply.doc_id] = question
    return retrieved + added, asked


def _asked(request: str) -> str:
    """The question sentences of a request passage, joined ("" when it asks none as a question)."""
    sentences = (request[s:e] for s, e in sentence_spans(request, whole_word_abbreviations=True))
    return " ".join(" ".join(q.split()) for q in sentences if is_question(q))


def _is_reply(metadata: dict) -> bool:
    """The authority's response: an acknowledgement or a request for clarification answers nothing
    ("if clarification is not received within 1 month ..." is a figure, not an answer)."""
    foi = metadata.get("foi")
    return isinstance(foi, dict) and foi.get("role") == "response" and not from_requester(metadata)


def _best_passage(snapshot: Snapshot, document, vector, weights: dict[str, float]):
    """(score, cosine, chunk, document) of `document`'s passage best matching the question, or None if it has none."""
    region = quotable_region(document)
    # The authority's own words only: a reply's tail quotes the request, and earlier replies.
    chunks = [c for c in snapshot.store.chunks_of(document.doc_id) if region and c.start < region[1] and c.end > region[0]]
    if not chunks:
        return None
    cosines = snapshot.vectors.similarities(vector, [c.vector_id for c in chunks]).tolist()
    whole = sum(weights.values()) or 1.0

    def cover(chunk) -> float:
        present = with_compounds(weights, terms_of(document.text[chunk.start : chunk.end]))
        return sum(w for t, w in weights.items() if t in present) / whole

    scored = [(cosine + TERM_WEIGHT * cover(chunk), cosine, chunk) for cosine, chunk in zip(cosines, chunks)]
    score, cosine, chunk = max(scored, key=lambda entry: entry[0])
    return score, float(cosine), chunk, document
