"""Fine-tune the embedder on (query, passage) pairs with in-batch negatives, on the CPU, offline.

A plain PyTorch loop around sentence-transformers' MultipleNegativesRankingLoss:
each query's own passage is its positive and the other passages of the batch are
its negatives. Its trainer would add `datasets` and `accelerate` for nothing a
few hundred steps need. The result is saved as a sentence-transformers model
directory (safetensors weights, JSON configs: no pickle) and exported to ONNX
int8 with `index.onnx_export`, so the default backend can load it at once.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from index.embedder import _offline_and_quiet, resolve_model_path
from index.errors import ModelNotAvailable
from index.tune_pairs import TrainingPair

logger = logging.getLogger(__name__)

TUNE_RECORD = "foi_tune.json"  # what trained the model, beside its weights
StepCallback = Callable[[int, int, float], None]  # (step, steps, loss)


@dataclass
class TuneResult:
    """What a fine-tune did.

    Attributes:
        model_dir: The saved model directory.
        base_model: The model it started from.
        pairs: Training pairs used; threads: threads they came from.
        epochs, batch_size, learning_rate, seed: The training settings.
        steps: Optimiser steps taken; final_loss: the mean loss of the last epoch.
        seconds: Wall-clock training time (loading, saving and export excluded).
    """

    model_dir: str
    base_model: str
    pairs: int
    threads: int
    epochs: int
    batch_size: int
    learning_rate: float
    seed: int
    steps: int
    final_loss: float
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def _batches(pairs: Sequence[TrainingPair], batch_size: int, rng: random.Random) -> list[list[TrainingPair]]:
    """Shuffled batches in which no passage occurs twice (a duplicate would be a false negative);
    a pair whose passage is already in the batch waits for the next one."""
    pending = list(pairs)
    rng.shuffle(pending)
    batches: list[list[TrainingPair]] = []
    while pending:
        batch, passages, waiting = [], set(), []
        while pending and len(batch) < batch_size:
            pair = pending.pop(0)
            if pair.passage in passages:
                waiting.append(pair)
            else:
                batch.append(pair)
                passages.add(pair.passage)
        pending[:0] = waiting
        batches.append(batch)
    return [b for b in batches if len(b) >= 2]  # a batch of one has no negatives


def fine_tune(
    pairs: Sequence[TrainingPair],
    out_dir: Path,
    *,
    base_model: str,
    epochs: int = 1,
    batch_size: int = 16,
    learning_rate: float = 2e-5,
    seed: int = 0,
    max_steps: int | None = None,
    export_onnx: bool = True,
    on_step: StepCallback | None = None,
) -> TuneResult:
    """Train `base_model` on `pairs` and save the result in `out_dir` (which must not exist).

    Args:
        pairs: (query, passage) examples; at least two.
        out_dir: Where the model directory is written (atomically: a temporary sibling, then renamed).
        base_model: A model name (the bundled default) or local path to start from.
        epochs: Passes over the pairs.
        batch_size: Pairs per step; each query's negatives are the batch's other passages.
        learning_rate: AdamW's peak rate (10% linear warm-up, then linear decay).
        seed: Seeds Python's and PyTorch's generators, so a run can be repeated.
        max_steps: Stop after this many steps (tests).
        export_onnx: Also export the ONNX int8 file the default backend loads (cached by `index.onnx_export`).
        on_step: Called after every step with (step, steps, loss).

    Raises:
        ValueError: fewer than two pairs, or `out_dir` exists.
        ModelNotAvailable: the base model cannot be loaded offline.
    """
    if len(pairs) < 2:
        raise ValueError(f"fine-tuning needs at least two training pairs; got {len(pairs)}")
    if out_dir.exists():
        raise ValueError(f"{out_dir} already exists; choose a new --out directory")
    _offline_and_quiet()
    import torch
    from sentence_transformers import SentenceTransformer
    try:
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    except ImportError:  # sentence-transformers before 6
        from sentence_transformers.losses import MultipleNegativesRankingLoss

    random.seed(seed)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    try:
        model = SentenceTransformer(resolve_model_path(base_model), device="cpu")
    except Exception as exc:  # sentence-transformers raises many types for a missing model
        raise ModelNotAvailable(f"cannot load the base model {base_model!r}: {exc}") from None
    loss_fn = MultipleNegativesRankingLoss(model)
    preprocess = getattr(model, "preprocess", None) or model.tokenize  # `tokenize` before sentence-transformers 6
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    plan = [_batches(pairs, batch_size, rng) for _ in range(epochs)]
    steps = sum(len(epoch) for epoch in plan)
    if max_steps is not None:
        steps = min(steps, max_steps)
    warmup = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    model.train()
    step, epoch_losses, started = 0, [], time.monotonic()
    for epoch in plan:
        epoch_losses = []
        for batch in epoch:
            if step >= steps:
                break
            features = [preprocess([p.query for p in batch]), preprocess([p.passage for p in batch])]
            loss = loss_fn(features, None)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            value = float(loss.detach())
            epoch_losses.append(value)
            if on_step is not None:
                on_step(step, steps, value)
    seconds = time.monotonic() - started
    model.eval()
    result = TuneResult(
        model_dir=str(out_dir), base_model=base_model, pairs=len(pairs), threads=len({p.thread for p in pairs}),
        epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed, steps=step,
        final_loss=round(sum(epoch_losses) / max(1, len(epoch_losses)), 4), seconds=round(seconds, 1),
    )
    _save(model, out_dir, result)
    if export_onnx:
        from index.onnx_export import onnx_model_file

        onnx_model_file(out_dir, quantized=True)
    return result


def _save(model, out_dir: Path, result: TuneResult) -> None:
    """Write the model beside `out_dir` and rename it into place, so no half-written model is ever loadable."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        model.save(str(tmp), safe_serialization=True)
        (tmp / TUNE_RECORD).write_text(json.dumps(result.to_dict(), indent=1), encoding="utf-8")
        os.replace(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
