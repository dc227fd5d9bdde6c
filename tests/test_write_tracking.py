"""The end of a write looks only at what it changed (`index.write_tracking`): the stored cases and the
pruned orphans must be what scanning everything gives, the recorded counts what counting gives, and a
one-file write must not scan every location nor count every row."""

from __future__ import annotations

import sqlite3

from index.case_tables import refresh_cases
from index.directory import IndexDirectory
from index.store import Store
from index.store_connections import WriteConnection
from tests.test_case_store import LETTER, two_threads  # noqa: F401 (a fixture)


def case_tables(path):
    with sqlite3.connect(path) as db:
        members = sorted(db.execute("SELECT path, part, doc_id, case_id, seq, fields FROM case_members"))
        refs = sorted(db.execute("SELECT ref, case_id FROM case_refs"))
    return members, refs


def regrouped_from_scratch(root, tmp_path):
    """The case tables of a copy of the store, emptied and regrouped over every location."""
    copy = tmp_path / "scratch.sqlite"
    with sqlite3.connect(root / "store.sqlite") as source, sqlite3.connect(copy) as target:
        source.backup(target)
    store = Store(copy)
    store._db.execute("DELETE FROM case_members")
    store._db.execute("DELETE FROM case_refs")
    refresh_cases(store, everything=True)
    store.commit()
    store.close()
    return case_tables(copy)


def no_orphans(root):
    snapshot = IndexDirectory(root).open()
    try:
        assert snapshot.store.orphan_documents() == []
        assert snapshot.store.orphan_vectors() == []
        counts = snapshot.store.counts()
        assert len(snapshot.vectors) == counts["vectors"] == snapshot.manifest.vectors
        # The manifest's counts are the previous commit's plus the changes: they must equal a recount.
        assert (snapshot.manifest.documents, snapshot.manifest.chunks) == (counts["documents"], counts["chunks"])
    finally:
        snapshot.close()


def test_writes_keep_cases_and_orphans_as_a_full_scan_would(two_threads, tmp_path):  # noqa: F811
    assistant, docs, root = two_threads
    letter = docs / "letter.txt"
    steps = [
        lambda: letter.write_text(LETTER, encoding="utf-8"),  # added: joins the potholes case by its reference
        lambda: letter.write_text(LETTER.replace("uphold", "overturn"), encoding="utf-8"),  # edited: a new document
        lambda: (docs / "lights.mbox").unlink(),  # a whole case removed
        lambda: letter.unlink(),
    ]
    for step in steps:
        step()
        assistant.ingest([docs], sync=True)
        assert case_tables(root / "store.sqlite") == regrouped_from_scratch(root, tmp_path)
        no_orphans(root)


def test_a_one_file_write_reads_no_whole_table(two_threads, monkeypatch):  # noqa: F811
    assistant, docs, root = two_threads
    statements = []
    opened = WriteConnection.__init__

    def tracing(self, path):
        opened(self, path)
        self._db.set_trace_callback(statements.append)

    monkeypatch.setattr(WriteConnection, "__init__", tracing)
    (docs / "letter.txt").write_text(LETTER, encoding="utf-8")
    assistant.ingest([docs / "letter.txt"])
    assert statements, "the write ran through the writer's connection"
    scans = [s for s in statements if any(
        " ".join(s.split()).startswith(f"SELECT {columns} FROM {table}") and "WHERE" not in s
        for columns, table in (("path, part, doc_id", "locations"), ("path, part, doc_id, case_id", "case_members")))
        or "NOT IN (SELECT" in s or "COUNT(*) FROM" in s]
    assert scans == []
