"""Chunks fit the model, keep exact spans, and carry their pages."""

from __future__ import annotations

import pytest

from ingest.chunking import Chunker
from ingest.documents import Document, Page


def make_chunker(embedder, size=40, overlap=8):
    return Chunker(embedder.count_tokens, chunk_tokens=size, chunk_overlap=overlap, max_tokens=embedder.max_tokens)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(" ".join(f"word{i}" for i in range(500)), id="one-long-paragraph"),
        pytest.param("x" * 5000, id="no-spaces-at-all"),
        pytest.param("\n\n".join("Short para %d. Another sentence." % i for i in range(100)), id="many-paragraphs"),
        pytest.param("a,b;" * 800, id="punctuation-soup"),
    ],
)
def test_no_chunk_exceeds_the_model_limit_and_spans_are_exact(fake_embedder, text):
    document = Document(path="x.txt", part=None, kind="txt", title="x", text=text)
    chunks = make_chunker(fake_embedder).chunk(document)
    assert chunks
    for chunk in chunks:
        assert fake_embedder.count_tokens(chunk.text) <= fake_embedder.max_tokens
        assert text[chunk.start : chunk.end] == chunk.text
    # Nothing is lost: every non-space character is inside some chunk.
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_chunks_carry_page_ranges(fake_embedder):
    pages = ["Page one text. " * 30, "Page two text. " * 30]
    text = "\n\n".join(pages)
    second = len(pages[0]) + 2
    document = Document(
        path="x.pdf", part=None, kind="pdf", title="x", text=text,
        pages=[Page(1, 0, len(pages[0])), Page(2, second, len(text))],
    )
    chunks = make_chunker(fake_embedder).chunk(document)
    assert chunks[0].page_start == 1
    assert chunks[-1].page_end == 2
    assert all(c.page_start <= c.page_end for c in chunks)


@pytest.mark.integration
def test_real_tokenizer_never_exceeds_256_word_pieces(real_embedder):
    # Numbers and codes explode into many word pieces: the worst case for a character budget.
    text = " ".join(f"FOI-{i:05d}/{i % 97:02d} £{i * 13.7:.2f}" for i in range(3000))
    document = Document(path="x.txt", part=None, kind="txt", title="x", text=text)
    chunker = Chunker(real_embedder.count_tokens, chunk_tokens=250, chunk_overlap=32, max_tokens=real_embedder.max_tokens)
    chunks = chunker.chunk(document)
    assert real_embedder.max_tokens == 254
    assert max(real_embedder.count_tokens(c.text) for c in chunks) <= 254
