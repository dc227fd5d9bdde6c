"""Unit tests of the UI's pure helpers: HTML rendering, exports, uploads."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from assistant.answer import Answer, Citation
from assistant.settings import load_settings
from assistant.shapes import hit_json
from index.records import Location, StoredDocument
from index.search import Hit
from ingest.documents import Page
from ui import chat, render, results
from ui.uploads import UploadPolicy, discard_upload, safe_name, safe_relative, save_uploads

HOSTILE = "Intro <script>alert(1)</script> and <img src=x onerror=alert(1)> & more"


def make_hit(**overrides) -> Hit:
    values = dict(
        rank=1, score=0.5, doc_id="d1", path="/data/wmp/bwv.pdf", part=None, title="Body <b>worn</b> video",
        kind="pdf", page=2, page_end=2, start=0, end=len(HOSTILE), text=HOSTILE,
        metadata={"authority": "West Midlands Police", "reference": "18201/18", "date_display": "6 Nov 2018"},
    )
    values.update(overrides)
    return Hit(**values)


def make_document(text: str = HOSTILE, pages=()) -> StoredDocument:
    return StoredDocument(
        doc_id="d1", kind="pdf", title="<i>Title</i>", text=text, pages=list(pages),
        metadata={"authority": "<WMP>"}, locations=[Location("/x/<a>.pdf", None)],
        added_at="2026-01-01T00:00:00", updated_at="2026-01-02T00:00:00",
    )


def make_answer(abstained: bool = False) -> Answer:
    citation = Citation(
        n=1, doc_id="d1", path="/data/a.txt", part=None, title="<b>T</b>", page=3, start=0, end=10,
        quote="Quote <script>x</script>", citation="WMP — FOI 1 — p. 3", score=0.9, metadata={"reference": "1"},
    )
    if abstained:
        return Answer("q?", "I could not find an answer.", [], True, [make_hit()])
    return Answer("Does it [work]?", "Quote <script>x</script> [1]", [citation], False, [make_hit()])


# Escaping and highlighting -----------------------------------------------------
def test_highlight_escapes_text_and_marks_terms():
    out = render.highlight(HOSTILE, ["script", "alert"])
    assert "<script>" not in out and "<img" not in out
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)" in out
    assert "&amp; more" in out


def test_highlight_never_marks_inside_an_entity():
    assert render.highlight("fish & chips", ["amp"]) == "fish &amp; chips"


def test_query_terms_drop_stopwords_and_short_words():
    assert render.query_terms("Does the force use body-worn video? a") == ["force", "use", "body", "worn", "video"]


@pytest.mark.parametrize(
    "html_out",
    [
        pytest.param(lambda: render.passage_card(make_hit(), 'cite "quoted" <x>', ["video"]), id="passage-card"),
        pytest.param(lambda: render.citation_card(make_answer().citations[0]), id="citation-card"),
        pytest.param(lambda: render.citation_cards(make_answer()), id="citation-cards"),
        pytest.param(lambda: render.search_results([make_hit()], ["c"], "video"), id="search-results"),
        pytest.param(
            lambda: render.ingest_report({"files": [{"path": "/u/<b>.txt", "status": "skipped", "reason": "<i>bad"}]}),
            id="ingest-report",
        ),
        pytest.param(lambda: render.remove_report("<b>T</b>", {"removed": 1}, True), id="remove-report"),
        pytest.param(lambda: render.document_view(make_document(), 0, 5), id="viewer"),
        pytest.param(lambda: render.document_metadata(make_document()), id="metadata"),
        pytest.param(lambda: render.citation_cards(make_answer(True), ["c"]), id="abstain-cards"),
        pytest.param(lambda: render.passage_card(make_hit(also_in=1), "c", others=[(make_document(), 3)]), id="also-in"),
        pytest.param(lambda: render.facet_list({"authority": [("<WMP>", 2)], "exemption": [('"quoted"', 1)]}, 100), id="facets"),
        pytest.param(lambda: chat.answer_markdown(make_answer()), id="chat-answer"),
    ],
)
def test_rendered_html_contains_no_raw_document_markup(html_out):
    out = html_out()
    for raw in ("<script", "<img", "<b>", "<i>", "<WMP>", "<a>", '"quoted"'):
        assert raw not in out


def test_answer_markdown_is_literal():
    out = chat.answer_markdown(make_answer())
    assert "<script>" not in out and "&lt;script&gt;" in out and "\\[1\\]" in out


def test_abstention_says_so_and_lists_nearest_passages():
    answer = make_answer(abstained=True)
    assert "No confident answer" in chat.answer_markdown(answer)
    assert "Nearest passages" in render.citation_cards(answer, ["c"])


def test_plain_text_has_numbered_references():
    text = chat.plain_text_answer(make_answer())
    assert "[1] WMP — FOI 1 — p. 3 — “Quote <script>x</script>”" in text


def test_viewer_marks_cited_span_and_pages():
    text = "first page text. second page text."
    doc = make_document(text, pages=[Page(1, 0, 17), Page(2, 17, len(text))])
    out = render.document_view(doc, 17, 23)
    assert '<span class="foi-page" id="page-1">— page 1 —</span>first page' in out
    assert '— page 2 —</span><mark id="cited">second</mark> page' in out


def test_viewer_ignores_bad_span():
    assert "<mark" not in render.document_view(make_document(), 5, 10_000)


def test_document_rows_filter_and_chunk_counts():
    rows = render.document_rows([make_document()], "wmp", {"d1": 7})
    assert rows and rows[0][-1] == "d1"
    assert dict(zip(render.DOCUMENT_COLUMNS, rows[0]))["Chunks"] == 7
    assert dict(zip(render.DOCUMENT_COLUMNS, render.document_rows([make_document()])[0]))["Chunks"] == 0
    assert render.document_rows([make_document()], "nothing-like-this") == []


def test_cards_open_their_own_target():
    cards = render.citation_cards(make_answer())
    assert 'data-open="0"' in cards and 'class="foi-open" data-open="0"' in cards
    nearest = render.citation_cards(make_answer(abstained=True), ["c"])
    assert 'data-open="0"' in nearest and "nearest 1" in nearest
    hits = render.search_results([make_hit(), make_hit(rank=2, doc_id="d2")], ["a", "b"], "video")
    assert 'data-open="1"' in hits
    assert "data-open" not in render.citation_card(make_answer().citations[0])


def test_ingest_report_lists_every_file_problems_first(tmp_path):
    report = {
        "added": 1, "unchanged": 1, "skipped": [{"path": str(tmp_path / "bad.pdf"), "reason": "encrypted"}],
        "documents": 2, "chunks": 5, "seconds": 0.1,
        "files": [
            {"path": str(tmp_path / "a" / "old.txt"), "status": "unchanged", "reason": None},
            {"path": str(tmp_path / "new.txt"), "status": "added", "reason": None},
            {"path": str(tmp_path / "bad.pdf"), "status": "skipped", "reason": "encrypted"},
        ],
    }
    out = render.ingest_report(report, tmp_path)
    assert "skipped 1" in out and "2 documents, 5 chunks" in out
    order = [out.index(name) for name in ("<code>bad.pdf</code>", "<code>new.txt</code>", "<code>a/old.txt</code>")]
    assert order == sorted(order)
    assert "<td>skipped</td><td>encrypted</td>" in out


# Exports ---------------------------------------------------------------------------
def test_exports_write_csv_and_json(tmp_path):
    record = hit_json(make_hit(title="=HYPERLINK(1)"), "cite")
    csv_path, json_path = results.write_exports([record], "body worn?", tmp_path)
    row = next(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert row["title"] == "'=HYPERLINK(1)" and row["citation"] == "cite"
    assert json.loads(json_path.read_text())["results"][0]["doc_id"] == "d1"


def test_for_client_renames_path_keys():
    assert results.for_client({"path": "a", "x": [{"path": "b"}]}) == {"file_path": "a", "x": [{"file_path": "b"}]}


# Uploads -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, expected",
    [
        pytest.param("../../etc/passwd.txt", "passwd.txt", id="dotdot"),
        pytest.param("/abs/path/report.pdf", "report.pdf", id="absolute"),
        pytest.param("C:\\Users\\x\\notes.md", "notes.md", id="windows"),
        pytest.param("..", "", id="only-dots"),
        pytest.param("a\x00b<>.txt", "ab__.txt", id="control-and-markup"),
    ],
)
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_safe_relative_drops_traversal():
    assert safe_relative("../../x/../evil.txt") == Path("x/evil.txt")
    assert safe_relative("/../..") is None


def _upload(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "incoming" / str(len(list(tmp_path.glob("incoming/*"))))
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    return folder / name


def test_save_uploads_accepts_and_rejects(tmp_path):
    dest = tmp_path / "uploads"
    policy = UploadPolicy(max_bytes=100)
    files = [
        _upload(tmp_path, "ok.txt", b"hello"),
        _upload(tmp_path, "bad.exe", b"MZ"),
        _upload(tmp_path, "big.txt", b"x" * 101),
        _upload(tmp_path, "noext", b"x"),
    ]
    result = save_uploads(files, dest, policy)
    assert [p.name for p in result.saved] == ["ok.txt"]
    reasons = {r.name: r.reason for r in result.rejected}
    assert reasons["bad.exe"].startswith("file type not allowed (.exe)")
    assert reasons["big.txt"].startswith("too large")
    assert "no extension" in reasons["noext"]


def test_zip_slip_and_rules_inside_archives(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("../../escape.txt", "evil")
        zf.writestr("/abs/also.txt", "abs")
        zf.writestr("sub/good.md", "# good")
        zf.writestr("tool.exe", "MZ")
        zf.writestr("inner.zip", "PK")
        zf.writestr("huge.txt", "x" * 5000)
        link = zipfile.ZipInfo("link.txt")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    archive = _upload(tmp_path, "bundle.zip", buffer.getvalue())
    dest = tmp_path / "uploads"
    result = save_uploads([archive], dest, UploadPolicy(max_bytes=2000))
    root = (dest / "bundle").resolve()
    # A zip inside is saved as it is: `foi ingest` reads it through the same guard.
    assert sorted(str(p.relative_to(root)) for p in result.saved) == ["inner.zip", "sub/good.md"]
    assert all(root in p.parents for p in result.saved)
    assert not (tmp_path / "escape.txt").exists() and not any(tmp_path.rglob("escape.txt"))
    reasons = {r.name: r.reason for r in result.rejected}
    assert reasons["bundle.zip: ../../escape.txt"] == "unsafe path in archive (escapes the archive folder)"
    assert reasons["bundle.zip: /abs/also.txt"] == "unsafe path in archive (absolute path)"
    assert reasons["bundle.zip: tool.exe"].startswith("file type not allowed")
    assert reasons["bundle.zip: huge.txt"] == "larger than the 2,000 bytes limit (5,000 bytes)"
    assert reasons["bundle.zip: link.txt"] == "symbolic link in archive"


def test_zip_bomb_upload_is_refused_whole_and_nothing_is_written(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("readme.txt", "A real file beside the bomb.")
        zf.writestr("zeros.txt", b"0" * 20_000_000)
    archive = _upload(tmp_path, "bomb.zip", buffer.getvalue())
    assert archive.stat().st_size < 100_000

    result = save_uploads([archive], tmp_path / "uploads")

    assert result.saved == []
    [rejected] = result.rejected
    assert rejected.name == "bomb.zip"
    assert re.fullmatch(r"zip bomb: zeros\.txt expands 1,0\d\d times \(limit 100\)", rejected.reason)
    assert not any(p.is_file() for p in (tmp_path / "uploads").rglob("*"))


def test_corrupt_zip_is_rejected(tmp_path):
    result = save_uploads([_upload(tmp_path, "broken.zip", b"not a zip")], tmp_path / "uploads")
    assert result.saved == [] and result.rejected[0].reason.startswith("corrupt zip archive: ")


def test_upload_policy_from_settings():
    settings = load_settings(max_upload_mb=2, upload_extensions=[".TXT", "pdf", ".zip"], zip_max_members=7, zip_max_ratio=50)
    policy = UploadPolicy.from_settings(settings)
    assert policy.allowed_extensions == frozenset({".txt", ".pdf", ".zip"}) and policy.max_bytes == 2_000_000
    assert policy.zip_limits.max_members == 7 and policy.zip_limits.max_ratio == 50


def test_discard_upload_only_inside_the_uploads_folder(tmp_path):
    uploads, outside = tmp_path / "uploads", tmp_path / "mine.txt"
    (uploads / "sub").mkdir(parents=True)
    inside = uploads / "sub" / "a.txt"
    inside.write_text("x")
    outside.write_text("y")
    assert discard_upload(inside, uploads) and not inside.exists()
    assert not discard_upload(outside, uploads) and outside.exists()
    assert not discard_upload(uploads / "missing.txt", uploads)


# Streaming and the original file ---------------------------------------------------
def test_answer_stream_grows_one_cited_sentence_at_a_time_and_ends_with_the_full_answer():
    first = make_answer().citations[0]
    second = dataclasses.replace(first, n=2, quote="- Second <img src=x onerror=alert(1)>")
    answer = Answer("q?", "Quote <script>x</script> [1] - Second <img src=x onerror=alert(1)> [2]", [first, second], False, [])
    messages = list(chat.answer_stream(answer, read_as="and <b>then</b>?"))
    assert len(messages) == 2
    assert messages[0].endswith("\\[1\\]</a>") and "Second" not in messages[0]
    assert messages[0].startswith("*Read as a follow-up:* and &lt;b&gt;then&lt;/b&gt;?")
    assert messages[-1] == chat.answer_markdown(answer, read_as="and <b>then</b>?")
    assert all("<script>" not in m and "<img" not in m for m in messages)


def test_answer_stream_of_an_abstention_is_one_message():
    answer = make_answer(abstained=True)
    assert list(chat.answer_stream(answer)) == [chat.answer_markdown(answer)]


def test_original_copy_offers_only_the_recorded_file(tmp_path):
    source = tmp_path / "docs" / "reply.pdf"
    source.parent.mkdir()
    source.write_bytes(b"%PDF-1.4 original")
    document = make_document()
    document.locations[:] = [Location(str(source), None)]
    copy = results.original_copy(document, tmp_path / "downloads")
    assert copy is not None and copy.name == "reply.pdf" and copy.read_bytes() == b"%PDF-1.4 original"
    assert copy.parent.parent == tmp_path / "downloads"


@pytest.mark.parametrize(
    "recorded",
    [
        pytest.param("missing", id="missing-file"),
        pytest.param("folder", id="a-folder"),
        pytest.param("link", id="symlink"),
        pytest.param("relative", id="relative-path"),
        pytest.param(None, id="no-location"),
    ],
)
def test_original_copy_refuses_what_is_not_the_recorded_file(tmp_path, recorded):
    secret = tmp_path / "secret.txt"
    secret.write_text("not a document")
    paths = {
        "missing": tmp_path / "gone.pdf", "folder": tmp_path, "relative": Path("secret.txt"),
        "link": tmp_path / "link.pdf",
    }
    if recorded == "link":
        paths["link"].symlink_to(secret)
    document = make_document()
    document.locations[:] = [] if recorded is None else [Location(str(paths[recorded]), None)]
    assert results.original_copy(document, tmp_path / "downloads") is None
    assert render.ORIGINAL_NOT_AVAILABLE.count("Original file not available") == 1


# Chat markers ----------------------------------------------------------------------
def two_citation_answer(doc_ids=("d1", "d2")) -> Answer:
    first = dataclasses.replace(make_answer().citations[0], doc_id=doc_ids[0], quote="Cameras [2] are used.", start=5, end=25)
    second = dataclasses.replace(first, n=2, doc_id=doc_ids[1], quote="Footage is kept.", start=40, end=56)
    return Answer("q?", "Cameras [2] are used. [1] Footage is kept. [2]", [first, second], False, [])


def marker_hrefs(markdown: str) -> list[str]:
    return re.findall(r'<a class="foi-marker" href="([^"]+)"', markdown)


def test_each_chat_marker_links_to_its_own_passage():
    answer = two_citation_answer()
    targets = [chat.marker_target(href) for href in marker_hrefs(chat.answer_markdown(answer))]
    assert targets == [{"doc_id": "d1", "start": 5, "end": 25}, {"doc_id": "d2", "start": 40, "end": 56}]
    # A literal "[2]" inside the first quote stays text, not a link.
    assert "Cameras \\[2\\] are used." in chat.answer_markdown(answer)


def test_markers_of_an_older_answer_keep_their_targets():
    older, newer = two_citation_answer(("old1", "old2")), two_citation_answer(("new1", "new2"))
    history = chat.answer_markdown(older) + "\n" + chat.answer_markdown(newer)
    assert [chat.marker_target(h)["doc_id"] for h in marker_hrefs(history)] == ["old1", "old2", "new1", "new2"]


@pytest.mark.parametrize(
    "href",
    [
        pytest.param("javascript:alert(1)", id="script"),
        pytest.param("#foi-cite:../x:1:2", id="path"),
        pytest.param("#foi-cite:d1:1", id="short"),
        pytest.param(None, id="none"),
    ],
)
def test_marker_target_refuses_anything_else(href):
    assert chat.marker_target(href) is None


def test_streamed_markers_are_links_too():
    messages = list(chat.answer_stream(two_citation_answer()))
    assert [len(marker_hrefs(m)) for m in messages] == [1, 2]


def test_plain_text_keeps_plain_markers():
    text = chat.plain_text_answer(two_citation_answer())
    assert "Cameras [2] are used. [1] Footage is kept. [2]" in text and "<a" not in text


# Also in, facets, compare ------------------------------------------------------------
def test_also_in_lists_the_other_documents_collapsed():
    other = dataclasses.replace(make_document(), doc_id="d9", title="Other <reply>")
    card = render.passage_card(make_hit(also_in=1, also_in_ids=("d9",)), "c", others=[(other, 4)])
    assert '<details class="foi-also"><summary>also in 1 other document</summary>' in card
    assert 'data-open="4">Other &lt;reply&gt;</button>' in card and "&lt;WMP&gt;" in card
    # Without the documents' details, the count alone is shown.
    plain = render.passage_card(make_hit(also_in=2), "c")
    assert "also in 2 other documents" in plain and "<details" not in plain
    assert "also in" not in render.passage_card(make_hit(), "c")


def test_facet_list_buttons_carry_facet_and_value():
    out = render.facet_list(
        {"authority": [("North Police", 2), ("South <Constabulary>", 1)], "year": [("2024", 3)], "outcome": [], "exemption": []},
        100, {"authority": "North Police"},
    )
    assert 'data-facet="authority" data-value="North Police" aria-pressed="true"' in out
    assert 'data-value="South &lt;Constabulary&gt;" aria-pressed="false"' in out
    assert 'data-facet="year" data-value="2024"' in out and "Outcome" not in out
    many = render.facet_list({"year": [(str(2000 + i), 1) for i in range(9)]}, 100)
    assert "<summary>3 more</summary>" in many
    assert render.facet_list({"authority": []}, 100) == ""


def test_compare_rows_show_fields_and_one_line_sentence():
    from assistant.compare import ComparisonRow

    row = ComparisonRow("North Police", "101/24", "3 Mar 2024", "disclosed", ["s.31(3)", "s.24(2)"], "Yes,\n we do.",
                        "cite", "/d/north.txt", "message 2", "d1", 0, 12, 0.9)
    bare = dataclasses.replace(row, authority=None, exemptions=[], part=None)
    table = render.compare_rows([row, bare])
    assert dict(zip(render.COMPARE_COLUMNS, table[0])) == {
        "Authority": "North Police", "Reference": "101/24", "Date": "3 Mar 2024", "Outcome": "disclosed",
        "Exemptions": "s.31(3), s.24(2)", "Sentence": "Yes, we do.", "File": "north.txt › message 2",
    }
    assert table[1][0] == "—" and table[1][4] == "—" and table[1][-1] == "north.txt"


def test_passage_target_finds_the_passage_in_another_document():
    document = make_document("Intro. The same boilerplate text. End.")
    assert results.passage_target(document, "same boilerplate") == {"doc_id": "d1", "start": 11, "end": 27}
    assert results.passage_target(document, "not there") == {"doc_id": "d1", "start": None, "end": None}


def test_export_stems_are_fresh_and_named_by_kind(tmp_path):
    first, second = results.export_stem("compare", "Facial recognition?", tmp_path), results.export_stem("compare", "x", tmp_path)
    assert first.name.startswith("foi-compare-facial-recognition-") and first != second and first.parent == tmp_path


def test_a_listing_answer_says_what_it_read_from_the_question():
    answer = dataclasses.replace(make_answer(), filters={"outcome": "cost limit"}, matching=12)
    message = chat.answer_markdown(answer)
    assert message.startswith("*Answered from the FOI metadata (outcome = cost limit") and "12 request(s)" in message
    assert "outcome = cost limit" in chat.plain_text_answer(answer)
    assert "FOI metadata" not in chat.answer_markdown(make_answer())


def test_a_quote_starting_with_a_number_shows_no_backslash_and_makes_no_list():
    from markdown_it import MarkdownIt

    from ui.chat import md_escape

    rendered = MarkdownIt("commonmark").render(md_escape("1. I can confirm that the force has used it.\n- and this"))
    assert "<ol" not in rendered and "<ul" not in rendered
    assert "1. I can confirm" in rendered and "\\" not in rendered
