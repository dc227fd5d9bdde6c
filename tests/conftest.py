"""Shared fixtures: a deterministic fake embedder, isolated paths, and the real model once."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
NO_CORPUS = "needs ../shared/corpus (the shared FOI corpus beside the repository), which is absent"

_WORD = re.compile(r"\w+|[^\w\s]")


class FakeEmbedder:
    """Embeds a text as hashed bag-of-words counts: same words, similar vectors.

    Deterministic and fast; tokens are words and punctuation marks.
    """

    model_id = "fake-bag-of-words"
    dimension = 64
    max_tokens = 60

    def __init__(self):
        self.embedded: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))

    def embed(self, texts, *, batch_size=32, progress=None):
        self.embedded.extend(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            out[row, 0] += 0.0 if norm else 1.0
        if progress:
            progress(len(texts), len(texts))
        return out


class SlowEmbedder(FakeEmbedder):
    """The fake embedder at 0.05 s per 4 texts: slow enough for a test to kill a write mid-way."""

    def embed(self, texts, **kwargs):
        import time

        out = []
        for begin in range(0, len(texts), 4):
            time.sleep(0.05)
            out.append(super().embed(texts[begin : begin + 4]))
        return np.concatenate(out) if out else super().embed([])


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def fake_model(monkeypatch, fake_embedder) -> list[tuple[str, dict]]:
    """Make every Assistant the CLI opens load `fake_embedder` instead of the real model.

    Returns the list of (model, options) of each load, so a test can count them.
    """
    loads: list[tuple[str, dict]] = []

    def load(model, **kwargs):
        loads.append((model, kwargs))
        return fake_embedder

    monkeypatch.setattr("assistant.api.load_embedder", load)
    return loads


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory) -> Path:
    """One ONNX export cache per session: exporting the model takes seconds, not milliseconds."""
    return tmp_path_factory.mktemp("foi-cache")


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path, monkeypatch, onnx_cache):
    """Point every path setting at tmp_path; nothing is written elsewhere."""
    monkeypatch.setenv("FOI_INDEX", str(tmp_path / "foi-index"))
    monkeypatch.setenv("FOI_CACHE", str(onnx_cache))
    monkeypatch.delenv("FOI_CONFIG", raising=False)
    monkeypatch.delenv("FOI_MODEL", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def real_embedder(onnx_cache):
    """The real default model with the default backend, loaded once per test session."""
    from assistant.settings import DEFAULT_BACKEND, DEFAULT_MODEL
    from index.embedder import load_embedder

    previous = os.environ.get("FOI_CACHE")
    os.environ["FOI_CACHE"] = str(onnx_cache)
    try:
        return load_embedder(DEFAULT_MODEL, backend=DEFAULT_BACKEND)
    finally:
        if previous is None:
            os.environ.pop("FOI_CACHE", None)
        else:
            os.environ["FOI_CACHE"] = previous


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(NO_CORPUS)
    return CORPUS


# In CI a missing browser or corpus must fail the run, not quietly skip half the suite.
_REQUIRED = {
    "FOI_REQUIRE_BROWSER": "chromium",
    "FOI_REQUIRE_CORPUS": "shared/corpus",
}


def _fail_required_skip(report) -> None:
    """Turn a skip for a missing requirement into a failure where the requirement is set."""
    if not report.skipped:
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    for variable, marker in _REQUIRED.items():
        if os.environ.get(variable) == "1" and marker in reason:
            report.outcome = "failed"
            report.longrepr = f"{variable}=1 but a test was skipped: {reason}"
            return


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_required_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_required_skip(outcome.get_result())
