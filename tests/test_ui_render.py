"""Unit tests of the UI's pure helpers: HTML rendering, follow-ups, filters, exports, uploads."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from assistant.answer import Answer, Citation
from index.search import Hit
from index.store import Location, StoredDocument
from ingest.documents import Page
from ui import render, results
from ui.uploads import UploadPolicy, safe_name, safe_relative, save_uploads

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
        pytest.param(lambda: render.document_view(make_document(), 0, 5), id="viewer"),
        pytest.param(lambda: render.document_metadata(make_document()), id="metadata"),
        pytest.param(lambda: render.citation_cards(make_answer(True), ["c"]), id="abstain-cards"),
    ],
)
def test_rendered_html_contains_no_raw_document_markup(html_out):
    out = html_out()
    for raw in ("<script", "<img", "<b>", "<i>", "<WMP>", "<a>", '"quoted"'):
        assert raw not in out


def test_answer_markdown_is_literal():
    out = render.answer_markdown(make_answer())
    assert "<script>" not in out and "&lt;script&gt;" in out and "\\[1\\]" in out


def test_abstention_says_so_and_lists_nearest_passages():
    answer = make_answer(abstained=True)
    assert "No confident answer" in render.answer_markdown(answer)
    assert "Nearest passages" in render.citation_cards(answer, ["c"])


def test_plain_text_has_numbered_references():
    text = render.plain_text_answer(make_answer())
    assert "[1] WMP — FOI 1 — p. 3 — “Quote <script>x</script>”" in text


def test_viewer_marks_cited_span_and_pages():
    text = "first page text. second page text."
    doc = make_document(text, pages=[Page(1, 0, 17), Page(2, 17, len(text))])
    out = render.document_view(doc, 17, 23)
    assert '<span class="foi-page" id="page-1">— page 1 —</span>first page' in out
    assert '— page 2 —</span><mark id="cited">second</mark> page' in out


def test_viewer_ignores_bad_span():
    assert "<mark" not in render.document_view(make_document(), 5, 10_000)


def test_document_rows_filter():
    rows = render.document_rows([make_document()], "wmp")
    assert rows and rows[0][-1] == "d1"
    assert render.document_rows([make_document()], "nothing-like-this") == []


# Follow-ups, filters, exports -----------------------------------------------------
def test_short_follow_up_carries_previous_question():
    assert results.contextual_question("Does WMP use drones?", "How many?") == "Does WMP use drones? How many?"
    long = "What is the retention period for body worn video footage at the force"
    assert results.contextual_question("Does WMP use drones?", long) == long
    assert results.contextual_question(None, "How many?") == "How many?"


def test_filter_hits_by_kind_and_folder():
    hits = [make_hit(), make_hit(doc_id="d2", kind="txt", path="/data/other/x.txt")]
    assert [h.doc_id for h in results.filter_hits(hits, ["txt"])] == ["d2"]
    assert [h.doc_id for h in results.filter_hits(hits, [], "WMP")] == ["d1"]
    assert len(results.filter_hits(hits)) == 2


def test_exports_write_csv_and_json(tmp_path):
    record = results.hit_record(make_hit(title="=HYPERLINK(1)"), "cite")
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
    assert sorted(str(p.relative_to(root)) for p in result.saved) == ["abs/also.txt", "escape.txt", "sub/good.md"]
    assert all(root in p.parents for p in result.saved)
    assert not (tmp_path / "escape.txt").exists()
    reasons = " ".join(r.reason for r in result.rejected)
    assert "file type not allowed" in reasons and "nested archives" in reasons
    assert "too large" in reasons and "symbolic links" in reasons


def test_corrupt_zip_is_rejected(tmp_path):
    result = save_uploads([_upload(tmp_path, "broken.zip", b"not a zip")], tmp_path / "uploads")
    assert result.saved == [] and "not a readable zip" in result.rejected[0].reason
