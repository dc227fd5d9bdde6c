"""`foi tune`: a real (tiny) fine-tune of the bundled model, the tuned model's path, and usage errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.settings import DEFAULT_MODEL
from index.embedder import load_embedder
from index.index_models import model_to_load, recorded_model
from index.tune import TUNE_RECORD, fine_tune
from index.tune_pairs import TrainingPair

PAIRS = [
    TrainingPair("How many playgrounds did the council maintain?", "The council maintained 155 playgrounds.", "a"),
    TrainingPair("What was spent on agency social workers?", "Agency social workers cost £2.1m in 2022/23.", "b"),
    TrainingPair("How many potholes were repaired?", "41 potholes were repaired on Abbey Lane.", "c"),
    TrainingPair("Does the force use facial recognition?", "We do not use live facial recognition.", "d"),
]
PROBE = ["How many playgrounds are there?", "Facial recognition cameras"]


def test_one_step_fine_tune_saves_a_loadable_model_whose_vectors_differ(tmp_path, real_embedder):
    out = tmp_path / "index" / "models" / "tuned-test"
    result = fine_tune(PAIRS, out, base_model=DEFAULT_MODEL, batch_size=4, learning_rate=1e-3, max_steps=1)
    assert result.steps == 1 and result.pairs == 4 and result.threads == 4
    files = {p.name for p in out.rglob("*") if p.is_file()}
    assert "model.safetensors" in files and TUNE_RECORD in files
    assert not any(name.endswith((".bin", ".pt", ".pkl", ".pickle")) for name in files)  # no pickle on disk
    bases = {"onnx-int8": real_embedder, "torch": load_embedder(DEFAULT_MODEL, backend="torch")}
    for backend, base_model in bases.items():  # the default backend (onnx-int8) loads it as an index would
        tuned_model = load_embedder(str(out), backend=backend)
        assert tuned_model.dimension == base_model.dimension
        tuned, base = tuned_model.embed(PROBE), base_model.embed(PROBE)
        assert tuned.shape == base.shape
        assert np.allclose(np.linalg.norm(tuned, axis=1), 1.0, atol=1e-5)
        assert np.abs(tuned - base).max() > 1e-3
    with pytest.raises(ValueError, match="already exists"):
        fine_tune(PAIRS, out, base_model=DEFAULT_MODEL, max_steps=1, export_onnx=False)


def test_a_model_inside_the_index_is_recorded_relative_to_it_and_found_after_a_move(tmp_path):
    index = tmp_path / "idx"
    (index / "models" / "tuned-1").mkdir(parents=True)
    assert recorded_model(index, str(index / "models" / "tuned-1")) == "models/tuned-1"
    assert recorded_model(index, DEFAULT_MODEL) == DEFAULT_MODEL
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert recorded_model(index, str(outside)) == str(outside)
    moved = tmp_path / "moved"
    shutil.move(index, moved)
    assert model_to_load(moved, "models/tuned-1") == str(moved / "models" / "tuned-1")
    assert model_to_load(moved, "models/../../etc") == "models/../../etc"  # never outside the index
    assert model_to_load(moved, DEFAULT_MODEL) == DEFAULT_MODEL


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["tune", "--epochs", "0"], 2, "--epochs", id="zero-epochs"),
        pytest.param(["tune", "--batch-size", "1"], 2, "--batch-size", id="batch-of-one"),
        pytest.param(["tune", "--exclude-set", "missing.jsonl"], 2, "missing.jsonl", id="missing-eval-set"),
        pytest.param(["tune", "--out", "."], 2, "already exists", id="existing-out"),
        pytest.param(["tune", "--index", "no-such-index"], 1, "no index at", id="no-index"),
    ],
)
def test_tune_usage_errors_exit_cleanly(args, code, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_no_batch_holds_one_passage_twice():
    import random

    from index.tune import _batches

    shared = "Please see the attached spreadsheet of figures."
    pairs = [TrainingPair(f"question {i}", shared if i % 2 else f"answer {i}", "t") for i in range(20)]
    batches = _batches(pairs, 4, random.Random(0))
    assert all(len({p.passage for p in batch}) == len(batch) for batch in batches)
    kept = [p for batch in batches for p in batch]
    assert len(kept) == len(set(kept))
    assert sum(p.passage != shared for p in kept) == 10  # every distinct answer is trained on


def _write_thread(path, request: str, response: str) -> None:
    import mailbox
    from email.message import EmailMessage

    box = mailbox.mbox(str(path))
    for n, (sender, body) in enumerate([
        ("A Requester <request-101@whatdotheyknow.com>", request),
        ("FOI Team <foi@sheffield.gov.uk>", response),
    ]):
        message = EmailMessage()
        message["From"], message["To"] = sender, "x@example.org"
        message["Subject"] = "Freedom of Information request - Playgrounds"
        message["Date"] = f"Mon, 0{n + 1} Jan 2024 10:00:00 +0000"
        message.set_content(body)
        box.add(message)
    box.flush()
    box.close()


def test_tune_then_rebuild_with_it_and_the_index_still_opens_after_a_move(tmp_path):
    from tests.test_tune_pairs import PLAYGROUND_REQUEST, PLAYGROUND_RESPONSE

    corpus = tmp_path / "corpus" / "sheffield-wdtk"
    corpus.mkdir(parents=True)
    _write_thread(corpus / "playgrounds.mbox", PLAYGROUND_REQUEST, PLAYGROUND_RESPONSE)
    _write_thread(corpus / "evaluated.mbox", PLAYGROUND_REQUEST.replace("playground", "library"),
                  PLAYGROUND_RESPONSE.replace("playground", "library"))
    eval_set = tmp_path / "set.jsonl"
    eval_set.write_text('{"relevant": ["sheffield-wdtk/evaluated.mbox"]}\n', encoding="utf-8")
    index, runner = tmp_path / "idx", CliRunner()
    assert runner.invoke(main, ["ingest", str(corpus), "--index", str(index), "-q"]).exit_code == 0

    result = runner.invoke(main, ["tune", "--index", str(index), "--exclude-set", str(eval_set),
                                  "--batch-size", "2", "--json", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["pairs"] == 2 and report["threads"] == 1 and report["threads_held_out"] == 1
    tuned = Path(report["model_dir"])
    assert tuned.parent == index / "models" and tuned.name.startswith("tuned-")

    result = runner.invoke(main, ["rebuild", "--index", str(index), "--model", str(tuned), "-q", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads((index / "manifest.json").read_text())["model"] == f"models/{tuned.name}"
    moved = tmp_path / "moved-idx"
    shutil.move(index, moved)
    result = runner.invoke(main, ["search", "How many playgrounds?", "--index", str(moved), "--json", "-q"])
    assert result.exit_code == 0, result.output
    assert "playgrounds.mbox" in result.stdout
