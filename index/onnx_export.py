"""Export a local sentence-transformers model to ONNX (fp32 and dynamic int8), offline, once.

sentence-transformers' own `backend="onnx"` goes through Optimum, whose ONNX
package requires transformers < 4.58 while sentence-transformers 6 requires
transformers 5, so the two cannot be installed together. The export needs
nothing Optimum adds for an encoder: `torch.onnx.export` of the transformer
(pooling and normalisation stay in numpy), ONNX Runtime's transformer optimizer
(which fuses each layer's attention, layer norms and GELU into single kernels, as
Optimum's `optimize` does; the unfused graph has six times the nodes, and a query
of a dozen tokens pays for each) and ONNX Runtime's `quantize_dynamic`.

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
EXPORTER_VERSION = "2"
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

    try:
        model = _load_for_export(model_dir)
    except Exception as exc:  # transformers raises many types for a model it cannot load
        raise ModelNotAvailable(f"cannot load {model_dir} for ONNX export: {exc}") from None
    model.eval()
    encoder = _keyword_wrapper(model)
    plain = out.with_name(out.name + f".{os.getpid()}.plain")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = {name: torch.ones((2, 8), dtype=torch.int64) for name in names}
    dynamic = {name: {0: "batch", 1: "sequence"} for name in names}
    dynamic["last_hidden_state"] = {0: "batch", 1: "sequence"}
    # The TorchScript exporter warns about advanced indexing in the attention mask;
    # the indices are never negative there, and the outputs match PyTorch (README).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            encoder,
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(plain),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,  # the TorchScript exporter needs no onnxscript
        )
    try:
        _fuse(plain, out, model.config)
    finally:
        plain.unlink(missing_ok=True)


def _load_for_export(model_dir: Path):
    from transformers import AutoModel

    # Eager attention exports as the MatMul/Softmax pattern that ONNX Runtime's optimizer
    # fuses into one Attention kernel; the SDPA export is left unfused.
    try:
        return AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager")
    except (TypeError, ValueError):  # a model without an eager attention implementation
        return AutoModel.from_pretrained(str(model_dir), local_files_only=True)


def _fuse(plain: Path, out: Path, config) -> None:
    """Write `plain` with its transformer layers fused into ONNX Runtime's kernels to `out`,
    or `plain` unchanged when fusion fails or changes the outputs (an architecture the
    optimizer does not know)."""
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    try:
        from onnxruntime.transformers import optimizer

        heads, hidden = getattr(config, "num_attention_heads", 0), getattr(config, "hidden_size", 0)
        logging.disable(logging.WARNING)  # the optimizer logs every fusion it tries
        try:
            fused = optimizer.optimize_model(str(plain), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0)
        finally:
            logging.disable(logging.NOTSET)
        fused.save_model_to_file(str(tmp))
        if _same_outputs(plain, tmp, vocab_size=int(getattr(config, "vocab_size", 1000))):
            os.replace(tmp, out)
            return
        logger.warning("the fused ONNX graph of this model differs from the exported one; using the unfused graph")
    except Exception as exc:  # the optimizer raises many types on graphs it does not know
        logger.warning("ONNX graph fusion skipped (%s); using the unfused graph", exc)
    tmp.unlink(missing_ok=True)
    os.replace(plain, out)


def _same_outputs(reference: Path, candidate: Path, *, vocab_size: int) -> bool:
    """True when both graphs give the same hidden states (padding included) on a sample batch."""
    import numpy as np
    import onnxruntime

    rng = np.random.default_rng(0)
    ids = rng.integers(1000 if vocab_size > 2000 else 1, vocab_size, size=(2, 24), dtype=np.int64)
    mask = np.ones_like(ids)
    mask[1, 15:] = 0
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}

    def hidden(path: Path):
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        names = {i.name for i in session.get_inputs()}
        return session.run(None, {k: v for k, v in feed.items() if k in names})[0]

    a, b = hidden(reference), hidden(candidate)
    kept = mask.astype(bool)
    return a.shape == b.shape and bool(np.allclose(a[kept], b[kept], atol=1e-3, rtol=1e-3))


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
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    # Weights as signed int8 per output channel, activations quantised at run time
    # (the recipe of Optimum's avx512_vnni dynamic configuration).
    # ONNX Runtime's quantiser logs every tensor on the root logger, and advises a
    # pre-processing step that makes no difference to a dynamically quantised encoder.
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(
            str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True, reduce_range=False,
            # Fused kernels (com.microsoft domain) defeat ONNX shape inference; their outputs are float.
            extra_options={"DefaultTensorType": TensorProto.FLOAT},
        )
    finally:
        logging.disable(logging.NOTSET)
    os.replace(tmp, out)
