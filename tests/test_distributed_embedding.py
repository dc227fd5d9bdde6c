"""The background embedding queue of a distributed ingest: the driver reads on while windows embed."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from index.distributed_embedding import BackgroundEmbedding


def _vectors(windows):
    return {key: np.full(2, float(len(text)), dtype=np.float32) for window in windows for key, text in window}


def test_submit_returns_while_the_window_is_still_embedding_and_collect_waits_for_it():
    started, release = threading.Event(), threading.Event()

    def slow_embed(windows):
        started.set()
        assert release.wait(10), "the driver never let the embedding finish"
        return _vectors(windows)

    embedding = BackgroundEmbedding(slow_embed)
    embedding.submit([("a", "one"), ("b", "three")])  # returns at once: the driver goes on reading
    assert started.wait(10), "the window was not embedded in the background"
    embedding.submit([("c", "seven")])  # queued behind the run in progress
    release.set()
    vectors = embedding.collect()
    embedding.close()
    assert sorted(vectors) == ["a", "b", "c"]
    assert vectors["b"][0] == 5.0


def test_collect_starts_afresh_after_each_step():
    embedding = BackgroundEmbedding(_vectors)
    embedding.submit([("a", "x")])
    assert list(embedding.collect()) == ["a"]
    embedding.submit([("b", "yy")])
    assert list(embedding.collect()) == ["b"]
    assert embedding.collect() == {}
    embedding.close()


def test_a_failed_run_is_raised_to_the_driver_not_lost():
    def broken(windows):
        raise RuntimeError("the cluster lost its workers")

    embedding = BackgroundEmbedding(broken)
    embedding.submit([("a", "x")])
    with pytest.raises(RuntimeError, match="lost its workers"):
        embedding.collect()
    with pytest.raises(RuntimeError, match="lost its workers"):
        embedding.submit([("b", "y")])
    embedding.close()
