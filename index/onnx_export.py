"""Export a local sentence-transformers model to ONNX (fp32 and dynamic int8), offline, once.

sentence-transformers' own `backend="onnx"` goes through Optimum, whose ONNX
package requires transformers < 4.58 while sentence-transformers 6 requires
transformers 5, so the two cannot be installed together. The export needs
nothing Optimum adds for an encoder: `torch.onnx.export` of the transformer
(pooling and normalisation stay in numpy) and ONNX Runtime's `quantize_dynamic`.

Exported files are cached under `$FOI_CACHE` (default `~/.cache/foi-assistant`),
in `onnx/<key>/`, where the key is a hash of the model's files (names, sizes,
mtimes) and of this exporter's version, so a changed model is exported anew and
an unchanged one is reused by every later run and every index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from pathlib import Path

from filelock import FileLock

from index.errors import ModelNotAvailable

logger = logging.getLogger(__name__)

# Bump when the exported graph or the quantisation recipe changes.
EXPORTER_VERSION = "1"
OPSET = 17
FP32_NAME = "model.onnx"
INT8_NAME = "model_qint8.onnx"


def cache_root() -> Path:
    """Where exported models live: `$FOI_CACHE`, else `~/.cache/foi-assistant`."""
    configured = os.environ.get("FOI_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "foi-assistant"


def model_key(model_dir: Path) -> str:
    """A short hash that changes when any file of the model changes."""
    digest = hashlib.sha256(f"exporter {EXPORTER_VERSION} opset {OPSET}\n".encode())
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        stat = path.stat()
        digest.update(f"{path.relative_to(model_dir)} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def onnx_model_file(model_dir: Path, *, quantized: bool) -> Path:
    """The cached ONNX file for `model_dir`, exported (and quantised) first if missing.

    Raises:
        ModelNotAvailable: the model directory lacks a transformer, or the export failed.
    """
    if not (model_dir / "config.json").is_file():
        raise ModelNotAvailable(f"{model_dir} has no config.json; the ONNX backends need a local model directory")
    target = cache_root() / "onnx" / model_key(model_dir)
    target.mkdir(parents=True, exist_ok=True)
    fp32 = target / FP32_NAME
    int8 = target / INT8_NAME
    wanted = int8 if quantized else fp32
    if wanted.is_file():
        return wanted
    # One process exports; a concurrent one waits and then reuses its files.
    with FileLock(str(target / "export.lock")):
        if not fp32.is_file():
            logger.info("exporting %s to ONNX (once) in %s", model_dir, target)
            _export(model_dir, fp32)
        if quantized and not int8.is_file():
            logger.info("quantising the ONNX model to int8 (once)")
            _quantize(fp32, int8)
        (target / "source.json").write_text(
            json.dumps({"model_dir": str(model_dir), "exporter": EXPORTER_VERSION, "opset": OPSET}), encoding="utf-8"
        )
    return wanted


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    try:
        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    except Exception as exc:  # transformers raises many types for a model it cannot load
        raise ModelNotAvailable(f"cannot load {model_dir} for ONNX export: {exc}") from None
    model.eval()
    encoder = _keyword_wrapper(model)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = {name: torch.ones((2, 8), dtype=torch.int64) for name in names}
    dynamic = {name: {0: "batch", 1: "sequence"} for name in names}
    dynamic["last_hidden_state"] = {0: "batch", 1: "sequence"}
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    # The TorchScript exporter warns about advanced indexing in the attention mask;
    # the indices are never negative there, and the outputs match PyTorch (README).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            encoder,
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(tmp),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,  # the TorchScript exporter needs no onnxscript
        )
    os.replace(tmp, out)


def _keyword_wrapper(model):
    """The transformer called by keyword: its positional arguments differ between versions."""
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    return Encoder()


def _quantize(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    # Weights as signed int8 per output channel, activations quantised at run time
    # (the recipe of Optimum's avx512_vnni dynamic configuration).
    # ONNX Runtime's quantiser logs every tensor on the root logger, and advises a
    # pre-processing step that makes no difference to a dynamically quantised encoder.
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True, reduce_range=False)
    finally:
        logging.disable(logging.NOTSET)
    os.replace(tmp, out)
