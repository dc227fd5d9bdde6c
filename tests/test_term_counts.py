"""Precomputed term statistics (`term_counts`) agree with FTS5's own vocabulary after adds, edits and removes."""

from __future__ import annotations

import json
import sqlite3

from assistant import Assistant
from index.manifest import FORMAT_VERSION
from tests.layout import to_legacy_layout

DOCS = {
    "cctv.txt": "Sheffield City Council operates 120 CCTV cameras in the city centre. Café signage was reviewed.",
    "parking.txt": "Parking fines: the council issued 45,210 penalty charge notices. Councillors discussed parking.",
    "agency.txt": "Agency staff: the council spent £3.4 million on agency social workers. Seized vehicles were sold.",
}


def ingest_docs(assistant, tmp_path):
    """Write DOCS into tmp_path/docs and ingest them; returns that folder."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    assistant.ingest([docs])
    return docs


def committed_store(root):
    return root / "store.sqlite"


def vocabulary_and_table(root):
    """Every term's passage count from fts5vocab, and from term_counts."""
    with sqlite3.connect(committed_store(root)) as db:
        db.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, 'passages', 'row')")
        vocabulary = dict(db.execute("SELECT term, doc FROM temp.v").fetchall())
        table = dict(db.execute("SELECT term, passages FROM term_counts").fetchall())
    return vocabulary, table


def test_term_counts_match_fts5_after_adds_edits_and_removes(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, chunk_tokens=20, chunk_overlap=0)
    docs = ingest_docs(assistant, tmp_path)
    vocabulary, table = vocabulary_and_table(tmp_path / "idx")
    assert table == vocabulary and table["council"] == 3 and table["cafe"] == 1  # diacritics folded as FTS5 does

    (docs / "parking.txt").unlink()
    (docs / "cctv.txt").write_text("The council removed the cameras. Seizures of cameras were recorded.", encoding="utf-8")
    assistant.ingest([docs], sync=True)
    vocabulary, table = vocabulary_and_table(tmp_path / "idx")
    assert table == vocabulary
    assert "parking" not in table and "cafe" not in table and table["council"] == 2


def test_store_prefix_counts_are_the_fts5_vocabulary_sums(tmp_path, fake_embedder):
    from index.store import Store

    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    ingest_docs(assistant, tmp_path)
    store_path = committed_store(tmp_path / "idx")
    vocabulary, _ = vocabulary_and_table(tmp_path / "idx")
    expected = {p: sum(n for t, n in vocabulary.items() if t.startswith(p)) for p in ("counc", "seiz", "park", "zzz")}
    store = Store(store_path, readonly=True)
    try:
        assert store.term_document_counts(expected) == (3, expected)
        assert expected["counc"] == 4 and expected["zzz"] == 0  # "council" x3 and "councillors"
    finally:
        store.close()


def test_an_index_from_format_4_gets_term_counts_from_m005(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    ingest_docs(assistant, tmp_path)
    root = tmp_path / "idx"
    assistant.close()
    migrations = json.loads((root / "manifest.json").read_text())["migrations"]
    generation = to_legacy_layout(root, format_version=4, migrations=[
        m for m in migrations if m not in ("m005_term_counts", "m007_in_place_store")])
    with sqlite3.connect(generation / "store.sqlite") as db:  # what format 4 wrote: no term_counts
        db.execute("DROP TABLE term_counts")

    Assistant.open(root, embedder=fake_embedder)
    data = json.loads((root / "manifest.json").read_text())
    assert data["format_version"] == FORMAT_VERSION and "m005_term_counts" in data["migrations"]
    vocabulary, table = vocabulary_and_table(root)
    assert table == vocabulary and table["council"] == 3
