"""Shared pieces for answer tests: an assistant over a few written documents, and the files it cites."""

from __future__ import annotations

from pathlib import Path

from assistant import Assistant
from tests.test_index import write_docs


def quoting_assistant(tmp_path: Path, embedder, docs: dict[str, str]) -> Assistant:
    """An assistant over `docs` that quotes whatever the citation rules allow: no confidence or
    score floor, so a test sees the rules' choice rather than the fake embedder's scores."""
    assistant = Assistant.open(tmp_path / "idx", embedder=embedder, abstain_confidence_below=0.0,
                               sentence_min_score=0.0)
    assistant.ingest([write_docs(tmp_path / "docs", docs)])
    return assistant


def cited_files(answer) -> set[str]:
    """The file names an answer cites."""
    return {c.path.rsplit("/", 1)[-1] for c in answer.citations}
