"""A third place for the document that clearly leads a ranking.

The per-document cap keeps one long response from filling the top of a ranking, but
when that response is plainly the one asked about, its answer is often its third
passage and the cap pushes it out (README, "Why the answering passage is missed").
So the leading document may take one place beyond the cap when its best score beats
every other document's best by a margin; every other document keeps the cap.
"""

from __future__ import annotations

from dataclasses import replace


def widen_leading_document(pairs: list, *, k: int, cap: int, margin: float) -> list:
    """The top `k` of `pairs`, at most `cap` per document except a clearly leading one.

    Args:
        pairs: Ranked (hit, document) pairs, fetched with at most `cap + 1` per document.
        k: Places to fill.
        cap: The usual per-document cap.
        margin: The leading document's best score must exceed every other document's
            best score by at least this to take `cap + 1` places.
    """
    if not pairs:
        return []
    leader = pairs[0][0].doc_id
    runner_up = max((hit.score for hit, _ in pairs if hit.doc_id != leader), default=float("-inf"))
    leading = max(hit.score for hit, _ in pairs if hit.doc_id == leader)
    leader_cap = cap + 1 if leading - runner_up >= margin else cap
    taken: dict[str, int] = {}
    chosen = []
    for hit, document in pairs:
        limit = leader_cap if hit.doc_id == leader else cap
        if taken.get(hit.doc_id, 0) < limit:
            taken[hit.doc_id] = taken.get(hit.doc_id, 0) + 1
            chosen.append((hit, document))
            if len(chosen) == k:
                break
    return [(replace(hit, rank=rank), document) for rank, (hit, document) in enumerate(chosen, start=1)]
