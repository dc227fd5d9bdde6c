"""The index on disk: round trips, idempotent re-ingest, dedupe, removal, safety."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from assistant import Assistant
from index.directory import IndexDirectory
from index.errors import IndexFormatError, IndexMismatch, IndexNotFound
from index.manifest import FORMAT_VERSION
from tests.layout import to_legacy_layout, vector_files

DOCS = {
    "cctv.txt": "Sheffield City Council operates 120 CCTV cameras in the city centre. "
    "The cameras are monitored from a control room at the town hall.\n\n"
    "The annual maintenance cost of the CCTV network was £85,000 in 2023.",
    "parking.txt": "Parking fines: the council issued 45,210 penalty charge notices in 2022. "
    "Income from parking fines was £1.2 million.",
    "agency.txt": "Agency staff: the council spent £3.4 million on agency social workers in 2023/24. "
    "Agency spend fell compared with the previous year.",
}


def write_docs(folder, docs=DOCS):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    return Assistant.open(tmp_path / "idx", embedder=fake_embedder)


def test_ingest_then_search_finds_the_right_document_with_exact_spans(tmp_path, assistant):
    report = assistant.ingest([write_docs(tmp_path / "docs")])
    assert (report.added, report.documents) == (3, 3)
    hits = assistant.search("CCTV cameras maintenance cost", k=3).hits
    assert hits[0].path.endswith("cctv.txt")
    document = assistant.document(hits[0].doc_id)
    for hit in hits:
        assert assistant.document(hit.doc_id).text[hit.start : hit.end] == hit.text
    assert "CCTV" in document.text


def test_index_is_a_directory_with_manifest_sqlite_and_faiss(tmp_path, assistant):
    assistant.ingest([write_docs(tmp_path / "docs")])
    root = tmp_path / "idx"
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == "fake-bag-of-words"
    assert manifest["dimension"] == 64
    assert manifest["chunk_tokens"] == 60 and manifest["chunk_overlap"] == 32
    assert (root / "store.sqlite").is_file()
    assert [p.name for p in (root / "vectors").iterdir()] == [p.name for p in vector_files(root)]
    assert vector_files(root)[0].is_file() and not list(root.glob("g0*"))
    assert not list(root.rglob("*.pkl")) and not list(root.rglob("*.pickle"))


def test_reingest_of_unchanged_files_embeds_nothing(tmp_path, assistant, fake_embedder):
    docs = write_docs(tmp_path / "docs")
    assistant.ingest([docs])
    generation = IndexDirectory(tmp_path / "idx").read_manifest().generation
    fake_embedder.embedded.clear()
    report = assistant.ingest([docs])
    assert (report.added, report.updated, report.unchanged, report.embedded) == (0, 0, 3, 0)
    assert fake_embedder.embedded == []
    assert IndexDirectory(tmp_path / "idx").read_manifest().generation == generation


def test_edited_document_reembeds_only_changed_chunks(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, chunk_tokens=20, chunk_overlap=0)
    paragraphs = [f"Paragraph {i} talks about topic number {i} in the council minutes." for i in range(8)]
    path = tmp_path / "docs" / "minutes.txt"
    path.parent.mkdir()
    path.write_text("\n\n".join(paragraphs))
    first = assistant.ingest([path.parent])
    assert first.embedded >= 8
    paragraphs[3] = "Paragraph 3 was corrected: the committee approved the library closure."
    path.write_text("\n\n".join(paragraphs))
    fake_embedder.embedded.clear()
    second = assistant.ingest([path.parent])
    assert second.updated == 1
    assert 1 <= second.embedded < first.embedded
    assert any("library closure" in text for text in fake_embedder.embedded)
    hit = assistant.search("library closure committee", k=1).hits[0]
    assert "library closure" in hit.text


def test_same_content_at_two_paths_is_stored_once_with_both_locations(tmp_path, assistant):
    write_docs(tmp_path / "a", {"cctv.txt": DOCS["cctv.txt"]})
    write_docs(tmp_path / "b", {"copy-of-cctv.txt": DOCS["cctv.txt"]})
    report = assistant.ingest([tmp_path / "a", tmp_path / "b"])
    assert report.added == 2 and report.documents == 1
    (document,) = assistant.documents()
    assert sorted(loc.path for loc in document.locations) == sorted(
        [str(tmp_path / "a" / "cctv.txt"), str(tmp_path / "b" / "copy-of-cctv.txt")]
    )
    # A hit names the document's first location, as `ask` and `foi show` do.
    hit = assistant.search("CCTV cameras", k=1).hits[0]
    assert (hit.path, hit.part) == (document.location.path, document.location.part) == (str(tmp_path / "a" / "cctv.txt"), None)


def test_sync_removes_deleted_files_and_their_vectors(tmp_path, assistant):
    docs = write_docs(tmp_path / "docs")
    assistant.ingest([docs])
    vectors_before = assistant.stats().vectors
    (docs / "parking.txt").unlink()
    report = assistant.ingest([docs], sync=True)
    assert report.removed == 1 and report.documents == 2
    assert assistant.stats().vectors < vectors_before
    assert all(not hit.path.endswith("parking.txt") for hit in assistant.search("parking fines", k=5).hits)


def test_a_failed_ingest_leaves_the_previous_index_intact(tmp_path, assistant, fake_embedder, monkeypatch):
    assistant.ingest([write_docs(tmp_path / "docs")])
    before = assistant.stats()

    def broken_embed(*args, **kwargs):
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-embedding

    write_docs(tmp_path / "more", {"new.txt": "A brand new response about street lighting contracts."})
    monkeypatch.setattr(fake_embedder, "embed", broken_embed)
    with pytest.raises(KeyboardInterrupt):
        assistant.ingest([tmp_path / "more"])
    monkeypatch.undo()
    reopened = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    after = reopened.stats()
    assert (after.documents, after.chunks, after.generation) == (before.documents, before.chunks, before.generation)
    assert not list((tmp_path / "idx").glob("*.staging"))
    assert reopened.search("CCTV cameras", k=1).hits[0].path.endswith("cctv.txt")


def test_bad_files_are_skipped_with_reasons_and_good_ones_indexed(tmp_path, assistant):
    docs = write_docs(tmp_path / "docs")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Cat")
    (docs / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    report = assistant.ingest([docs])
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in report.skipped}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert reasons["broken.pdf"].startswith("corrupt PDF")
    assert reasons["sheet.xlsx"].startswith("corrupt .xlsx workbook")
    assert report.added == 3 and report.documents == 3


def test_opening_with_another_model_or_chunking_says_how_to_rebuild(tmp_path, assistant):
    assistant.ingest([write_docs(tmp_path / "docs")])
    with pytest.raises(IndexMismatch, match="built with different settings.*model 'other-model'.*new index"):
        Assistant.open(tmp_path / "idx", model="other-model")
    with pytest.raises(IndexMismatch, match="chunk_tokens 128"):
        Assistant.open(tmp_path / "idx", chunk_tokens=128)


def test_missing_and_newer_indexes_give_clear_errors(tmp_path, assistant):
    with pytest.raises(IndexNotFound, match="no index at"):
        assistant.search("anything")
    assistant.ingest([write_docs(tmp_path / "docs")])
    manifest_path = tmp_path / "idx" / "manifest.json"
    data = json.loads(manifest_path.read_text())
    data["format_version"] = FORMAT_VERSION + 1
    manifest_path.write_text(json.dumps(data))
    with sqlite3.connect(tmp_path / "idx" / "store.sqlite") as db:  # the store's generation row is the truth
        db.execute("UPDATE generation SET manifest = ?", (json.dumps({"kind": "foi-assistant-index", **data}),))
    with pytest.raises(IndexFormatError, match="newer than this version"):
        Assistant.open(tmp_path / "idx")


def test_search_caps_hits_per_document(tmp_path, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, chunk_tokens=20, chunk_overlap=0,
                               max_hits_per_document=1)
    long_doc = "\n\n".join(f"Council tax arrears report part {i} about council tax." for i in range(10))
    write_docs(tmp_path / "docs", {"tax.txt": long_doc, "other.txt": "Council tax bands explained."})
    assistant.ingest([tmp_path / "docs"])
    hits = assistant.search("council tax", k=5).hits
    assert len({h.doc_id for h in hits}) == len(hits)


def test_vectors_are_unit_length_inner_product(tmp_path, assistant):
    assistant.ingest([write_docs(tmp_path / "docs")])
    hits = assistant.search(DOCS["parking.txt"], k=1).hits
    assert hits[0].path.endswith("parking.txt")
    assert hits[0].score == pytest.approx(1.0, abs=1e-3)
    assert np.isfinite([h.score for h in hits]).all()


def test_report_says_what_happened_to_each_file(tmp_path, assistant):
    docs = write_docs(tmp_path / "docs")
    first = assistant.ingest([docs])
    assert {(f.path.rsplit("/", 1)[-1], f.status) for f in first.files} == {
        ("cctv.txt", "added"), ("parking.txt", "added"), ("agency.txt", "added")}
    (docs / "cctv.txt").write_text("CCTV: the number of cameras rose to 140.")
    (docs / "agency.txt").unlink()
    (docs / "empty.txt").write_bytes(b"")
    second = assistant.ingest([docs], sync=True)
    outcomes = {f.path.rsplit("/", 1)[-1]: (f.status, f.reason) for f in second.files}
    assert outcomes == {
        "cctv.txt": ("updated", None),
        "parking.txt": ("unchanged", None),
        "agency.txt": ("removed", None),
        "empty.txt": ("skipped", "empty file"),
    }


def test_search_filters_by_kind_and_folder(tmp_path, assistant):
    write_docs(tmp_path / "docs")
    write_docs(tmp_path / "other", {"cctv-notes.md": "# CCTV\n\nNotes on CCTV cameras and parking."})
    assistant.ingest([tmp_path / "docs", tmp_path / "other"])
    only_md = assistant.search("CCTV cameras", k=5, kinds=["md"]).hits
    assert only_md and all(h.kind == "md" for h in only_md)
    in_docs = assistant.search("CCTV cameras", k=5, path_contains="/docs/").hits
    assert in_docs and all("/docs/" in h.path for h in in_docs)


def test_an_embedder_of_another_model_is_refused(tmp_path, assistant):
    assistant.ingest([write_docs(tmp_path / "docs")])

    class Other:
        model_id, dimension, max_tokens = "other", 32, 60

    with pytest.raises(IndexMismatch, match="built with 'fake-bag-of-words'"):
        Assistant.open(tmp_path / "idx", embedder=Other()).search("x")


def test_an_index_written_by_format_1_is_upgraded_on_open(tmp_path, assistant, fake_embedder):
    import sqlite3

    assistant.ingest([write_docs(tmp_path / "docs")])
    root = tmp_path / "idx"
    assistant.close()
    generation = to_legacy_layout(root, format_version=1, migrations=["m001_initial"])
    with sqlite3.connect(generation / "store.sqlite") as db:  # what format 1 wrote: no lexical index, no boilerplate
        for table in ("passages", "vector_sentences", "sentence_documents", "boilerplate"):
            db.execute(f"DROP TABLE {table}")

    upgraded = Assistant.open(root, embedder=fake_embedder)
    data = json.loads((root / "manifest.json").read_text())
    assert data["format_version"] == FORMAT_VERSION
    assert data["migrations"] == ["m001_initial", "m007_in_place_store", "m002_passage_fts", "m003_boilerplate",
                                  "m004_absolute_locations", "m005_term_counts", "m006_case_tables",
                                  "m008_chunk_context", "m009_vector_shards"]
    assert not list(root.glob("g0*")) and (root / "store.sqlite").is_file()
    assert upgraded.check().ok
    assert upgraded.search("parking", k=1, mode="lexical").hits[0].path.endswith("parking.txt")


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_exact_reference_lookup_ranks_the_right_document_first(tmp_path, fake_embedder, mode):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    docs = {
        "a.txt": "Our reference 18201/18. The force does not use live facial recognition.",
        "b.txt": "Reference 18202/18 was answered in 18 days. Facial recognition is not used by the force.",
        "c.txt": "We received 18201 requests in 2018 about facial recognition and the force.",
    }
    assistant.ingest([write_docs(tmp_path / "docs", docs)])
    hits = assistant.search("18201/18", k=3, mode=mode).hits
    assert hits[0].path.endswith("a.txt")
    assert hits[0].score <= 1.0  # scores stay cosine similarities in every mode


def test_lexical_match_expression_keeps_reference_parts_together():
    from index.lexical import match_expression

    assert match_expression("section 31(3) of the FOI Act") == '"section" OR "31 3" OR "foi" OR "act"'
    assert match_expression('"quoted" AND (weird) NEAR') == '"quoted" OR "weird" OR "near"'
    assert match_expression("the of and") == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("What did West Midlands Police say in reply to FOI 18201/18?", True),
        ("Which responses relied on section 31(3)?", True),
        ("What was request EIR 1034674 about?", True),
        ("requester reference FOI-24576-25-0300-000", True),
        ("How many potholes were repaired in 2023?", False),
        ("Did the council pay £1.2m or 20,000 fines?", False),
        ("How much was spent on the HS2 rail link?", False),
    ],
)
def test_queries_naming_an_identifier_are_told_apart(query, expected):
    from index.search import names_identifier

    assert names_identifier(query) is expected


def test_m007_converts_an_index_of_generation_directories_in_place(tmp_path, assistant, fake_embedder):
    import sqlite3

    docs = write_docs(tmp_path / "docs")
    assistant.ingest([docs])
    root = tmp_path / "idx"
    before = [(h.doc_id, h.start, h.end) for h in assistant.search("parking fines", k=3).hits]
    assistant.close()
    old = to_legacy_layout(root, format_version=5)  # what format 5 wrote: g000001/store.sqlite + vectors.faiss
    assert old.name == "g000001" and not (root / "store.sqlite").exists()
    with pytest.raises(IndexFormatError, match="any foi command upgrades it in place"):
        IndexDirectory(root).open()

    upgraded = Assistant.open(root, embedder=fake_embedder)
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION and "m007_in_place_store" in manifest["migrations"]
    assert manifest["generation"] > 1  # numbers keep increasing
    assert not old.exists() and not list(root.glob("g0*"))
    with sqlite3.connect(root / "store.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [(h.doc_id, h.start, h.end) for h in upgraded.search("parking fines", k=3).hits] == before
    assert upgraded.check().ok
    (docs / "late.txt").write_text("A late reply about library opening hours.", encoding="utf-8")
    assert upgraded.ingest([docs]).added == 1 and upgraded.check().ok


def test_m007_started_again_after_a_kill_before_its_commit(tmp_path, assistant, fake_embedder):
    assistant.ingest([write_docs(tmp_path / "docs")])
    root = tmp_path / "idx"
    assistant.close()
    old = to_legacy_layout(root, format_version=5)
    # What a conversion killed before its COMMIT leaves: a linked store without a generation row, a vector file.
    import os

    os.link(old / "store.sqlite", root / "store.sqlite")
    (root / "vectors").mkdir()
    (root / "vectors" / "g000002.faiss").write_bytes(b"half")
    upgraded = Assistant.open(root, embedder=fake_embedder)
    assert upgraded.check().ok and upgraded.stats().documents == 3
    assert not list(root.glob("g0*"))
