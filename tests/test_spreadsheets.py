"""Spreadsheets, CSV and text tables: rows with their headers, cut between rows, cited by sheet and rows.

Every workbook is built at test time: openpyxl for sheets, merges, dates and hidden sheets;
XlsxWriter for formulas, because it stores the cached result beside the formula as Excel
does (openpyxl writes formulas without a value, and calamine reads only the cached value).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from assistant import Assistant
from assistant.cli import main
from ingest.chunking import Chunker
from ingest.readers import read_bytes, read_file
from ingest.text_tables import rewrite_text_tables

LIMIT = 10_000_000

CRIME_ROWS = [
    ("Violence Against the Person", 150, 174),
    ("Theft Offences", 98, 121),
    ("Criminal Damage and Arson", 40, 37),
    ("Public Order Offences", 22, 31),
]


def crime_workbook() -> bytes:
    """Two sheets: "Crime group" (title row, header on row 3, a SUM formula total on row 8
    with its cached value) and a hidden "Notes" sheet."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Crime group")
    sheet.write("A1", "Crimes recorded on hospital grounds")
    sheet.write_row("A3", ["Crime Group", "2021/22", "2022/23"])
    for offset, row in enumerate(CRIME_ROWS):
        sheet.write_row(3 + offset, 0, row)
    total_2122 = sum(row[1] for row in CRIME_ROWS)
    total_2223 = sum(row[2] for row in CRIME_ROWS)
    sheet.write("A8", "Total")
    sheet.write_formula("B8", "=SUM(B4:B7)", None, total_2122)
    sheet.write_formula("C8", "=SUM(C4:C7)", None, total_2223)
    notes = book.add_worksheet("Notes")
    notes.write_row("A1", ["Note", "Detail"])
    notes.write_row("A2", ["Source", "Police records management system"])
    notes.hide()
    book.close()
    return buffer.getvalue()


def test_workbook_reads_every_sheet_with_cached_formula_values_and_row_numbers():
    (document,) = read_bytes(crime_workbook(), "crime.xlsx").documents

    lines = document.text.split("\n")
    assert lines[:3] == [
        "Sheet: Crime group",
        "Crimes recorded on hospital grounds",
        "Crime Group: Violence Against the Person; 2021/22: 150; 2022/23: 174",
    ]
    assert "Crime Group: Total; 2021/22: 310; 2022/23: 363" in lines
    assert "SUM(" not in document.text
    assert "Sheet: Notes (hidden)" in lines
    assert "Note: Source; Detail: Police records management system" in lines
    assert document.kind == "xlsx"
    assert document.metadata["sheets"] == "Crime group, Notes (hidden)"
    # Each row's line is where the row map says, numbered as the spreadsheet shows it.
    by_line = {document.text[row.start : row.end]: (row.sheet, row.number) for row in document.rows}
    assert by_line["Crimes recorded on hospital grounds"] == ("Crime group", 1)  # a title is a row too
    assert by_line["Crime Group: Theft Offences; 2021/22: 98; 2022/23: 121"] == ("Crime group", 5)
    assert by_line["Crime Group: Total; 2021/22: 310; 2022/23: 363"] == ("Crime group", 8)
    assert by_line["Note: Source; Detail: Police records management system"] == ("Notes", 2)


def test_dates_merged_headers_and_empty_rows_and_columns():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Spend"
    sheet["B2"] = "Financial year"
    sheet["C2"] = "Agency spend"
    sheet.merge_cells("C2:D2")  # the header spans two columns; only C2 holds the text
    sheet["B3"], sheet["C3"], sheet["D3"] = "2021/22", 407601.52, dt.datetime(2022, 3, 31)
    # row 4 left empty, column A and E left empty
    sheet["B5"], sheet["C5"], sheet["D5"] = "2022/23", 510584.74, dt.datetime(2023, 3, 31)
    buffer = io.BytesIO()
    book.save(buffer)

    (document,) = read_bytes(buffer.getvalue(), "spend.xlsx").documents

    assert document.text.split("\n") == [
        "Sheet: Spend",
        "Financial year: 2021/22; Agency spend: 407601.52; Agency spend (D): 2022-03-31",
        "Financial year: 2022/23; Agency spend: 510584.74; Agency spend (D): 2023-03-31",
    ]
    assert [(row.sheet, row.number) for row in document.rows] == [("Spend", 3), ("Spend", 5)]


def ods_bytes(rows: list[list[str]]) -> bytes:
    """A minimal OpenDocument spreadsheet, written as LibreOffice lays one out."""
    cells = lambda row: "".join(
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>' for value in row
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Requests">'
        + "".join(f"<table:table-row>{cells(row)}</table:table-row>" for row in rows)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def test_ods_sheet_is_read():
    data = ods_bytes([["Reference", "Outcome"], ["FOI 1306/25", "Refused under s.12"]])

    (document,) = read_bytes(data, "requests.ods").documents

    assert document.text == "Sheet: Requests\nReference: FOI 1306/25; Outcome: Refused under s.12"
    assert [(row.sheet, row.number) for row in document.rows] == [("Requests", 2)]


def test_csv_in_cp1252_with_a_stray_nul_is_read_and_the_cut_reported(tmp_path):
    path = tmp_path / "spend.csv"
    path.write_bytes("Year,Spend\n2021/22,£407,601.52\n2022/23,\x00£510\n".replace("£407,601.52", '"£407,601.52"').encode("cp1252"))

    result = read_file(path, max_bytes=LIMIT)

    (document,) = result.documents
    assert document.text == "Year: 2021/22; Spend: £407,601.52\nYear: 2022/23; Spend: £510"
    assert [(row.sheet, row.number) for row in document.rows] == [(None, 2), (None, 3)]
    assert [(part.path, part.reason) for part in result.skipped] == [
        (f"{path} [NUL bytes]", "1 stray NUL byte removed; the rest was read")
    ]


def test_tsv_uses_tabs():
    (document,) = read_bytes(b"Force\tUses LFR\nSouth Wales\tYes\n", "forces.tsv").documents
    assert document.text == "Force: South Wales; Uses LFR: Yes"
    assert document.kind == "tsv"


# --- chunking ------------------------------------------------------------------------


def words(text: str) -> int:
    return len(text.split())


def test_chunks_are_runs_of_whole_rows_and_never_cross_a_sheet():
    (document,) = read_bytes(crime_workbook(), "crime.xlsx").documents
    chunker = Chunker(words, chunk_tokens=20, chunk_overlap=5, max_tokens=30)

    chunks = chunker.chunk(document)

    line_starts = {0} | {i + 1 for i, ch in enumerate(document.text) if ch == "\n"}
    line_ends = {i for i, ch in enumerate(document.text) if ch == "\n"} | {len(document.text)}
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start : chunk.end]
        assert chunk.start in line_starts and chunk.end in line_ends
        assert words(chunk.text) <= 20
        assert not ("Crime group" in chunk.text and "Note:" in chunk.text)
    assert "\n".join(c.text for c in chunks).replace("\n", "") == document.text.replace("\n", "")


def test_a_row_too_long_for_one_chunk_is_cut_between_cells_keeping_each_header():
    header = [f"Column heading {n}" for n in range(12)]
    body = [f"value {n}" for n in range(12)]
    data = (",".join(header) + "\n" + ",".join(body) + "\n").encode()
    (document,) = read_bytes(data, "wide.csv").documents
    chunker = Chunker(words, chunk_tokens=20, chunk_overlap=5, max_tokens=30)

    chunks = chunker.chunk(document)

    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start : chunk.end]
        for cell in chunk.text.rstrip(";").split("; "):
            assert cell.startswith("Column heading ") and ": value " in cell
    cells = [cell for chunk in chunks for cell in chunk.text.rstrip(";").split("; ")]
    assert cells == [f"Column heading {n}: value {n}" for n in range(12)]


# --- tables drawn in text (emails) ---------------------------------------------------

BOX_TABLE = """2. What was the total spend on agency social workers?
┌──────────────┬─────────────┬───────────┐
│ │Adult Social │ │
│Financial Year│Worker │Grand Total│
├──────────────┼─────────────┼───────────┤
│2020/21 │£583,538.51 │£2,510,935.84│
├──────────────┼─────────────┼───────────┤
│2021/22 │£407,601.52 │£2,883,627.00│
├──────────────┼─────────────┼───────────┤
│ │ │ │
└──────────────┴─────────────┴───────────┘
In addition, we also have an agency contract."""


def test_box_drawing_table_becomes_rows_with_their_headers():
    assert rewrite_text_tables(BOX_TABLE).split("\n") == [
        "2. What was the total spend on agency social workers?",
        "Financial Year: 2020/21; Adult Social Worker: £583,538.51; Grand Total: £2,510,935.84",
        "Financial Year: 2021/22; Adult Social Worker: £407,601.52; Grand Total: £2,883,627.00",
        "In addition, we also have an agency contract.",
    ]


def test_markdown_table_becomes_rows_and_other_text_is_untouched():
    text = "Intro | not a table\n\n| Year | Spend |\n|---|---:|\n| 2021 | £5 |\n| 2022 | £6 |\nEnd"
    assert rewrite_text_tables(text) == "Intro | not a table\n\nYear: 2021; Spend: £5\nYear: 2022; Spend: £6\nEnd"
    plain = "Dear Sir,\n\n----\nNo tables here | at all.\n"
    assert rewrite_text_tables(plain) == plain


# --- what a user sees ----------------------------------------------------------------


@pytest.fixture
def crime_folder(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "crime.xlsx").write_bytes(crime_workbook())
    (folder / "letter.txt").write_text("Dear requester, the figures you asked for are attached.\n")
    return folder


def test_search_hit_carries_sheet_and_rows(tmp_path, crime_folder, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([crime_folder])

    hits = assistant.search("Theft Offences 2022/23", k=3, mode="lexical").hits

    hit = next(hit for hit in hits if hit.path.endswith("crime.xlsx"))
    assert hit.sheet == "Crime group"
    first, last = hit.rows
    assert first <= 5 <= last
    assert hit.text == assistant.document(hit.doc_id).text[hit.start : hit.end]
    assert f'sheet "Crime group", rows {first}–{last}' in assistant.citation(hit)
    letter = next(hit for hit in assistant.search("figures attached", k=3, mode="lexical").hits if hit.path.endswith(".txt"))
    assert letter.sheet is None and letter.rows is None


def test_cli_search_json_has_sheet_and_rows(tmp_path, crime_folder, fake_model, capsys):
    index = tmp_path / "idx"
    with pytest.raises(SystemExit) as done:
        main(["ingest", str(crime_folder), "--index", str(index), "-q"])
    assert done.value.code == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["search", "Police records management system", "--index", str(index), "--json", "--mode", "lexical"])
    assert done.value.code == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits[0]["sheet"] == "Notes" and hits[0]["rows"] == [2, 2]
    assert hits[0]["citation"].endswith('sheet "Notes", row 2')


def test_old_index_without_a_row_map_still_opens(tmp_path, crime_folder, fake_embedder):
    index = tmp_path / "idx"
    Assistant.open(index, embedder=fake_embedder).ingest([crime_folder])
    for store in [index / "store.sqlite"]:
        with sqlite3.connect(store) as db:
            db.execute("DROP TABLE table_rows")  # as written before spreadsheets were read

    hits = Assistant.open(index, embedder=fake_embedder).search("Theft Offences", k=2, mode="lexical").hits

    assert hits and all(hit.sheet is None and hit.rows is None for hit in hits)


def test_rebuild_cuts_spreadsheets_between_rows_again(tmp_path, crime_folder, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([crime_folder])
    before = assistant.search("Theft Offences", k=1, mode="lexical").hits[0]

    assistant.rebuild()
    after = assistant.search("Theft Offences", k=1, mode="lexical").hits[0]

    assert (after.sheet, after.rows, after.text) == (before.sheet, before.rows, before.text)


@pytest.mark.integration
def test_ask_cites_the_sheet_and_rows_and_quotes_the_computed_total(tmp_path, crime_folder, real_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=real_embedder)
    assistant.ingest([crime_folder])

    answer = assistant.ask("How many crimes were recorded in total in 2022/23?")

    assert not answer.abstained
    total = next(c for c in answer.citations if "Total" in c.quote)
    assert "2022/23: 363" in total.quote
    assert (total.sheet, total.rows) == ("Crime group", (8, 8))
    assert total.citation.endswith('sheet "Crime group", row 8')
    assert assistant.document(total.doc_id).text[total.start : total.end] == total.quote


def test_viewer_shows_the_cited_rows_as_an_escaped_table_with_the_header():
    from ui.table_view import cited_rows_table

    data = b'Crime Group,2022/23\n<script>alert(1)</script>,174\nTheft & burglary,121\n'
    (document,) = read_bytes(data, "crime.csv").documents

    html = cited_rows_table(document.text, document.rows)

    assert "<caption>rows 2–3</caption>" in html
    assert "<th>Row</th><th>Crime Group</th><th>2022/23</th>" in html
    assert "<td>2</td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>174</td>" in html
    assert "<td>3</td><td>Theft &amp; burglary</td><td>121</td>" in html
    assert "<script>" not in html
    assert cited_rows_table(document.text, []) == ""


def test_a_one_cell_title_row_is_a_caption_and_a_first_cell_merged_down_carries_over():
    text = (
        "┌───────────────────────────────┐\n│Annual Levy In and Spent │\n├──────────┬──────────┬─────────┤\n"
        "│Year │Levy Activity │Amount │\n├──────────┼──────────┼─────────┤\n│2018/19 │Paid In │£1,619,293.00 │\n"
        "├──────────┼──────────┼─────────┤\n│ │Spent │£448,955.05 │\n└──────────┴──────────┴─────────┘"
    )
    assert rewrite_text_tables(text).split("\n") == [
        "Annual Levy In and Spent",
        "Year: 2018/19; Levy Activity: Paid In; Amount: £1,619,293.00",
        "Year: 2018/19; Levy Activity: Spent; Amount: £448,955.05",
    ]


def test_removing_a_workbook_removes_its_row_map(tmp_path, crime_folder, fake_embedder):
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([crime_folder])
    (workbook,) = [d for d in assistant.documents() if d.kind == "xlsx"]
    assert len(assistant.table_rows(workbook.doc_id, 0, len(workbook.text))) == 7  # title, 5 rows, 1 hidden

    assistant.remove([str(crime_folder / "crime.xlsx")])

    assert assistant.table_rows(workbook.doc_id, 0, len(workbook.text)) == []


@pytest.mark.corpus
def test_sheffield_agency_spend_table_reads_as_rows(corpus):
    path = corpus / "sheffield-wdtk" / "social_care_workers_226.mbox"

    texts = [document.text for document in read_file(path, max_bytes=LIMIT).documents]

    reply = next(text for text in texts if "£407,601.52" in text)
    assert (
        "Financial Year: 2021/22; Adult Social Worker: £407,601.52; Childrens Social Worker: £2,476,025.48; "
        "Grand Total: £2,883,627.00" in reply.split("\n")
    )
    assert "├" not in reply and "│" not in reply
