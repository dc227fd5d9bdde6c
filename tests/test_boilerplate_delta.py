"""Boilerplate recounted for what a write changed gives the same counts as a recount of everything."""

from __future__ import annotations

import logging
import shutil
import sqlite3

from assistant import Assistant
from index.boilerplate import REFRESH_SQL
from tests.test_boilerplate import APPEAL, TOPICS
from tests.test_index import write_docs

CLOSING = "Please quote the reference number above in any future communications about this request."


def _tables(db_path):
    db = sqlite3.connect(db_path)
    counts = sorted(db.execute("SELECT hash, documents FROM sentence_documents"))
    shares = sorted((v, round(r, 9), s) for v, r, s in db.execute("SELECT vector_id, ratio, signature FROM boilerplate"))
    db.close()
    return counts, shares


def _recounted_from_scratch(db_path, tmp_path, min_documents):
    copy = tmp_path / "recount.sqlite"
    shutil.copyfile(db_path, copy)
    db = sqlite3.connect(copy)
    for statement in REFRESH_SQL.split(";"):
        if statement.strip():
            db.execute(statement, {"min_documents": min_documents})
    db.commit()
    db.close()
    return _tables(copy)


def _current_store(assistant):
    return assistant.directory.store_path


def test_adding_editing_and_removing_documents_recounts_only_the_change_but_matches_a_full_recount(
    tmp_path, fake_embedder, caplog
):
    docs_dir = tmp_path / "docs"
    docs = {f"{name}.txt": f"{text}\n\n{APPEAL.format(ref=f'FOI-{i}')}" for i, (name, text) in enumerate(TOPICS.items())}
    write_docs(docs_dir, docs)
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, chunk_tokens=40, chunk_overlap=0)
    assistant.ingest([docs_dir])
    min_documents = assistant.settings.boilerplate_min_documents
    store = _current_store(assistant)
    assert _tables(store) == _recounted_from_scratch(store, tmp_path, min_documents)
    appeal_shares = [share for share in _tables(store)[1] if share[1] > 0.5]
    assert appeal_shares, "the appeal paragraph in every document is boilerplate"

    steps = [
        # a new sentence appears in exactly min_documents documents: it flips to boilerplate
        lambda: [(docs_dir / f"{name}.txt").write_text(
            (docs_dir / f"{name}.txt").read_text() + "\n\n" + CLOSING, encoding="utf-8")
            for name in list(TOPICS)[:min_documents]],
        lambda: (docs_dir / "extra.txt").write_text("The council spent £12,000 on grit for the roads.\n\n" + CLOSING),
        lambda: (docs_dir / "parking.txt").unlink(),
    ]
    for change in steps:
        change()
        with caplog.at_level(logging.DEBUG, logger="index.update"):
            caplog.clear()
            assistant.ingest([docs_dir], sync=True)
        assert "boilerplate recount: delta" in caplog.text
        store = _current_store(assistant)
        assert _tables(store) == _recounted_from_scratch(store, tmp_path, min_documents)

    # Removing documents until the closing sentence is in fewer than min_documents flips it back.
    survivors = [name for name in list(TOPICS)[1:min_documents]]
    assistant.remove([str(docs_dir / f"{name}.txt") for name in survivors])
    store = _current_store(assistant)
    assert _tables(store) == _recounted_from_scratch(store, tmp_path, min_documents)
    hits = assistant.search("quote the reference number in future communications", k=3).hits
    assert hits and all(hit.boilerplate == 0.0 for hit in hits if "future communications" in hit.text)


def test_a_changed_threshold_recounts_everything(tmp_path, fake_embedder, caplog):
    docs_dir = tmp_path / "docs"
    write_docs(docs_dir, {f"{name}.txt": f"{text}\n\n{APPEAL.format(ref='X')}" for name, text in TOPICS.items()})
    Assistant.open(tmp_path / "idx", embedder=fake_embedder, chunk_tokens=40, chunk_overlap=0).ingest([docs_dir])
    strict = Assistant.open(tmp_path / "idx", embedder=fake_embedder, chunk_tokens=40, chunk_overlap=0,
                            boilerplate_min_documents=len(TOPICS) + 1)
    (docs_dir / "extra.txt").write_text("The council gritted 40 miles of road.", encoding="utf-8")
    with caplog.at_level(logging.DEBUG, logger="index.update"):
        strict.ingest([docs_dir])
    assert "boilerplate recount: full" in caplog.text
    store = _current_store(strict)
    assert _tables(store) == _recounted_from_scratch(store, tmp_path, len(TOPICS) + 1)
    assert _tables(store)[1] == [], "no sentence is in more documents than there are"
