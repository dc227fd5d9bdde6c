"""Optional second-stage ranking with a cross-encoder the user has on disk.

No cross-encoder ships offline, so ranking is good without one; a user who has
one (say cross-encoder/ms-marco-MiniLM-L6-v2 in the local Hugging Face cache,
or a folder) sets `reranker_model` and the top candidates of each search are
re-scored by reading query and passage together.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from index.embedder import _offline_and_quiet
from index.errors import ModelNotAvailable
from index.records import StoredDocument
from index.search import Hit

logger = logging.getLogger(__name__)


class Reranker(Protocol):
    """Scores (query, passage) pairs; higher is more relevant."""

    model_id: str

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray:
        """One relevance score per passage."""
        ...


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder loaded from local files only."""

    def __init__(self, model: str, *, max_length: int = 512):
        _offline_and_quiet()
        from sentence_transformers import CrossEncoder

        try:
            self._model = CrossEncoder(model, device="cpu", max_length=max_length)
        except Exception as exc:  # sentence-transformers raises many types for a missing model
            hint = "" if Path(model).exists() else " (not a local path, and not in the offline Hugging Face cache)"
            raise ModelNotAvailable(f"cannot load reranker model {model!r}{hint}: {exc}") from None
        self.model_id = model
        self._lock = threading.Lock()  # one tokenizer, shared by the UI's worker threads

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            scores = self._model.predict([(query, p) for p in passages], batch_size=32, show_progress_bar=False)
        return np.asarray(scores, dtype=np.float32).reshape(len(passages), -1)[:, 0]


def rerank(
    reranker: Reranker, query: str, retrieved: list[tuple[Hit, StoredDocument]], k: int
) -> list[tuple[Hit, StoredDocument]]:
    """The `k` best of `retrieved` by the reranker's score, renumbered.

    Each hit's `score` stays its cosine similarity (thresholds keep their
    meaning); `rerank_score` holds the cross-encoder's.
    """
    if not retrieved:
        return []
    scores = reranker.score(query, [hit.text for hit, _ in retrieved])
    order = sorted(range(len(retrieved)), key=lambda i: (-float(scores[i]), i))[:k]
    return [
        (replace(retrieved[i][0], rank=rank, rerank_score=round(float(scores[i]), 4)), retrieved[i][1])
        for rank, i in enumerate(order, start=1)
    ]
