"""Cases stored at ingest (`index.case_tables`): the same cases as grouping every document afresh, regrouped only
where a write touched, and filled for an older index by m006_case_tables."""

from __future__ import annotations

import json
import logging
import mailbox
import shutil
import sqlite3
from datetime import date

import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.cases import build_cases, cases_of_groups, records_from_store
from assistant.cli import main
from index.case_tables import stored_case_groups
from index.directory import IndexDirectory
from index.manifest import FORMAT_VERSION
from tests.test_cases import _email, write_thread

AS_OF = date(2026, 1, 1)
LETTER = ("Northbridge Council\n\n3 May 2024\n\nDear Ann Example,\n\nReference – FOI / 4120. Internal review. "
          "We have reviewed our response and uphold it.\n\nNorthbridge Council\n")
OTHER_REQUEST = ("Dear Northbridge Council,\n\nPlease provide the number of street lights replaced in 2023.\n\n"
                 "Yours faithfully,\nBen Example\n")


def stored_and_lazy(root):
    """The cases of the committed generation at `root`, from the stored groups and grouped afresh, as JSON."""
    snapshot = IndexDirectory(root).open()
    try:
        stored = [c.to_dict() for c in cases_of_groups(stored_case_groups(snapshot.store), AS_OF)]
        lazy = [c.to_dict() for c in build_cases(records_from_store(snapshot.store), AS_OF)]
    finally:
        snapshot.close()
    return stored, lazy


def committed_store(root):
    return root / "store.sqlite"  # written in place (format 7): the committed state is the store's


def cli_json(root, *args):
    result = CliRunner().invoke(main, [*args, "--index", str(root), "--json", "-q"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write_other_thread(path):
    box = mailbox.mbox(str(path))
    box.add(_email("Ben Example <request-99-ef@whatdotheyknow.com>", "Mon, 06 May 2024 10:00:00 +0000",
                   OTHER_REQUEST, subject="Street lights"))
    box.flush()
    box.close()


@pytest.fixture
def two_threads(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    write_thread(docs / "potholes.mbox")
    write_other_thread(docs / "lights.mbox")
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([docs])
    return assistant, docs, tmp_path / "idx"


def case_of_path(cases, tail):
    return next(c for c in cases if any(p.endswith(tail) for p in c["paths"]))


def test_an_added_letter_with_a_shared_reference_relinks_only_its_case(two_threads, caplog):
    assistant, docs, root = two_threads
    before = cli_json(root, "cases", "--as-of", "2024-06-01")["cases"]
    assert len(before) == 2
    (docs / "letter.txt").write_text(LETTER, encoding="utf-8")
    with caplog.at_level(logging.DEBUG, logger="index.update"):
        assistant.ingest([docs])
    # One new location; the potholes case (which holds FOI/4120) regrouped, the lights case left as stored.
    assert "cases regrouped: {'locations': 1, 'cases_before': 1, 'cases_after': 1}" in caplog.text
    after = cli_json(root, "cases", "--as-of", "2024-06-01")["cases"]
    potholes = case_of_path(after, "potholes.mbox")
    assert any(p.endswith("letter.txt") for p in potholes["paths"])
    assert potholes["case_id"] == case_of_path(before, "potholes.mbox")["case_id"]
    assert potholes["events"][-1]["kind"] == "internal review answered"
    assert case_of_path(after, "lights.mbox") == case_of_path(before, "lights.mbox")
    stored, lazy = stored_and_lazy(root)
    assert stored == lazy


def test_removing_documents_drops_them_and_an_emptied_case(two_threads):
    assistant, docs, root = two_threads
    (docs / "letter.txt").write_text(LETTER, encoding="utf-8")
    assistant.ingest([docs])
    (docs / "letter.txt").unlink()
    (docs / "lights.mbox").unlink()
    assistant.ingest([docs], sync=True)
    cases = cli_json(root, "cases")["cases"]
    assert len(cases) == 1 and not any(p.endswith(("letter.txt", "lights.mbox")) for p in cases[0]["paths"])
    result = CliRunner().invoke(main, ["case", str(docs / "lights.mbox"), "--index", str(root), "-q"])
    assert result.exit_code == 1 and "no case matches" in result.stderr
    with sqlite3.connect(committed_store(root)) as db:
        assert db.execute("SELECT COUNT(*) FROM case_members WHERE path LIKE '%lights.mbox'").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(DISTINCT case_id) FROM case_members").fetchone()[0] == 1


def test_an_index_from_format_5_gets_its_cases_from_m006(two_threads, fake_embedder):
    _, docs, root = two_threads
    expected = cli_json(root, "cases", "--as-of", "2024-06-01")
    with sqlite3.connect(committed_store(root)) as db:  # what format 5 wrote: no case tables
        db.execute("DROP TABLE case_members")
        db.execute("DROP TABLE case_refs")
        # The generation row holds the manifest the index opens with (manifest.json is its copy).
        manifest = json.loads(db.execute("SELECT manifest FROM generation").fetchone()[0])
        manifest.update(format_version=5, migrations=[m for m in manifest["migrations"] if m != "m006_case_tables"])
        db.execute("UPDATE generation SET manifest = ?", (json.dumps(manifest),))
    (root / "manifest.json").write_text(json.dumps(manifest))

    Assistant.open(root, embedder=fake_embedder)
    data = json.loads((root / "manifest.json").read_text())
    assert data["format_version"] == FORMAT_VERSION and "m006_case_tables" in data["migrations"]
    assert cli_json(root, "cases", "--as-of", "2024-06-01") == expected
    stored, lazy = stored_and_lazy(root)
    assert stored == lazy and len(stored) == 2


@pytest.mark.corpus
def test_stored_cases_match_grouping_afresh_on_real_corpus_files(corpus, tmp_path, fake_embedder):
    # A slice of every corpus folder (mailboxes, response PDFs, published letters) keeps this under a minute.
    docs = tmp_path / "docs"
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        target = docs / folder.name
        target.mkdir(parents=True)
        for path in sorted(p for p in folder.rglob("*") if p.is_file())[:12]:
            shutil.copy(path, target / path.name)
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([docs])
    root = tmp_path / "idx"
    stored, lazy = stored_and_lazy(root)
    assert stored == lazy and len(stored) >= 10
    listed = cli_json(root, "cases", "--as-of", AS_OF.isoformat())
    assert listed["cases"] == lazy
    one = cli_json(root, "case", lazy[0]["case_id"], "--as-of", AS_OF.isoformat())
    assert one == lazy[0]


def test_a_second_mailbox_with_the_same_reference_unlinks_the_letter_as_grouping_afresh_does(two_threads):
    assistant, docs, root = two_threads
    (docs / "letter.txt").write_text(LETTER, encoding="utf-8")
    assistant.ingest([docs])
    assert any(p.endswith("letter.txt") for p in case_of_path(stored_and_lazy(root)[0], "potholes.mbox")["paths"])
    box = mailbox.mbox(str(docs / "copy.mbox"))  # another thread quoting the same reference
    box.add(_email("Cy Example <request-7-aa@whatdotheyknow.com>", "Tue, 07 May 2024 10:00:00 +0000",
                   "Dear Northbridge Council,\n\nPlease send me the reply to Reference – FOI / 4120.\n\n"
                   "Cy Example\n"))
    box.flush()
    box.close()
    assistant.ingest([docs])
    stored, lazy = stored_and_lazy(root)
    assert stored == lazy
    # FOI/4120 is no longer one mailbox's, so the letter stands as a case of its own.
    letter = case_of_path(stored, "letter.txt")
    assert letter["paths"] == [str(docs / "letter.txt")]
    assert not any(p.endswith("letter.txt") for p in case_of_path(stored, "potholes.mbox")["paths"])
