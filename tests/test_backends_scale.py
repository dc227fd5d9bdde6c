"""Embedding backends (ONNX fp32/int8, exported offline and cached) and the approximate vector index."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from index.manifest import Manifest
from index.vectors import FLAT, IVF, VectorIndex


def unit(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_flat_stays_flat_below_threshold():
    index = VectorIndex.create(32)
    index.add(unit(100), np.arange(100))
    assert not index.fit(100) and index.kind == FLAT


def test_ivf_keeps_adds_deletes_lookups_and_survives_save(tmp_path):
    x = unit(3000)
    index = VectorIndex.create(32)
    index.add(x[:2000], np.arange(2000) + 5)
    assert index.fit(1000) and index.kind == IVF
    index.add(x[2000:], np.arange(2000, 3000) + 5)
    assert index.remove([5, 6, 10**9]) == 2
    assert len(index) == 2998 and set(index.ids().tolist()) == set(range(7, 3005))
    _, ids = index.search(x[500], 5)
    assert ids[0] == 505
    assert index.similarities(x[500], np.array([505]))[0] == pytest.approx(1.0, abs=0.01)
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert loaded.kind == IVF and len(loaded) == 2998
    loaded.remove([505])
    assert 505 not in loaded.search(x[500], 5)[1].tolist()


def test_ivf_is_reclustered_as_the_collection_grows():
    x = unit(6000, seed=1)
    index = VectorIndex.create(32)
    index.add(x[:500], np.arange(500))
    index.fit(100)
    lists = index._ivf.nlist
    index.add(x[500:], np.arange(500, 6000))
    assert index.fit(100) and index._ivf.nlist > lists and len(index) == 6000
    assert index.search(x[4000], 1)[1][0] == 4000


def test_ivf_shrinks_back_to_flat_and_reclusters_when_much_smaller():
    x = unit(6000, seed=2)
    index = VectorIndex.create(32)
    index.add(x, np.arange(6000))
    index.fit(1000)
    lists = index._ivf.nlist
    index.remove(list(range(0, 5000)))  # 1,000 left: well below the clustering's size
    assert index.fit(1000) and index.kind == IVF and index._ivf.nlist < lists
    index.remove(list(range(5000, 5600)))  # 400 left: under half the threshold
    assert index.fit(1000) and index.kind == FLAT and len(index) == 400
    assert index.search(x[5800], 1)[1][0] == 5800
    assert not index.fit(1000)


def test_old_manifest_reads_as_torch_and_flat(tmp_path):
    manifest = Manifest(
        format_version=2, generation=1, model="m", dimension=4, max_tokens=10, chunk_tokens=8,
        chunk_overlap=1, created_at="t", updated_at="t",
    )
    data = json.loads(manifest.to_json())
    del data["backend"], data["vector_index"]
    old = Manifest.from_json(json.dumps(data), tmp_path / "manifest.json")
    assert (old.backend, old.vector_index) == ("torch", "flat")


def test_unknown_backend_is_refused():
    from index.embedder import load_embedder

    with pytest.raises(ValueError, match="unknown embedding backend 'gpu'"):
        load_embedder("all-MiniLM-L6-v2", backend="gpu")


@pytest.mark.integration
def test_onnx_int8_is_exported_once_offline_and_close_to_torch(tmp_path, monkeypatch, capfd):
    from index.embedder import load_embedder

    torch = load_embedder("all-MiniLM-L6-v2", backend="torch")

    monkeypatch.setenv("FOI_CACHE", str(tmp_path / "cache"))
    texts = [
        "West Midlands Police does not currently use live facial recognition.",
        "The council spent £1.2m on agency social workers in 2022/23.",
        "Request refused under section 31(3): law enforcement.",
    ]
    int8 = load_embedder("all-MiniLM-L6-v2", backend="onnx-int8")
    assert (int8.backend, int8.dimension, int8.max_tokens) == ("onnx-int8", 384, torch.max_tokens)
    files = sorted(p.name for p in (tmp_path / "cache" / "onnx").glob("*/*.onnx"))
    assert files == ["model.onnx", "model_qint8.onnx"]
    cosine = (int8.embed(texts) * torch.embed(texts)).sum(axis=1)
    assert cosine.min() >= 0.98
    assert int8.count_tokens(texts[1]) == torch.count_tokens(texts[1])
    fp32 = load_embedder("all-MiniLM-L6-v2", backend="onnx")  # reuses the cached export
    assert (fp32.embed(texts) * torch.embed(texts)).sum(axis=1).min() >= 0.999
    # stderr carries our progress and warnings (and `--quiet` silences it): no library's bars.
    assert "Loading weights" not in capfd.readouterr().err


@pytest.mark.integration
def test_counting_tokens_while_embedding_on_another_thread_is_safe(real_embedder):
    """Chunking counts tokens on the ingest thread while the pipeline embeds on a worker."""
    import threading

    texts = [f"Freedom of information request {i} about parking fines and CCTV. " * (1 + i % 7) for i in range(200)]
    errors = []

    def embed_loop():
        try:
            for begin in range(0, len(texts), 16):
                real_embedder.embed(texts[begin : begin + 16], batch_size=16)
        except Exception as exc:  # the failure under test
            errors.append(exc)

    worker = threading.Thread(target=embed_loop)
    worker.start()
    counts = [real_embedder.count_tokens(text) for text in texts for _ in range(3)]
    worker.join()
    assert errors == []
    assert counts[:3] == [counts[0]] * 3 and counts[0] > 10


def test_index_turns_approximate_as_it_grows_and_exact_again_after_removals(tmp_path, fake_embedder):
    from assistant import Assistant

    folder = tmp_path / "docs"
    folder.mkdir()
    words = "council parking cameras libraries potholes housing budget staff roads schools".split()
    for n in range(300):
        text = " ".join(f"{words[(n + i) % len(words)]}{n}x{i}" for i in range(90))
        (folder / ("keep" if n < 100 else "drop") / f"d{n}.txt").parent.mkdir(exist_ok=True)
        (folder / ("keep" if n < 100 else "drop") / f"d{n}.txt").write_text(text)
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, chunk_tokens=20, chunk_overlap=0,
                               ann_threshold=1000)
    assistant.ingest([folder])
    grown = assistant.stats()
    assert grown.vectors > 1000 and grown.vector_index == IVF
    assistant.remove([str(folder / "drop")])
    shrunk = assistant.stats()
    assert shrunk.vectors <= 500 and shrunk.vector_index == FLAT
    assert assistant.check().ok
    hit = assistant.search("council0x0 parking0x1", k=1, mode="lexical").hits[0]
    assert hit.path.endswith("d0.txt")


@pytest.mark.integration
def test_onnx_batches_are_tokenised_exactly_as_the_models_own_tokenizer_does(real_embedder):
    """The ONNX backends tokenise with a private Rust tokenizer set up once (no per-call lock);
    its ids, masks and padding must be the model tokenizer's, or vectors drift from torch's."""
    texts = [
        "Does the force use live facial recognition?",
        "é ü ñ — “quotes” £1.2m 18201/18 s.31(3)",
        "",
        "Council tax summonses issued in 2023. " * 200,  # longer than the model takes: truncated
    ]
    from transformers import AutoTokenizer

    from assistant.settings import DEFAULT_MODEL
    from index.embedder import resolve_model_path

    # The model's own tokenizer, loaded here: the embedder's may be the saved copy (index/saved_tokenizer.py).
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(DEFAULT_MODEL), local_files_only=True)
    for batch in (texts[:1], texts, texts[1:3]):
        ours = real_embedder._tokenize(batch)
        theirs = tokenizer(batch, padding=True, truncation=True, max_length=real_embedder._max_length, return_tensors="np")
        for name in ("input_ids", "attention_mask", "token_type_ids"):
            assert ours[name].tolist() == theirs[name].tolist(), name


@pytest.mark.integration
def test_a_graph_the_optimizer_cannot_fuse_is_exported_unfused(tmp_path, monkeypatch, caplog):
    """Fusion is an optimisation: a model ONNX Runtime's optimizer fails on still gets a correct export."""
    from onnxruntime.transformers import optimizer

    from index.embedder import load_embedder

    def fail(*args, **kwargs):
        raise ValueError("unknown architecture")

    monkeypatch.setattr(optimizer, "optimize_model", fail)
    monkeypatch.setenv("FOI_CACHE", str(tmp_path / "cache"))
    texts = ["Request refused under section 31(3): law enforcement.", "The council spent £1.2m on agency staff."]
    with caplog.at_level("WARNING"):
        unfused = load_embedder("all-MiniLM-L6-v2", backend="onnx")
    assert "fusion skipped (unknown architecture)" in caplog.text
    torch = load_embedder("all-MiniLM-L6-v2", backend="torch")
    assert (unfused.embed(texts) * torch.embed(texts)).sum(axis=1).min() >= 0.999
    assert sorted(p.name for p in (tmp_path / "cache" / "onnx").glob("*/*")) == [
        "export.lock", "model.onnx", "source.json", "tokenizer-backend.json"]


@pytest.mark.integration
def test_a_second_onnx_load_reads_the_saved_tokenizer_without_transformers_and_embeds_the_same(tmp_path):
    """A Ray actor loads the model in a fresh process: the saved tokenizer spares it transformers' import."""
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from index.embedder import load_embedder\n"
        "e = load_embedder('all-MiniLM-L6-v2', backend='onnx-int8')\n"
        "texts = ['Does the force use live facial recognition?', 'é ü ñ — “quotes” £1.2m s.31(3)', "
        "'Council tax summonses. ' * 200]\n"
        "print(json.dumps({'saved': type(e._tokenizer).__name__ == 'SavedTokenizer', "
        "'transformers': 'transformers' in sys.modules, 'counts': [e.count_tokens(t) for t in texts], "
        "'vectors': e.embed(texts).tolist()}))\n"
    )
    env = {**os.environ, "FOI_CACHE": str(tmp_path / "cache"), "PYTHONPATH": os.pathsep.join(sys.path)}
    first, second = (json.loads(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                               text=True, check=True).stdout) for _ in range(2))
    assert (first["saved"], first["transformers"]) == (False, True)
    assert (second["saved"], second["transformers"]) == (True, False)
    assert second["counts"] == first["counts"] and second["vectors"] == first["vectors"]
