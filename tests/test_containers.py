"""Outlook .msg, .zip bundles, .odt and .rtf: what a user sees after reading and ingesting them.

Every file is built at test time: .msg by tests/msgfile.py (a real compound
file), zips with zipfile (the encrypted one with Info-ZIP `zip -P`), .odt with
odfpy, .docx with python-docx.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.documents import Skipped
from ingest.errors import SkippedFile
from ingest.readers import ZipLimits, read_file
from tests.msgfile import Attachment, MsgSpec, build_msg, compound_file

LIMIT = 10_000_000
SENT = dt.datetime(2025, 3, 4, 10, 30, tzinfo=dt.timezone.utc)


def response_msg(**changes) -> MsgSpec:
    """An authority's reply with a text attachment, a Word attachment and a forwarded .msg."""
    spec = MsgSpec(
        subject="Freedom of Information request FOI 1306/25",
        sender=("West Midlands Police", "foi@westmidlands.police.uk"),
        body="Dear Ms Smith,\n\nPlease find our response to your request attached.\n",
        to=[("Jane Smith", "jane@example.org")],
        cc=[("Records Team", "records@westmidlands.police.uk")],
        sent=SENT,
        attachments=[
            Attachment("response.txt", b"The force operates 14 drones for search and rescue.\n"),
            Attachment("figures.docx", docx_bytes("Helicopter hours flown in 2024: 912.")),
            Attachment(
                "forwarded.msg",
                message=MsgSpec(
                    subject="Internal: drone figures",
                    sender=("Air Support Unit", "asu@westmidlands.police.uk"),
                    body="Drone figures checked by the Air Support Unit.",
                    sent=SENT - dt.timedelta(days=2),
                    attachments=[Attachment("asu-note.txt", b"Battery replacements cost 3,200 pounds.\n")],
                ),
            ),
        ],
    )
    for key, value in changes.items():
        setattr(spec, key, value)
    return spec


def docx_bytes(paragraph: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def odt_bytes() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Response to FOI 2024-117"))
    document.text.addElement(P(text="The council holds 3 mobile CCTV units."))
    table = Table(name="Costs")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for row_values in (("Year", "Cost"), ("2023", "41,000")):
        row = TableRow()
        for value in row_values:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


RTF = (
    rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}"
    rb"{\info{\title FOI reply}}\f0\fs22 Dear Requester,\par "
    rb"The caf\'e9 contract was not held by the council.\par "
    rb"{\b Section 12} does not apply.\par}"
)


def read(tmp_path: Path, name: str, data: bytes, **kwargs):
    path = tmp_path / name
    path.write_bytes(data)
    return read_file(path, max_bytes=LIMIT, **kwargs)


# --- .msg ---------------------------------------------------------------------------------

def test_msg_message_has_the_email_fields_and_its_body(tmp_path):
    result = read(tmp_path, "reply.msg", build_msg(response_msg()))

    message = result.documents[0]
    assert message.part is None and message.kind == "email"
    assert message.title == "Freedom of Information request FOI 1306/25"
    assert message.metadata["from"] == "West Midlands Police <foi@westmidlands.police.uk>"
    assert message.metadata["to"] == "Jane Smith <jane@example.org>"
    assert message.metadata["cc"] == "Records Team <records@westmidlands.police.uk>"
    assert message.metadata["date"] == "Tue, 04 Mar 2025 10:30:00 +0000"
    assert message.metadata["date_iso"] == "2025-03-04T10:30:00+00:00"
    assert message.text == "Dear Ms Smith,\n\nPlease find our response to your request attached."
    assert result.skipped == []


def test_msg_attachments_and_the_attached_message_become_parts(tmp_path):
    result = read(tmp_path, "reply.msg", build_msg(response_msg()))

    parts = {document.part: document for document in result.documents}
    assert list(parts) == [
        None,
        "attachment response.txt",
        "attachment figures.docx",
        "attachment forwarded.msg",
        "attachment forwarded.msg / attachment asu-note.txt",
    ]
    attachment = parts["attachment response.txt"]
    assert attachment.text.startswith("The force operates 14 drones")
    assert attachment.metadata["from"] == "West Midlands Police <foi@westmidlands.police.uk>"
    assert attachment.metadata["date"] == "Tue, 04 Mar 2025 10:30:00 +0000"
    assert parts["attachment figures.docx"].kind == "docx"
    forwarded = parts["attachment forwarded.msg"]
    assert forwarded.metadata["from"] == "Air Support Unit <asu@westmidlands.police.uk>"
    assert forwarded.metadata["date_iso"].startswith("2025-03-02")
    assert parts["attachment forwarded.msg / attachment asu-note.txt"].text.startswith("Battery replacements")


def test_msg_without_a_plain_body_reads_the_html_one(tmp_path):
    spec = response_msg(body=None, html="<html><body><p>Reply <b>withheld</b> under s.31.</p>"
                                        "<script>alert(1)</script></body></html>", attachments=[])
    [message] = read(tmp_path, "html.msg", build_msg(spec)).documents
    assert "Reply withheld under s.31." in message.text and "alert" not in message.text


def test_msg_attachment_that_cannot_be_read_is_one_skipped_part(tmp_path):
    spec = response_msg(attachments=[Attachment("scan.pdf", b"not a pdf"), Attachment("ok.txt", b"Fine text.")])
    result = read(tmp_path, "reply.msg", build_msg(spec))
    assert [d.part for d in result.documents] == [None, "attachment ok.txt"]
    path = tmp_path / "reply.msg"
    assert result.skipped == [Skipped(f"{path} [attachment scan.pdf]", "not a PDF (file does not start with %PDF)")]


# --- .zip ---------------------------------------------------------------------------------

def test_zip_members_are_documents_with_their_path_in_the_archive(tmp_path):
    inner = zip_bytes({"annex/b.txt": "Annex B lists 7 licensed premises.", "deeper.zip": zip_bytes({"c.txt": "x"})})
    data = zip_bytes({
        "2019/response.txt": "The council spent 12,000 pounds on signage.",
        "2019/reply.msg": build_msg(response_msg(attachments=[Attachment("a.txt", b"Attached text.")])),
        "annexes.zip": inner,
        "setup.exe": b"MZ\x90\x00",
        "__MACOSX/2019/._response.txt": b"\x00\x05",
    })
    result = read(tmp_path, "bundle.zip", data)

    assert [d.part for d in result.documents] == [
        "2019/response.txt",
        "2019/reply.msg",
        "2019/reply.msg / attachment a.txt",
        "annexes.zip / annex/b.txt",
    ]
    assert result.documents[0].path == str(tmp_path / "bundle.zip")
    assert result.documents[1].metadata["from"].startswith("West Midlands Police")
    reasons = {s.path.split(" [", 1)[1].rstrip("]"): s.reason for s in result.skipped}
    assert reasons == {
        "__MACOSX/2019/._response.txt": "hidden file",
        "setup.exe": "unsupported file type (.exe)",
        "annexes.zip / deeper.zip": "nested archive not read (only one level of zips inside a zip is read)",
    }


def test_zip_slip_members_are_refused_and_nothing_is_written(tmp_path):
    folder = tmp_path / "in" / "deep"
    folder.mkdir(parents=True)
    data = zip_bytes({"../../escaped.txt": "evil", "/tmp/absolute.txt": "evil", "ok.txt": "A fine reply."})
    before = sorted(p for p in tmp_path.rglob("*"))

    result = read(folder, "slip.zip", data)

    assert [d.part for d in result.documents] == ["ok.txt"]
    assert sorted(s.reason for s in result.skipped) == [
        "unsafe path in archive (absolute path)",
        "unsafe path in archive (escapes the archive folder)",
    ]
    assert sorted(p for p in tmp_path.rglob("*") if p.name != "slip.zip") == before
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/absolute.txt").exists()


@pytest.mark.skipif(shutil.which("zip") is None, reason="needs Info-ZIP `zip` (apt-get install zip)")
def test_encrypted_zip_member_is_refused_and_the_others_read(tmp_path):
    (tmp_path / "secret.txt").write_text("Withheld names.")
    (tmp_path / "public.txt").write_text("Published figures: 42 cameras.")
    subprocess.run(["zip", "-q", "-P", "hunter2", "mixed.zip", "secret.txt"], cwd=tmp_path, check=True)
    subprocess.run(["zip", "-q", "mixed.zip", "public.txt"], cwd=tmp_path, check=True)
    with zipfile.ZipFile(tmp_path / "mixed.zip") as zf:
        assert zf.read("secret.txt", pwd=b"hunter2") == b"Withheld names."  # really encrypted

    result = read_file(tmp_path / "mixed.zip", max_bytes=LIMIT)

    assert [d.part for d in result.documents] == ["public.txt"]
    assert result.skipped == [
        Skipped(f"{tmp_path / 'mixed.zip'} [secret.txt]", "encrypted archive member (password required)")
    ]


def test_zip_limits_come_from_the_caller(tmp_path):
    data = zip_bytes({f"r{n}.txt": f"reply {n}" for n in range(5)})
    with pytest.raises(SkippedFile) as caught:
        read(tmp_path, "five.zip", data, zip_limits=ZipLimits(max_members=3))
    assert caught.value.reason == "archive has 5 members (limit 3)"
    assert len(read(tmp_path, "five.zip", data).documents) == 5


def test_zip_whose_expanded_total_is_over_the_limit_is_refused(tmp_path):
    data = zip_bytes({"a.txt": "word " * 50_000, "b.txt": "text " * 50_000})
    with pytest.raises(SkippedFile) as caught:
        read(tmp_path, "big.zip", data, zip_limits=ZipLimits(max_total_bytes=300_000))
    assert caught.value.reason == "zip bomb: members expand to 0.5 MB (limit 0.3 MB)"


def test_zips_inside_a_zip_share_its_size_budget(tmp_path):
    inner = zip_bytes({"b.txt": "text " * 40_000})
    data = zip_bytes({"a.txt": "word " * 40_000, "inner.zip": inner}, zipfile.ZIP_STORED)
    limits = ZipLimits(max_total_bytes=300_000)
    assert len(read(tmp_path, "inner.zip", inner, zip_limits=limits).documents) == 1  # fine on its own
    with pytest.raises(SkippedFile) as caught:
        read(tmp_path, "outer.zip", data, zip_limits=limits)
    assert caught.value.reason == "zip bomb: a nested archive expands to 0.2 MB, beyond what is left of the 0.3 MB limit"


# --- .odt and .rtf ------------------------------------------------------------------------

def test_odt_headings_paragraphs_and_tables_in_order(tmp_path):
    [document] = read(tmp_path, "reply.odt", odt_bytes()).documents
    assert document.kind == "odt" and document.title == "Response to FOI 2024-117"
    assert document.text == (
        "Response to FOI 2024-117\n\nThe council holds 3 mobile CCTV units.\n\nYear | Cost\n\n2023 | 41,000"
    )


def test_rtf_text_with_its_code_page(tmp_path):
    [document] = read(tmp_path, "reply.rtf", RTF).documents
    assert document.kind == "rtf" and document.title == "FOI reply"
    assert "The café contract was not held by the council." in document.text
    assert "Section 12 does not apply." in document.text and "Arial" not in document.text


# --- through the index: a user's search ----------------------------------------------------

def test_ingest_of_a_batch_with_containers_and_bad_files(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "reply.msg").write_bytes(build_msg(response_msg()))
    (docs / "bundle.zip").write_bytes(zip_bytes({"2019/streetlights.txt": "Streetlight repairs took 9 days on average.",
                                                  "../escape.txt": "evil"}))
    (docs / "fake.msg").write_bytes(b"Subject: not outlook\n\nplain text")
    (docs / "bomb.zip").write_bytes(zip_bytes({"zeros.txt": b"0" * 5_000_000}))
    (docs / "many.zip").write_bytes(zip_bytes({f"{n}.txt": "x" for n in range(30)}, zipfile.ZIP_STORED))
    (docs / "notes.txt").write_text("Parking fines raised 3,400 pounds.")
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, zip_max_members=20)

    report = assistant.ingest([docs]).to_dict()

    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert reasons[str(docs / "fake.msg")] == "not an Outlook .msg file (not an OLE compound file)"
    assert reasons[str(docs / "bomb.zip")].startswith("zip bomb: zeros.txt expands")
    assert reasons[str(docs / "many.zip")] == "archive has 30 members (limit 20)"
    assert reasons[f"{docs / 'bundle.zip'} [../escape.txt]"] == "unsafe path in archive (escapes the archive folder)"
    assert report["added"] == 7  # 5 from the .msg, 1 zip member, notes.txt

    hit = assistant.search("drones search and rescue", k=1).hits[0]
    assert (hit.path, hit.part) == (str(docs / "reply.msg"), "attachment response.txt")
    # The attachment's citation: the message's sender and date, its own first line, its part.
    assert assistant.citation(hit) == (
        "West Midlands Police — The force operates 14 drones for search and rescue. — 4 Mar 2025 — attachment response.txt"
    )
    hit = assistant.search("please find our response to your request", k=1).hits[0]
    assert hit.part is None and assistant.citation(hit) == "West Midlands Police — FOI 1306/25 — 4 Mar 2025"
    hit = assistant.search("streetlight repairs days", k=1).hits[0]
    assert (hit.path, hit.part) == (str(docs / "bundle.zip"), "2019/streetlights.txt")
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.usefixtures("fake_model")
def test_cli_ingest_json_reports_container_parts(tmp_path):
    from click.testing import CliRunner

    from assistant.cli import main

    (tmp_path / "reply.msg").write_bytes(build_msg(response_msg()))
    (tmp_path / "ole.msg").write_bytes(compound_file({"WordDocument": b"\x00" * 100}))
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "reply.msg"), str(tmp_path / "ole.msg"), "--json", "-q"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["added"] == 5
    assert report["skipped"] == [{
        "path": str(tmp_path / "ole.msg"),
        "reason": "not an Outlook message: File does not contain a property stream.",
    }]


@pytest.mark.integration
def test_real_model_finds_a_msg_attachment_and_a_zip_member(tmp_path, real_embedder):
    (tmp_path / "reply.msg").write_bytes(build_msg(response_msg()))
    (tmp_path / "bundle.zip").write_bytes(zip_bytes({"2019/cctv.odt": odt_bytes()}))
    assistant = Assistant.open(tmp_path / "idx", embedder=real_embedder)
    assert assistant.ingest([tmp_path]).skipped == []

    hit = assistant.search("How many drones does the police force operate?", k=1, mode="dense").hits[0]
    assert hit.part == "attachment response.txt" and "14 drones" in hit.text
    hit = assistant.search("mobile CCTV units held by the council", k=1, mode="dense").hits[0]
    assert (hit.path, hit.part) == (str(tmp_path / "bundle.zip"), "2019/cctv.odt")


def test_changed_zip_updates_only_its_changed_members(tmp_path, fake_embedder):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(zip_bytes({"a.txt": "Gritting routes cover 480 miles.", "b.txt": "Potholes repaired: 2,310."}))
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assert assistant.ingest([bundle]).added == 2

    bundle.write_bytes(zip_bytes({"a.txt": "Gritting routes cover 480 miles.", "c.txt": "Bus lane fines: 9,870."}))
    report = assistant.ingest([bundle])

    assert (report.added, report.unchanged, report.removed) == (1, 1, 1)
    parts = {hit.part for hit in assistant.search("potholes gritting bus lane fines", k=5).hits}
    assert parts == {"a.txt", "c.txt"}


def test_odt_and_rtf_are_file_types_search_can_filter_on(tmp_path, fake_embedder):
    (tmp_path / "reply.odt").write_bytes(odt_bytes())
    (tmp_path / "reply.rtf").write_bytes(RTF)
    (tmp_path / "note.txt").write_text("The council contract for CCTV units was not held.")
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([tmp_path / "reply.odt", tmp_path / "reply.rtf", tmp_path / "note.txt"])

    for kind, name in (("odt", "reply.odt"), ("rtf", "reply.rtf")):
        hits = assistant.search("council contract CCTV units", k=5, kinds=[kind]).hits
        assert [Path(hit.path).name for hit in hits] == [name]
