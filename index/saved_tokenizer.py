"""A model's fast tokenizer without importing transformers, from a copy kept with its ONNX export.

Importing transformers (which imports torch) takes about four seconds, and every Ray actor
(`index/distributed_worker.py`) and every cold ONNX load paid it just to build a tokenizer. The
first load still goes through transformers and saves what it built: the Rust backend after
transformers applied `tokenizer_config.json`, its pad token and maximum length. Later loads
read that copy with the `tokenizers` package alone, so they tokenise exactly as transformers
did. The copy sits in the export's cache folder, whose key changes with the model's files, and
records the transformers version that wrote it; another version writes it anew.
"""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path

SAVED_NAME = "tokenizer-backend.json"


class SavedTokenizer:
    """What OnnxEmbedder reads of a Hugging Face fast tokenizer."""

    def __init__(self, backend, pad_token: str, pad_token_id: int, model_max_length: int):
        self.backend_tokenizer = backend
        self.pad_token = pad_token
        self.pad_token_id = pad_token_id
        self.model_max_length = model_max_length


def load_tokenizer(model_dir: Path, cache_dir: Path):
    """The tokenizer of `model_dir`: the saved copy in `cache_dir`, else transformers' (then saved).

    Raises:
        Whatever `AutoTokenizer.from_pretrained` raises for a model it cannot load.
    """
    saved = _read(cache_dir / SAVED_NAME)
    if saved is not None:
        return saved
    from transformers import AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and tokenizer.pad_token_id is not None:
        _write(cache_dir / SAVED_NAME, {
            "transformers": _transformers_version(), "backend": backend.to_str(),
            "pad_token": tokenizer.pad_token, "pad_token_id": tokenizer.pad_token_id,
            "model_max_length": tokenizer.model_max_length,
        })
    return tokenizer


def _read(path: Path) -> SavedTokenizer | None:
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if fields.get("transformers") != _transformers_version():
        return None
    from tokenizers import Tokenizer

    return SavedTokenizer(Tokenizer.from_str(fields["backend"]), fields["pad_token"], fields["pad_token_id"],
                          fields["model_max_length"])


def _write(path: Path, fields: dict) -> None:
    # Written whole and renamed into place: a concurrent reader sees the old copy or the new one.
    # A read-only cache only costs later loads the transformers import, so a failure is no error.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(fields), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def _transformers_version() -> str | None:
    try:
        return metadata.version("transformers")
    except metadata.PackageNotFoundError:
        return None
