"""`foi tune`: fine-tune the embedder on the index's own request → answer pairs, saved beside the index."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

from assistant.errors import AssistantError
from index.index_models import MODELS_FOLDER, model_to_load
from index.tune import StepCallback, TuneResult, fine_tune
from index.tune_pairs import PairSet, build_pairs, evaluated_files

logger = logging.getLogger(__name__)

# The repository's labelled question sets (present in a source checkout, not in an installed wheel).
DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[1] / "examples" / "eval"


def default_eval_sets() -> list[Path]:
    """Every examples/eval/*.jsonl of the source checkout (empty when installed without it)."""
    return sorted(DEFAULT_EVAL_DIR.glob("*.jsonl")) if DEFAULT_EVAL_DIR.is_dir() else []


def default_out_dir(index_root: Path, today: dt.date | None = None) -> Path:
    """`<index>/models/tuned-YYYYMMDD`, with `-2`, `-3`... when that exists already."""
    stem = f"tuned-{(today or dt.date.today()).strftime('%Y%m%d')}"
    candidate, n = index_root / MODELS_FOLDER / stem, 1
    while candidate.exists():
        n += 1
        candidate = index_root / MODELS_FOLDER / f"{stem}-{n}"
    return candidate


def training_pairs(assistant, eval_sets: Sequence[Path]) -> PairSet:
    """The index's training pairs, every thread an evaluation set lists left out."""
    return build_pairs(assistant.documents(), evaluated_files(eval_sets))


def tune_index(
    assistant,
    *,
    out_dir: Path | None = None,
    eval_sets: Sequence[Path] | None = None,
    epochs: int = 1,
    batch_size: int = 16,
    seed: int = 0,
    max_pairs: int | None = None,
    on_step: StepCallback | None = None,
) -> tuple[PairSet, TuneResult]:
    """Fine-tune the index's model on its own pairs; the index itself is not changed.

    Args:
        assistant: An open Assistant on an existing index.
        out_dir: Where to save the model; default `default_out_dir(index)`.
        eval_sets: JSONL question sets whose relevant threads are held out; default `default_eval_sets()`.
        epochs, batch_size, seed: See `index.tune.fine_tune`.
        max_pairs: Use only the first N pairs (a quick trial).

    Raises:
        AssistantError: no index, or too few pairs.
    """
    if not assistant.directory.exists():
        raise AssistantError(f"no index at {assistant.directory.root}; run foi ingest first")
    sets = default_eval_sets() if eval_sets is None else list(eval_sets)
    if not sets:
        logger.warning("no evaluation sets given: no thread is held out of training")
    pair_set = training_pairs(assistant, sets)
    pairs = pair_set.pairs[:max_pairs] if max_pairs else pair_set.pairs
    if len(pairs) < 2:
        raise AssistantError(
            f"only {len(pairs)} training pairs in {assistant.directory.root} "
            f"({pair_set.excluded_threads} threads held out for evaluation); fine-tuning needs request/response threads"
        )
    base = assistant.directory.read_manifest().model
    out = out_dir or default_out_dir(assistant.directory.root)
    try:
        result = fine_tune(
            pairs, out, base_model=model_to_load(assistant.directory.root, base), epochs=epochs,
            batch_size=batch_size, seed=seed, on_step=on_step,
        )
    except ValueError as exc:
        raise AssistantError(str(exc)) from None
    return pair_set, result
