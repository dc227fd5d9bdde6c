"""Quote verification reads the cited span from the store, so it can fail."""

from __future__ import annotations

import json
import sqlite3

from assistant import Assistant
from assistant.verify import QuoteVerifier
from index.directory import IndexDirectory
from tests.test_index import write_docs

QUESTION = "How much did the council spend on agency social workers?"


def _store_path(root):
    return root / "store.sqlite"


def _corrupt(root, doc_id, old, new):
    """Change the stored document text in place (same length: spans stay in range)."""
    assert len(old) == len(new)
    with sqlite3.connect(_store_path(root)) as db:
        changed = db.execute(
            "UPDATE documents SET text = replace(text, ?, ?) WHERE doc_id = ?", (old, new, doc_id)
        ).rowcount
    assert changed == 1


def test_corrupted_stored_span_makes_ask_drop_the_citation(tmp_path, fake_embedder):
    root = tmp_path / "idx"
    assistant = Assistant.open(root, embedder=fake_embedder, abstain_below=0.3, sentence_min_score=0.1)
    assistant.ingest([write_docs(tmp_path / "docs")])
    before = assistant.ask(QUESTION)
    cited = [c for c in before.citations if "£3.4 million" in c.quote]
    assert cited, "the intact index quotes the agency figure"
    assistant.close()

    _corrupt(root, cited[0].doc_id, "£3.4 million", "£9.9 million")
    after = Assistant.open(root, embedder=fake_embedder, abstain_below=0.3, sentence_min_score=0.1).ask(QUESTION)
    assert not any(c.doc_id == cited[0].doc_id and c.start == cited[0].start for c in after.citations)
    assert not any("£9.9 million" in c.quote for c in after.citations)
    assert "£9.9 million" not in after.answer


def test_verifier_accepts_exact_spans_and_rejects_shifted_or_edited_ones(tmp_path, fake_embedder):
    root = tmp_path / "idx"
    assistant = Assistant.open(root, embedder=fake_embedder)
    assistant.ingest([write_docs(tmp_path / "docs")])
    hit = assistant.search("agency social workers", k=1).hits[0]
    document = assistant.document(hit.doc_id)
    snapshot = IndexDirectory(root).open()
    try:
        verify = QuoteVerifier(snapshot.store).verify
        start, end = hit.start + 3, min(hit.end, hit.start + 40)
        assert verify(hit.doc_id, start, end, document.text[start:end])
        # a whole document's span crosses chunk boundaries and is still covered
        assert verify(hit.doc_id, 0, len(document.text), document.text)
        assert not verify(hit.doc_id, start + 1, end + 1, document.text[start:end])
        edited = document.text[start:end - 1] + ("x" if document.text[end - 1] != "x" else "y")
        assert not verify(hit.doc_id, start, end, edited)
        assert not verify("no-such-document", start, end, document.text[start:end])
        assert not verify(hit.doc_id, len(document.text), len(document.text) + 5, "xxxxx")
    finally:
        snapshot.close()
