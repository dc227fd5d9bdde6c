"""Chunks are embedded with their context (ingest/context.py): a table row with its caption and the
question above the table, an answer with its numbered question; their spans stay exact."""

from __future__ import annotations

import json
import sqlite3

import pytest

from assistant import Assistant
from index.manifest import FORMAT_VERSION
from index.migrations import ALL_MIGRATIONS
from ingest.chunking import Chunker
from ingest.context import CONTEXT_TOKENS, SCHEME, UNTITLED_SCHEME
from ingest.readers import read_file
from tests.conftest import CORPUS, NO_CORPUS, FakeEmbedder

DRAWN_TABLE = """Dear Ms Smith,

Thank you for your request. Our response follows each of your questions.

1. How many social workers did the council employ?
The council employed 312 qualified social workers.

2. What was the total spend on temporary (agency) staff during 2015/16 to 2024/25?
Agency spend by financial year
│Financial Year│Adult Social Worker│Childrens Social Worker│
├──────────────┼───────────────────┼───────────────────────┤
""" + "".join(
    f"│20{15 + i}/{16 + i}       │£{200 + i},164.07        │£1,{910 + i},378.14          │\n" for i in range(10)
) + """
Yours sincerely,
Information Management Team
"""

NUMBERED_REPLY = """Dear Mr Jones,

1. How many agency social workers did the council employ in 2021/22?
The council employed 41 agency social workers in 2021/22, across adult and children's services.

2. How much was spent on agency staff in 2021/22?
The spend is given per service below.
""" + "".join(f"Service area {n}: the cost for the year was {n * 1000 + 17} pounds in total.\n" for n in range(1, 13))


def _chunker(chunk_tokens: int = 40) -> Chunker:
    embedder = FakeEmbedder()
    return Chunker(embedder.count_tokens, chunk_tokens=chunk_tokens, chunk_overlap=0, max_tokens=embedder.max_tokens,
                   context=SCHEME)


def _chunks(path, chunk_tokens: int = 40):
    document = read_file(path, max_bytes=10_000_000).documents[0]
    chunks = _chunker(chunk_tokens).chunk(document)
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start : chunk.end]  # citations cut the same span as before
    return document, chunks


def test_rows_of_a_drawn_table_carry_its_caption_and_the_question_it_answers(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_text(DRAWN_TABLE, encoding="utf-8")
    document, chunks = _chunks(path)
    rows = [c for c in chunks if c.text.startswith("Financial Year: ")]
    assert len(rows) >= 2, "the table's rows should span several chunks"
    for chunk in rows:
        assert "2. What was the total spend on temporary (agency) staff" in chunk.context
        assert "Agency spend by financial year" in chunk.context
        assert "How many social workers" not in chunk.context  # the nearest question, not an earlier one
        assert chunk.embedded_text == chunk.context + "\n" + chunk.text
    # Without its context a row chunk shares no word with "agency staff spend".
    assert any("agency" not in c.text.lower() for c in rows)


def test_a_spreadsheets_chunks_carry_its_sheet_and_title_lines(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Agency"
    sheet.append(["Spend on temporary staff, by year"])
    sheet.append([])
    sheet.append(["Year", "Department", "Spend"])
    for i in range(30):
        sheet.append([f"{2000 + i}/{1 + i:02d}", "Adult social care" if i % 2 else "Children's services", f"£{1000 + i}"])
    workbook.save(tmp_path / "spend.xlsx")
    document, chunks = _chunks(tmp_path / "spend.xlsx")
    assert len(chunks) >= 3
    for chunk in chunks[1:]:
        assert chunk.text.startswith("Year: ")
        assert "Sheet: Agency" in chunk.context and "Spend on temporary staff, by year" in chunk.context
    assert "Sheet: Agency" in chunks[0].text and "Sheet: Agency" not in chunks[0].context  # never repeated
    # The title ("spend", the file's stem) is left out where the caption already holds it.
    untitled = Chunker(FakeEmbedder().count_tokens, chunk_tokens=40, chunk_overlap=0, max_tokens=60,
                       context=UNTITLED_SCHEME).chunk(document)
    assert [c.context for c in untitled] == [""] + [c.context for c in chunks[1:]]


def test_a_numbered_answer_carries_its_question(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_text(NUMBERED_REPLY, encoding="utf-8")
    document, chunks = _chunks(path, chunk_tokens=30)
    answers = [c for c in chunks if c.text.startswith("Service area") and "?" not in c.text]
    assert answers, "some chunk should begin inside the answer to question 2"
    for chunk in answers:
        assert chunk.context.startswith("2. How much was spent on agency staff in 2021/22?")
    first = next(c for c in chunks if "41 agency social workers" in c.text)
    assert "How much was spent" not in first.context


def test_the_context_fits_its_budget_and_the_model(tmp_path):
    embedder = FakeEmbedder()
    path = tmp_path / "reply.txt"
    path.write_text(DRAWN_TABLE.replace("What was", "What " + "exactly, and in every single detail, " * 8 + "was"),
                    encoding="utf-8")
    for chunk_tokens in (20, 40, 58):
        _, chunks = _chunks(path, chunk_tokens)
        for chunk in chunks:
            assert embedder.count_tokens(chunk.context) <= CONTEXT_TOKENS
            assert embedder.count_tokens(chunk.embedded_text) <= embedder.max_tokens
    assert any(c.context for c in _chunks(path, 20)[1])


def _passages(root) -> list[tuple[str, str | None]]:
    with sqlite3.connect(root / "store.sqlite") as db:
        return db.execute("SELECT text, context FROM passages ORDER BY rowid").fetchall()


def _as_format_7(root) -> None:
    """Make the index at `root` what format 7 wrote: passages without a context column, no chunk_context."""
    with sqlite3.connect(root / "store.sqlite") as db:
        db.execute("CREATE VIRTUAL TABLE old_passages USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')")
        db.execute("INSERT INTO old_passages(rowid, text) SELECT rowid, text FROM passages")
        db.execute("DROP TABLE passages")
        db.execute("ALTER TABLE old_passages RENAME TO passages")
        manifest = json.loads(db.execute("SELECT manifest FROM generation").fetchone()[0])
        manifest.pop("chunk_context")
        manifest.update(format_version=7, migrations=[m for m in manifest["migrations"] if m != "m008_chunk_context"])
        db.execute("UPDATE generation SET manifest = ?", (json.dumps(manifest),))
    (root / "manifest.json").write_text(json.dumps(manifest))


def test_m008_upgrades_a_format_7_index_which_keeps_its_style_until_rebuilt(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "reply.txt").write_text(DRAWN_TABLE, encoding="utf-8")
    root = tmp_path / "idx"
    Assistant.open(root, embedder=fake_embedder, chunk_tokens=40, chunk_overlap=0).ingest([docs])
    assert json.loads((root / "manifest.json").read_text())["chunk_context"] == "none"  # the default
    _as_format_7(root)
    with sqlite3.connect(root / "store.sqlite") as db:
        before = [row[0] for row in db.execute("SELECT text FROM passages ORDER BY rowid")]

    upgraded = Assistant.open(root, embedder=fake_embedder)
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION and "m008_chunk_context" in manifest["migrations"]
    assert manifest["chunk_context"] == "none" and sorted(manifest["migrations"]) == sorted(ALL_MIGRATIONS)
    assert _passages(root) == [(text, None) for text in before]
    assert upgraded.check().ok
    assert upgraded.search("Information Management Team", k=1, mode="lexical").hits[0].path.endswith("reply.txt")

    # A new file on the old index is chunked the old way: one index never mixes the two.
    (docs / "more.txt").write_text(NUMBERED_REPLY, encoding="utf-8")
    upgraded.ingest([docs])
    assert all(context is None for _, context in _passages(root))

    rebuilt = Assistant.open(root, embedder=fake_embedder, allow_rebuild=True, chunk_context=SCHEME)
    rebuilt.rebuild()
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["chunk_context"] == SCHEME
    contexts = [context for _, context in _passages(root) if context]
    assert any("Agency spend by financial year" in c for c in contexts)
    assert any(c.startswith("2. How much was spent on agency staff") for c in contexts)
    assert Assistant.open(root, embedder=fake_embedder).check().ok


def test_search_finds_a_row_by_its_caption_and_check_sees_a_changed_context(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "reply.txt").write_text(DRAWN_TABLE, encoding="utf-8")
    root = tmp_path / "idx"
    assistant = Assistant.open(root, embedder=fake_embedder, chunk_tokens=40, chunk_overlap=0, chunk_context=SCHEME)
    assistant.ingest([docs])
    assert json.loads((root / "manifest.json").read_text())["chunk_context"] == SCHEME
    hit = assistant.search("agency spend 2019/20", k=1, mode="lexical").hits[0]
    assert hit.text.startswith("Financial Year: ") and "agency" not in hit.text.lower()  # found by its context
    assert assistant.check().ok
    with sqlite3.connect(root / "store.sqlite") as db:
        db.execute("UPDATE passages SET context = 'something else' WHERE context IS NOT NULL")
    report = Assistant.open(root, embedder=fake_embedder).check()
    assert not report.ok and any("not what their vector was embedded from" in p for p in report.problems)


@pytest.mark.corpus
def test_the_sheffield_agency_spend_rows_carry_the_numbered_question(real_embedder):
    from index.ingest_steps import read_document_file
    from index.update import chunker_for
    from index.update import UpdateOptions, new_index_manifest

    if not CORPUS.is_dir():
        pytest.skip(NO_CORPUS)
    path = CORPUS / "sheffield-wdtk" / "social_care_workers_226.mbox"
    documents = read_document_file(path, max_bytes=50_000_000).documents
    options = UpdateOptions(chunk_tokens=200, chunk_overlap=32, max_file_bytes=50_000_000, batch_size=32, lock_timeout=1,
                            chunk_context=SCHEME)
    chunker = chunker_for(new_index_manifest(real_embedder, options), real_embedder)
    chunks = [c for d in documents for c in chunker.chunk(d) if "£407,601.52" in c.text]
    assert chunks
    for chunk in chunks:
        assert "What was the total spend" in chunk.context and "(agency) social workers" in chunk.context
        assert real_embedder.count_tokens(chunk.embedded_text) <= real_embedder.max_tokens
