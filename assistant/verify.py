"""Quote verification against the index's own stored copy of each passage.

A citation's quote is cut from `documents.text`. Verifying it by comparing it with
that same string could never fail, so the check re-reads the cited span from the
store instead: from the passage texts written when each chunk was indexed (the
copy lexical search reads), joined over every chunk that overlaps the span. A
document text changed or damaged after indexing, a span that drifted, or a quote
edited on the way therefore fails verification and the citation is dropped.
"""

from __future__ import annotations

import logging

from index.store import Store

logger = logging.getLogger(__name__)


class QuoteVerifier:
    """Checks quotes against one committed store; safe to share between threads."""

    def __init__(self, store: Store):
        self.store = store

    def verify(self, doc_id: str, start: int, end: int, quote: str) -> bool:
        """True when the stored passages of `doc_id` hold exactly `quote` at [start, end).

        Every character of the span must be covered by some stored passage, and each
        passage's part of the span must equal the corresponding part of `quote`.
        """
        if not (0 <= start < end) or len(quote) != end - start:
            return False
        covered_to = start
        for chunk_start, chunk_end, passage in self.store.stored_passages_covering(doc_id, start, end):
            if len(passage) != chunk_end - chunk_start:
                logger.warning("stored passage of %s at %d-%d has the wrong length", doc_id, chunk_start, chunk_end)
                return False
            lo, hi = max(start, chunk_start), min(end, chunk_end)
            if passage[lo - chunk_start : hi - chunk_start] != quote[lo - start : hi - start]:
                logger.warning("quote at %s %d-%d differs from the stored passage; dropped", doc_id, start, end)
                return False
            if lo <= covered_to:
                covered_to = max(covered_to, hi)
        if covered_to < end:
            logger.warning("quote at %s %d-%d is not covered by stored passages; citation dropped", doc_id, start, end)
            return False
        return True
