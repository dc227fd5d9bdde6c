"""Optional cross-encoder reranking: it reorders, never changes what a hit cites."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.cli import main
from index.embedder import resolve_model_path
from index.errors import ModelNotAvailable
from index.reranker import CrossEncoderReranker
from tests.test_index import DOCS, write_docs


class WordReranker:
    """Prefers passages containing `word`: a stand-in whose opinion is known."""

    model_id = "word-reranker"

    def __init__(self, word: str):
        self.word = word
        self.calls = 0

    def score(self, query, passages):
        self.calls += 1
        return np.asarray([float(self.word in p.lower()) for p in passages], dtype=np.float32)


def test_reranker_reorders_the_candidates_and_keeps_cosine_scores(tmp_path, fake_embedder):
    folder = write_docs(tmp_path / "docs")
    plain = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    plain.ingest([folder])
    baseline = plain.search("CCTV cameras control room", k=3).hits
    assert "cctv" in baseline[0].path

    reranker = WordReranker("agency")
    ranked = Assistant.open(tmp_path / "idx", embedder=fake_embedder, reranker=reranker).search(
        "CCTV cameras control room", k=3
    ).hits
    assert reranker.calls == 1
    assert "agency" in ranked[0].path and ranked[0].rerank_score == 1.0
    assert [h.rank for h in ranked] == [1, 2, 3]
    by_span = {(h.doc_id, h.start): h.score for h in baseline}
    for hit in ranked:  # the same passages' cosine similarity, whatever the order
        assert by_span.get((hit.doc_id, hit.start), hit.score) == hit.score
        assert DOCS[hit.path.rsplit("/", 1)[-1]][hit.start : hit.end] == hit.text


def test_answers_read_the_reranked_passages(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, reranker=WordReranker("parking"),
                               answer_passages=1, abstain_below=-1.0, abstain_coverage_below=0.0, abstain_confidence_below=0.0,
                               sentence_min_score=-1.0)
    assistant.ingest([write_docs(tmp_path / "docs")])
    answer = assistant.ask("How many CCTV cameras are there?")
    assert answer.citations and all("parking" in c.path for c in answer.citations)


@pytest.fixture(scope="module")
def cross_encoder_dir(tmp_path_factory):
    """A real CrossEncoder on disk, built offline from the bundled MiniLM weights.

    Its scoring head is untrained, so this checks loading and wiring, not quality.
    """
    import torch
    from sentence_transformers import CrossEncoder

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("cross-encoder")
    CrossEncoder(resolve_model_path("sentence-transformers/all-MiniLM-L6-v2"), num_labels=1, device="cpu").save(
        str(folder)
    )
    return folder


def test_a_cross_encoder_from_a_folder_ranks_hits_by_its_scores(tmp_path, fake_embedder, cross_encoder_dir):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, reranker_model=str(cross_encoder_dir))
    assistant.ingest([write_docs(tmp_path / "docs")])
    hits = assistant.search("agency social workers spend", k=3).hits
    scores = [h.rerank_score for h in hits]
    assert None not in scores and scores == sorted(scores, reverse=True)
    direct = CrossEncoderReranker(str(cross_encoder_dir)).score("agency social workers spend", [h.text for h in hits])
    assert np.allclose(direct, scores, atol=1e-3)


def test_a_missing_reranker_is_a_clear_error_not_a_download(tmp_path, monkeypatch, fake_model):
    with pytest.raises(ModelNotAvailable, match="cannot load reranker model"):
        CrossEncoderReranker(str(tmp_path / "no-such-model"))

    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(write_docs(tmp_path / "docs")), "--index", str(tmp_path / "i"), "-q"]).exit_code == 0
    monkeypatch.setenv("FOI_RERANKER_MODEL", str(tmp_path / "no-such-model"))
    result = runner.invoke(main, ["search", "parking", "--index", str(tmp_path / "i"), "-q"])
    assert result.exit_code == 1 and "cannot load reranker model" in result.output
    assert "Traceback" not in result.output
