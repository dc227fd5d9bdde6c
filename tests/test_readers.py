"""Readers: every format, the bad inputs a real FOI folder holds, and the real corpus."""

from __future__ import annotations

import importlib.util
import io
import logging
import shutil
import subprocess
import tempfile
import zipfile
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest

from ingest.documents import Skipped
from ingest.errors import SkippedFile
from ingest.readers import SUPPORTED_EXTENSIONS, ReadResult, read_file
from ingest.ocr import OcrOptions
from ingest.readers import dispatch
from tests.msgfile import Attachment, MsgSpec, build_msg, compound_file
from tests.ocr_fixtures import image_bytes, page_image, png_bomb
from tests.test_ocr import needs_tesseract

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
LIMIT = 10_000_000


def _load_fixture_builders():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builders = _load_fixture_builders()


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def zip_of(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def zip_with_link() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        link = zipfile.ZipInfo("passwd.txt")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("reply.txt", "The request was refused.")
    return buffer.getvalue()


def zip_with_encrypted_member() -> bytes:
    """A real ZipCrypto member, written by Info-ZIP, beside a plain one."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "names.txt").write_text("Withheld names.")
        Path(folder, "reply.txt").write_text("The request was refused.")
        subprocess.run(["zip", "-q", "-P", "secret", "a.zip", "names.txt"], cwd=folder, check=True)
        subprocess.run(["zip", "-q", "a.zip", "reply.txt"], cwd=folder, check=True)
        return Path(folder, "a.zip").read_bytes()


NEEDS_ZIP = pytest.mark.skipif(shutil.which("zip") is None, reason="needs Info-ZIP `zip` (apt-get install zip)")


def read_one(path: Path) -> ReadResult:
    result = read_file(path, max_bytes=LIMIT)
    assert result.skipped == []
    return result


# --- files that must be skipped, with the reason a user sees ---------------------------

BAD_INPUTS = [
    pytest.param(
        "truncated.pdf", lambda: b"%PDF-1.4\n1 0 obj\n<< /Type /Cat", LIMIT,
        "corrupt PDF: ", id="corrupt-pdf",
    ),
    pytest.param(
        "encrypted.pdf", lambda: fixture_bytes("encrypted.pdf"), LIMIT,
        "encrypted PDF (password required)", id="encrypted-pdf",
    ),
    pytest.param("empty.txt", lambda: b"", LIMIT, "empty file", id="empty-file"),
    pytest.param("blank.md", lambda: b" \r\n\t\n", LIMIT, "empty file", id="whitespace-only-file"),
    pytest.param(
        "data.txt", lambda: bytes(range(256)) * 8, LIMIT,
        "binary content in a .txt file (it contains NUL bytes)", id="binary-txt",
    ),
    pytest.param(
        "report.txt", lambda: fixture_bytes("two-pages.pdf"), LIMIT,
        "binary content in a .txt file (it is a PDF)", id="pdf-renamed-txt",
    ),
    pytest.param(
        "notes.pdf", lambda: b"Minutes of the meeting\nItem 1\n", LIMIT,
        "not a PDF (file does not start with %PDF)", id="text-renamed-pdf",
    ),
    pytest.param(
        "big.txt", lambda: b"a" * 1_500_001, 1_000_000,
        "larger than the 1 MB limit (1.6 MB)", id="over-size",
    ),
    pytest.param(
        "scan.pdf", lambda: fixture_bytes("scanned.pdf"), LIMIT,
        "no extractable text (scanned PDF: OCR found no text on its pages)", id="scanned-pdf-without-text",
        marks=needs_tesseract,
    ),
    pytest.param(
        "broken.docx", lambda: b"PK\x03\x04" + b"\x00" * 64, LIMIT,
        "corrupt .docx: ", id="corrupt-docx",
    ),
    pytest.param(
        "letter.docx", lambda: b"Dear Sir,\n", LIMIT,
        "corrupt .docx: not a ZIP archive", id="text-renamed-docx",
    ),
    pytest.param("folder.mbox", lambda: b"", LIMIT, "empty mailbox", id="empty-mbox"),
    pytest.param(
        "separators.mbox", lambda: b"From a@b Thu Jan 25 12:40:48 2024\n\n", LIMIT,
        "empty mailbox", id="mbox-without-messages",
    ),
    pytest.param(
        "notes.mbox", lambda: b"Subject: hi\n\nbody\n", LIMIT,
        'not an mbox mailbox (it does not start with a "From " line)', id="not-an-mbox",
    ),
    pytest.param(
        "scan.eml", lambda: fixture_bytes("scanned.pdf"), LIMIT,
        "not an email message (no mail headers found)", id="not-an-eml",
    ),
    pytest.param(
        "page.html", lambda: b"<html><script>var x = 1;</script></html>", LIMIT,
        "no text", id="html-without-text",
    ),
    pytest.param(
        "bomb.png", png_bomb, LIMIT,
        "image too large: 400,000,000 pixels (limit 100,000,000; a decompression bomb?)", id="decompression-bomb",
    ),
    pytest.param(
        "scan.png", lambda: b"Minutes of the meeting\n", LIMIT, "not an image (or a corrupt one)", id="text-renamed-png",
    ),
    pytest.param(
        "cut.tiff", lambda: image_bytes(page_image(dpi=100), "TIFF")[:4000], LIMIT, "corrupt image: ",
        id="truncated-tiff",
    ),
    pytest.param(
        "drawing.dwg", lambda: b"AC1032\x00\x00", LIMIT, "unsupported file type (.dwg)", id="unsupported",
    ),
    pytest.param(
        "budget.xlsx", lambda: _workbook()[:400], LIMIT,
        "corrupt .xlsx workbook: Cannot detect file format", id="truncated-xlsx",
    ),
    pytest.param(
        "budget.xlsx", lambda: _encrypted(_workbook()), LIMIT,
        "password-protected workbook (encrypted; cannot be read without the password)", id="password-xlsx",
    ),
    pytest.param(
        "budget.xls", lambda: _workbook(), LIMIT,
        "mislabelled .xls file: it is a ZIP-based workbook (rename it to .xlsx or .ods)", id="xlsx-named-xls",
    ),
    pytest.param(
        "blank.xlsx", lambda: _workbook(values=False), LIMIT,
        "empty workbook (no cell has a value)", id="empty-workbook",
    ),
    pytest.param(
        "export.csv", lambda: _workbook(), LIMIT,
        "binary content in a .csv file (it is a ZIP archive or Office document)", id="xlsx-named-csv",
    ),
    pytest.param(
        "export.csv", lambda: "Year,Spend\n2021/22,£5\n".encode("cp1252") + b"\x00" * 64, LIMIT,
        "binary content in a .csv file (it contains NUL bytes)", id="csv-full-of-nuls",
    ),
    pytest.param(
        "export.csv", lambda: b"Year,Spend\n", LIMIT,
        "no rows: the .csv file has a header at most", id="csv-header-only",
    ),
    pytest.param(
        "reply.msg", lambda: b"From: foi@example.org\nSubject: hi\n\nbody\n", LIMIT,
        "not an Outlook .msg file (not an OLE compound file)", id="msg-not-ole",
    ),
    pytest.param(
        "letter.msg", lambda: compound_file({"WordDocument": b"\x00" * 100}), LIMIT,
        "not an Outlook message: File does not contain a property stream.", id="ole-but-not-msg",
    ),
    pytest.param(
        "bomb.zip", lambda: zip_of({"readme.txt": "hello", "zeros.txt": b"0" * 20_000_000}), LIMIT,
        "zip bomb: ", id="zip-bomb",
    ),
    pytest.param(
        "many.zip", lambda: zip_of({f"{n}.txt": "x" for n in range(10_000)}, zipfile.ZIP_STORED), LIMIT,
        "archive has 10,000 members (limit 2,000)", id="zip-10000-members",
    ),
    pytest.param("broken.zip", lambda: b"PK\x03\x04" + b"\x00" * 64, LIMIT, "corrupt .zip: ", id="corrupt-zip"),
    pytest.param("empty.zip", lambda: zip_of({}), LIMIT, "empty archive (no files)", id="empty-zip"),
    pytest.param(
        "letter.rtf", lambda: b"Dear Sir,\n", LIMIT,
        "not an RTF document (it does not start with {\\rtf)", id="text-renamed-rtf",
    ),
    pytest.param("letter.odt", lambda: b"Dear Sir,\n", LIMIT, "corrupt .odt: not a ZIP archive", id="text-renamed-odt"),
    pytest.param(
        "locked.odt",
        lambda: zip_of({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": b"\x8f\x12",
                        "META-INF/manifest.xml": '<manifest:file-entry manifest:full-path="content.xml">'
                        "<manifest:encryption-data/></manifest:file-entry>"}),
        LIMIT, "encrypted .odt (password required)", id="encrypted-odt",
    ),
]


def _workbook(values: bool = True) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    if values:
        book.active.append(["Year", "Spend"])
        book.active.append(["2021/22", 407601.52])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _encrypted(plain: bytes) -> bytes:
    """The workbook encrypted with a password, as Excel's "Encrypt with Password" saves it."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt("secret", out)
    return out.getvalue()


@pytest.mark.parametrize(("name", "make_data", "max_bytes", "reason"), BAD_INPUTS)
def test_bad_input_is_skipped_with_reason(tmp_path, name, make_data, max_bytes, reason):
    path = write(tmp_path, name, make_data())

    with pytest.raises(SkippedFile) as caught:
        read_file(path, max_bytes=max_bytes)

    if reason.endswith(": "):
        assert caught.value.reason.startswith(reason)
    else:
        assert caught.value.reason == reason


# --- parts of a container that are refused while the rest of it is read --------------------

BAD_PARTS = [
    pytest.param(
        "slip.zip", lambda: zip_of({"../../evil.txt": "x", "reply.txt": "The request was refused."}),
        "../../evil.txt", "unsafe path in archive (escapes the archive folder)", id="zip-slip",
    ),
    pytest.param(
        "abs.zip", lambda: zip_of({"/etc/cron.d/evil.txt": "x", "reply.txt": "The request was refused."}),
        "/etc/cron.d/evil.txt", "unsafe path in archive (absolute path)", id="zip-absolute-path",
    ),
    pytest.param(
        "link.zip", zip_with_link, "passwd.txt", "symbolic link in archive", id="zip-symlink-member",
    ),
    pytest.param(
        "locked.zip", zip_with_encrypted_member, "names.txt", "encrypted archive member (password required)",
        id="zip-encrypted-member", marks=NEEDS_ZIP,
    ),
    pytest.param(
        "nested.zip",
        lambda: zip_of({"inner.zip": zip_of({"third.zip": zip_of({"a.txt": "x"})}), "reply.txt": "The request was refused."}),
        "inner.zip / third.zip", "nested archive not read (only one level of zips inside a zip is read)",
        id="zip-nested-too-deep",
    ),
    pytest.param(
        "reply.msg",
        lambda: build_msg(MsgSpec("FOI reply", ("Council", "foi@council.gov.uk"), body="The request was refused.",
                                  attachments=[Attachment("scan.pdf", b"not a pdf")])),
        "attachment scan.pdf", "not a PDF (file does not start with %PDF)", id="msg-corrupt-attachment",
    ),
]


@pytest.mark.parametrize(("name", "make_data", "part", "reason"), BAD_PARTS)
def test_bad_part_is_skipped_and_the_rest_of_the_file_read(tmp_path, name, make_data, part, reason):
    path = write(tmp_path, name, make_data())

    result = read_file(path, max_bytes=LIMIT)

    assert result.skipped == [Skipped(f"{path} [{part}]", reason)]
    assert [d.text for d in result.documents] == ["The request was refused."]
    assert sorted(p.name for p in tmp_path.rglob("*")) == [name]  # nothing extracted anywhere


def test_unexpected_parser_error_becomes_a_skip(tmp_path, monkeypatch):
    def explode(data, name):
        raise ValueError("boom\nsecond line")

    monkeypatch.setitem(dispatch.READERS, ".txt", explode)
    path = write(tmp_path, "a.txt", b"hello")

    with pytest.raises(SkippedFile) as caught:
        read_file(path, max_bytes=LIMIT)

    assert caught.value.reason == "could not be read: ValueError: boom second line"


def test_missing_file_is_a_skip(tmp_path):
    with pytest.raises(SkippedFile, match="could not be opened"):
        read_file(tmp_path / "gone.txt", max_bytes=LIMIT)


def test_supported_extensions():
    assert SUPPORTED_EXTENSIONS == {
        ".txt", ".md", ".pdf", ".html", ".htm", ".eml", ".mbox", ".docx", ".msg", ".zip", ".odt", ".rtf",
        ".png", ".jpg", ".jpeg", ".tif", ".tiff",
        ".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv",
    }


# --- text ------------------------------------------------------------------------------


def test_cp1252_text_decodes(tmp_path):
    text = "Fee: £25 – “reasonable” and ‘final’\r\nSecond line\r\n"
    path = write(tmp_path, "Letter.TXT", text.encode("cp1252"))

    (document,) = read_one(path).documents

    assert document.text == "Fee: £25 – “reasonable” and ‘final’\nSecond line\n"
    assert document.path == str(path)
    assert document.kind == "txt"
    assert document.part is None


def test_utf8_bom_is_stripped(tmp_path):
    path = write(tmp_path, "a.txt", "\ufeff\n  Response 42  \nCafé\n".encode("utf-8"))

    (document,) = read_one(path).documents

    assert document.text == "\n  Response 42  \nCafé\n"
    assert document.title == "Response 42"


def test_damaged_utf8_is_not_read_as_cp1252(tmp_path):
    data = "Café – résumé – naïve £5".encode("utf-8") + b"\xe2\x80"  # cut mid-character
    path = write(tmp_path, "a.txt", data)

    assert read_one(path).documents[0].text == "Café – résumé – naïve £5\ufffd"


def test_utf16_text_is_not_mistaken_for_binary(tmp_path):
    path = write(tmp_path, "a.txt", "Notes £5".encode("utf-16"))

    assert read_one(path).documents[0].text == "Notes £5"


def test_markdown_title_and_long_title(tmp_path):
    markdown = write(tmp_path, "a.md", b"\n# Decision notice\n\nBody\n")
    long_line = write(tmp_path, "b.txt", b"x" * 300)

    assert read_one(markdown).documents[0].title == "Decision notice"
    assert read_one(markdown).documents[0].kind == "md"
    assert len(read_one(long_line).documents[0].title) <= 120


# --- PDF -------------------------------------------------------------------------------


def test_pdf_page_spans_line_up(tmp_path):
    path = write(tmp_path, "response.pdf", fixture_bytes("two-pages.pdf"))

    (document,) = read_one(path).documents

    assert document.kind == "pdf"
    assert document.title == "Hospital crime response"
    assert [page.number for page in document.pages] == [1, 2]
    first, second = document.pages
    assert document.text[first.start : first.end] == "\n".join(builders.PAGE_ONE)
    assert document.text[second.start : second.end] == "\n".join(builders.PAGE_TWO)
    assert document.text[first.end : second.start] == "\n\n"
    assert document.page_at(document.text.index("No further action")) == 2


def test_pdf_with_empty_user_password_is_read(tmp_path):
    path = write(tmp_path, "open.pdf", fixture_bytes("encrypted-empty-password.pdf"))

    (document,) = read_one(path).documents

    assert "Total recorded crimes: 883" in document.text


def test_pdf_without_title_uses_file_name(tmp_path):
    data = builders._pdf([builders._text_page(["Some text"])])
    path = write(tmp_path, "untitled-response.pdf", data)

    assert read_one(path).documents[0].title == "untitled-response.pdf"


def test_pdf_page_that_fails_keeps_an_empty_span(tmp_path, monkeypatch, caplog):
    from pypdf import PageObject

    original = PageObject.extract_text

    def flaky(page, *args, **kwargs):
        text = original(page, *args, **kwargs)
        if "Outcome" in text:
            raise KeyError("/Font")
        return text

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    path = write(tmp_path, "r.pdf", fixture_bytes("two-pages.pdf"))

    with caplog.at_level(logging.WARNING):
        (document,) = read_file(path, max_bytes=LIMIT, ocr=OcrOptions(mode="off")).documents

    second = document.pages[1]
    assert second.number == 2 and second.start == second.end
    assert "Outcome summary" not in document.text
    assert any("page 2" in record.getMessage() for record in caplog.records)
    if shutil.which("tesseract"):
        # With OCR on (the default) the page whose text layer failed is read from its image.
        (document,) = read_file(path, max_bytes=LIMIT).documents
        second = document.pages[1]
        assert second.ocr and "Outcome summary" in document.text[second.start:second.end]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_pypdf_warnings_are_demoted_to_debug(tmp_path):
    data = fixture_bytes("two-pages.pdf")
    # A wrong startxref offset makes pypdf warn and rebuild the cross-reference table.
    broken = data[: data.rindex(b"startxref")] + b"startxref\n9\n%%EOF\n"
    path = write(tmp_path, "r.pdf", broken)
    # caplog also listens on non-propagating loggers, so watch the root logger directly.
    root = logging.getLogger()
    collect, level = _Collect(), root.level
    root.addHandler(collect)
    root.setLevel(logging.DEBUG)
    try:
        (document,) = read_one(path).documents
    finally:
        root.removeHandler(collect)
        root.setLevel(level)

    assert "Outcome summary" in document.text
    assert not [record for record in collect.records if record.levelno >= logging.WARNING]
    assert any(
        record.name == "ingest.readers.pdf" and "incorrect startxref" in record.getMessage()
        for record in collect.records
    )


# --- HTML ------------------------------------------------------------------------------


def test_html_visible_text_only(tmp_path):
    html = (
        b"<!DOCTYPE html><html><head><meta charset='windows-1252'><title>FOI  reply</title>"
        b"<style>body { font: serif; }</style><script>alert('x');</script></head><body>"
        b"<h1>Reply</h1><p>The fee is \xa325,\n   payable   now.</p><!-- internal note -->"
        b"<div hidden>draft text</div><noscript>enable js</noscript>"
        b"<table><tr><th>Year</th><th>Total</th></tr><tr><td>2023</td><td>883</td></tr></table>"
        b"<ul><li>one</li><li>two</li></ul></body></html>"
    )
    path = write(tmp_path, "reply.htm", html)

    (document,) = read_one(path).documents

    assert document.title == "FOI reply"
    assert document.kind == "html"
    assert document.text == (
        "Reply\n\nThe fee is £25, payable now.\n\nYear | Total\n2023 | 883\n\none\ntwo"
    )


# --- email -----------------------------------------------------------------------------


def test_mbox_quoted_printable_is_decoded(tmp_path):
    path = write(tmp_path, "thread.mbox", fixture_bytes("small.mbox"))

    first, second = read_one(path).documents

    assert first.part == "message 1" and second.part == "message 2"
    assert first.kind == "email"
    assert "£500PW" in first.text and "A’s placement" in first.text
    assert "=C2=A3" not in first.text
    assert first.title == "Freedom of Information request - placements"
    assert first.metadata["date_iso"] == "2024-01-25T12:40:48+00:00"
    assert first.metadata["message_id"] == "<1@wdtk.example.invalid>"
    assert first.metadata["from"] == "FOI requester <request-1@requests.example.invalid>"
    # mboxrd quoting (">From") is undone.
    assert "\nFrom April 2023" in second.text


def test_eml_pdf_attachment_is_a_part(tmp_path):
    path = write(tmp_path, "reply.eml", fixture_bytes("with-attachment.eml"))

    message, attachment = read_one(path).documents

    assert message.part is None
    assert message.title == "FOI 123 - your response"
    assert "Please find our response attached." in message.text
    assert attachment.part == "response.pdf"
    assert attachment.kind == "pdf"
    assert attachment.path == str(path)
    assert len(attachment.pages) == 2
    assert attachment.metadata["attachment"] == "response.pdf"
    assert attachment.metadata["subject"] == "FOI 123 - your response"
    assert attachment.metadata["from"] == message.metadata["from"]
    assert attachment.metadata["date_iso"] == "2023-10-10T12:47:04+01:00"


def test_eml_html_only_body(tmp_path):
    path = write(tmp_path, "notice.eml", fixture_bytes("html-only.eml"))

    (message,) = read_one(path).documents

    assert message.text == "Dear requester,\n\nThe fee is £25 – “payable” now."
    assert message.title == "Fee notice"


def _message(subject: str, body: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Council <foi@council.example.invalid>"
    message["Subject"] = subject
    if body is not None:
        message.set_content(body)
    return message


def test_bad_attachments_do_not_stop_the_message(tmp_path):
    message = _message("Response", "See attached.")
    message.add_attachment(fixture_bytes("encrypted.pdf"), "application", "pdf", filename="secret.pdf")
    message.add_attachment(b"PK\x03\x04", "application", "octet-stream", filename="data.numbers")
    message.add_attachment(b"\x89PNG....", "image", "png", filename="logo.png", disposition="inline")
    # EmailMessage refuses to write an invalid date, so add the header by hand.
    path = write(tmp_path, "r.eml", b"Date: not a date\n" + message.as_bytes(policy=default_policy))

    result = read_file(path, max_bytes=LIMIT)

    assert [document.text for document in result.documents] == ["See attached."]
    assert "date_iso" not in result.documents[0].metadata
    assert result.documents[0].metadata["date"] == "not a date"
    assert result.skipped == [
        Skipped(path=f"{path} [secret.pdf]", reason="encrypted PDF (password required)"),
        Skipped(path=f"{path} [data.numbers]", reason="unsupported file type (.numbers)"),
    ]


def test_mbox_attachment_parts_and_empty_messages(tmp_path):
    with_attachment = _message("Only an attachment", None)
    with_attachment.add_attachment(b"Attached notes\n", "text", "plain", filename="notes.txt")
    empty = _message("", "")
    raw = b"".join(
        b"From x@y Thu Jan 25 12:40:48 2024\n" + message.as_bytes(policy=default_policy) + b"\n"
        for message in (with_attachment, empty)
    )
    path = write(tmp_path, "box.mbox", raw)

    result = read_file(path, max_bytes=LIMIT)

    (attachment,) = result.documents
    assert attachment.part == "message 1 / notes.txt"
    assert attachment.text == "Attached notes\n"
    assert attachment.metadata["subject"] == "Only an attachment"
    assert result.skipped == [Skipped(path=f"{path} [message 2]", reason="no text")]


# --- docx ------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_in_order(tmp_path):
    path = write(tmp_path, "response.docx", fixture_bytes("table.docx"))

    (document,) = read_one(path).documents

    assert document.kind == "docx"
    assert document.title == "FOI 123 response"
    assert document.metadata["author"] == "Information Rights Unit"
    assert document.text == (
        "Crimes recorded on hospital grounds\n\n"
        "Year: 2022/2023; Crimes: 877; Outcome: Charged\n\n"
        "End of response"
    )


# --- the real corpus -------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared FOI corpus not found at {CORPUS}")
def test_real_corpus_reads_without_errors():
    files = sorted(path for path in CORPUS.rglob("*") if path.suffix in SUPPORTED_EXTENSIONS)
    files = [path for path in files if path.name != "README.md"]
    results = {path: read_file(path, max_bytes=100_000_000) for path in files}

    assert all(result.documents and not result.skipped for result in results.values())
    (hertfordshire,) = results[CORPUS / "police-pdf" / "hertfordshire-hospital-crime.pdf"].documents
    assert len(hertfordshire.pages) == 61
    assert hertfordshire.pages[-1].end == len(hertfordshire.text)

    messages = [
        document
        for path, result in results.items()
        if path.suffix == ".mbox"
        for document in result.documents
    ]
    assert len([path for path in files if path.suffix == ".mbox"]) == 500
    assert len(messages) == 1916
    assert all(message.title != "(no subject)" for message in messages)
    assert all(message.metadata.get("date_iso") for message in messages)
    assert not any("=C2=A3" in message.text or "\ufffd" in message.text for message in messages)
