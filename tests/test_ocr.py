"""OCR of scanned PDF pages and images: what a user sees after ingesting a scan."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from assistant.cli import main
from assistant.settings import load_settings
from assistant.errors import SettingsError
from ingest.errors import SkippedFile
from ingest.foi.annotate import annotate
from ingest.ocr import OcrOptions
from ingest.ocr.engines import TesseractEngine
from ingest.readers import read_file
from tests.fixtures.make_fixtures import PAGE_ONE
from tests.ocr_fixtures import image_bytes, image_only_pdf, many_page_tiff, mixed_pdf, page_image

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs the tesseract-ocr package")
LIMIT = 50_000_000
REFERENCE = "FOI-2024-0417"


def write(folder, name, data):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture
def engine_calls(monkeypatch):
    """Count the pages the real Tesseract engine is asked to read."""
    calls = []
    real = TesseractEngine.recognise

    def counting(self, image):
        calls.append(image.size)
        return real(self, image)

    monkeypatch.setattr(TesseractEngine, "recognise", counting)
    return calls


@pytest.fixture
def no_tesseract(monkeypatch, tmp_path):
    """A machine without the tesseract program on its PATH."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@needs_tesseract
def test_scanned_png_is_read_by_ocr(tmp_path):
    path = write(tmp_path, "letter.png", image_bytes(page_image()))

    document, = read_file(path, max_bytes=LIMIT).documents

    assert document.kind == "image"
    assert REFERENCE in document.text and "section 31" in document.text
    assert [(p.number, p.ocr) for p in document.pages] == [(1, True)]


@needs_tesseract
def test_jpeg_scan_is_read_by_ocr(tmp_path):
    path = write(tmp_path, "letter.jpg", image_bytes(page_image(), "JPEG", quality=80))

    assert REFERENCE in read_file(path, max_bytes=LIMIT).documents[0].text


@needs_tesseract
def test_mixed_pdf_keeps_its_text_layer_and_ocrs_the_scanned_page(tmp_path):
    path = write(tmp_path, "reply.pdf", mixed_pdf(page_image()))

    document, = read_file(path, max_bytes=LIMIT).documents

    assert [(p.number, p.ocr) for p in document.pages] == [(1, False), (2, False), (3, True)]
    layer = PdfReader(path).pages[0].extract_text()
    first = document.pages[0]
    assert document.text[first.start:first.end] == layer  # the typed page's own text, not OCR's reading
    assert PAGE_ONE[0] in layer
    third = document.pages[2]
    assert REFERENCE in document.text[third.start:third.end]


@needs_tesseract
def test_force_ocrs_pages_that_have_a_text_layer(tmp_path):
    path = write(tmp_path, "reply.pdf", mixed_pdf(page_image()))

    document, = read_file(path, max_bytes=LIMIT, ocr=OcrOptions(mode="force")).documents

    assert [p.ocr for p in document.pages] == [True, True, True]


def test_ocr_off_skips_a_scan_with_its_reason(tmp_path):
    path = write(tmp_path, "scan.pdf", image_only_pdf(page_image()))

    with pytest.raises(SkippedFile) as caught:
        read_file(path, max_bytes=LIMIT, ocr=OcrOptions(mode="off"))

    assert caught.value.reason == "no extractable text (scanned PDF? OCR is off)"


def test_missing_engine_is_one_line_reason_for_a_scanned_pdf(tmp_path, no_tesseract):
    path = write(tmp_path, "scan.pdf", image_only_pdf(page_image()))

    with pytest.raises(SkippedFile) as caught:
        read_file(path, max_bytes=LIMIT)

    assert caught.value.reason.startswith("scanned PDF: OCR engine not installed — ")
    assert "apt-get install tesseract-ocr" in caught.value.reason and "\n" not in caught.value.reason


def test_missing_engine_keeps_the_text_pages_of_a_mixed_pdf(tmp_path, no_tesseract):
    path = write(tmp_path, "reply.pdf", mixed_pdf(page_image()))

    result = read_file(path, max_bytes=LIMIT)

    document, = result.documents
    assert PAGE_ONE[0] in document.text and not any(p.ocr for p in document.pages)
    skipped, = result.skipped
    assert skipped.path == f"{path} [page 3]"
    assert skipped.reason.startswith("scanned PDF: OCR engine not installed — ")


def test_missing_engine_for_an_image(tmp_path, no_tesseract):
    path = write(tmp_path, "scan.png", image_bytes(page_image()))

    with pytest.raises(SkippedFile) as caught:
        read_file(path, max_bytes=LIMIT)

    assert caught.value.reason.startswith("scanned image: OCR engine not installed — ")


def test_missing_language_pack_is_named(tmp_path):
    if shutil.which("tesseract") is None:
        pytest.skip("needs the tesseract-ocr package")
    path = write(tmp_path, "scan.png", image_bytes(page_image()))

    with pytest.raises(SkippedFile) as caught:
        read_file(path, max_bytes=LIMIT, ocr=OcrOptions(languages="zzz"))

    assert caught.value.reason == "scanned image: OCR language pack 'zzz' not installed — apt-get install tesseract-ocr-zzz"


@needs_tesseract
def test_cache_prevents_a_second_ocr_of_an_unchanged_page(tmp_path, engine_calls):
    options = OcrOptions(cache_dir=tmp_path / "ocr-cache")
    first = write(tmp_path / "a", "scan.pdf", image_only_pdf(page_image()))
    copy = write(tmp_path / "b", "same-scan.pdf", first.read_bytes())

    before = read_file(first, max_bytes=LIMIT, ocr=options).documents[0].text
    assert len(engine_calls) == 1
    after = read_file(copy, max_bytes=LIMIT, ocr=options).documents[0].text

    assert len(engine_calls) == 1 and after == before
    assert list((tmp_path / "ocr-cache").rglob("*.json"))


@needs_tesseract
def test_multi_page_tiff_is_cut_at_the_page_limit_with_a_reason(tmp_path):
    path = write(tmp_path, "bundle.tiff", many_page_tiff(500))

    result = read_file(path, max_bytes=LIMIT, ocr=OcrOptions(max_pages=200))

    document, = result.documents
    assert len(document.pages) == 200 and REFERENCE in document.text
    assert document.page_at(document.text.index(REFERENCE)) == 1
    skipped, = result.skipped
    assert skipped.path == f"{path} [pages 201–500]"
    assert skipped.reason == "not read: over the 200-page limit (ocr_max_pages)"


@needs_tesseract
def test_foi_fields_are_read_from_ocr_text(tmp_path):
    path = write(tmp_path, "scan.pdf", image_only_pdf(page_image()))
    documents = read_file(path, max_bytes=LIMIT).documents

    annotate(documents)

    foi = documents[0].metadata["foi"]
    assert foi["references"] == [REFERENCE]
    assert foi["authority"] == "Eastshire Constabulary"
    assert foi["dates"]["date"] == "2024-03-12"
    assert [exemption["code"] for exemption in foi["exemptions"]] == ["s.31"]
    assert foi["outcome"] == "refused"


def test_ocr_languages_setting_is_validated():
    assert load_settings(ocr_languages="eng+cym").ocr_languages == "eng+cym"
    with pytest.raises(SettingsError, match="ocr_languages"):
        load_settings(ocr_languages="eng; rm -rf /")


@needs_tesseract
@pytest.mark.usefixtures("fake_model")
def test_cli_search_finds_the_scanned_reference_on_its_page_marked_ocr(tmp_path, monkeypatch, engine_calls):
    monkeypatch.setenv("FOI_OCR_CACHE_DIR", str(tmp_path / "ocr-cache"))
    folder = tmp_path / "docs"
    write(folder, "reply.pdf", mixed_pdf(page_image()))
    write(folder, "notes.txt", b"Minutes of the records meeting. The typed notes mention no reference.\n")
    runner = CliRunner()

    ingested = runner.invoke(main, ["ingest", str(folder), "--json", "-q"])
    assert ingested.exit_code == 0, ingested.output
    found = runner.invoke(main, ["search", REFERENCE, "--json", "-q", "--mode", "lexical"])

    assert found.exit_code == 0, found.output
    hits = json.loads(found.stdout)["hits"]
    top = hits[0]
    assert top["path"].endswith("reply.pdf") and top["page"] == 3 and top["ocr"] is True
    assert REFERENCE in top["text"]
    typed = runner.invoke(main, ["search", "records meeting", "--json", "-q", "--mode", "lexical"])
    assert all(hit["ocr"] is False for hit in json.loads(typed.stdout)["hits"] if hit["path"].endswith("notes.txt"))

    calls = len(engine_calls)
    rebuilt = runner.invoke(main, ["rebuild", "-q"])
    assert rebuilt.exit_code == 0, rebuilt.output
    write(folder, "reply-copy.pdf", (folder / "reply.pdf").read_bytes())
    assert runner.invoke(main, ["ingest", str(folder), "-q"]).exit_code == 0
    assert len(engine_calls) == calls  # neither the rebuild nor the re-ingest OCRed the page again


@needs_tesseract
@pytest.mark.corpus
def test_rasterised_police_reply_reads_back_its_reference(tmp_path, corpus):
    import pypdfium2

    original = corpus / "police-pdf" / "durham-hospital-crime.pdf"
    truth = PdfReader(original).pages[0].extract_text()
    reference = "1406745"
    assert reference in truth  # the text layer names it, so OCR has something to match
    scan = pypdfium2.PdfDocument(original.read_bytes())[0].render(scale=200 / 72, grayscale=True).to_pil()
    path = write(tmp_path, "durham-scan.pdf", image_only_pdf(scan.convert("L")))

    document, = read_file(path, max_bytes=LIMIT).documents

    assert document.pages[0].ocr and document.page_at(document.text.index(reference)) == 1


@needs_tesseract
@pytest.mark.integration
def test_real_model_answers_from_a_scanned_page_and_says_it_is_ocr(tmp_path, monkeypatch, real_embedder):
    from assistant import Assistant
    from tests.conftest import REPO

    monkeypatch.setenv("FOI_OCR_CACHE_DIR", str(tmp_path / "ocr-cache"))
    scans = tmp_path / "scans"
    write(scans, "reply.pdf", mixed_pdf(page_image()))
    assistant = Assistant.open(tmp_path / "idx", embedder=real_embedder)
    stages = []

    report = assistant.ingest([REPO / "examples" / "demo-corpus", scans], progress=lambda *s: stages.append(s))

    assert report.skipped == [] and ("ocr", 1, 1) in stages  # the OCR bar counted the one scanned page
    answer = assistant.ask("Why was the information about speed cameras on the A38 withheld?")
    assert not answer.abstained
    scanned = [c for c in answer.citations if c.path.endswith("reply.pdf")]
    assert scanned and all(c.ocr and c.page == 3 for c in scanned)
    assert "A38 is withheld" in " ".join(" ".join(c.quote.split()) for c in scanned)
    assert all(not c.ocr for c in answer.citations if not c.path.endswith("reply.pdf"))


def test_a_tiff_page_over_the_pixel_limit_skips_the_file_naming_the_page(tmp_path):
    small, large = page_image(dpi=60), page_image(dpi=150)  # 496 x 701, then 1240 x 1753 pixels
    path = write(tmp_path, "bundle.tif", image_bytes(small, "TIFF", save_all=True, append_images=[large]))

    with pytest.raises(SkippedFile) as caught:
        read_file(path, max_bytes=LIMIT, ocr=OcrOptions(max_image_pixels=1_000_000))

    assert caught.value.reason == "page 2: image too large: 2,173,720 pixels (limit 1,000,000; a decompression bomb?)"


@needs_tesseract
def test_scanned_pdf_attached_to_an_email_is_ocred_with_the_ingest_options(tmp_path, engine_calls):
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "foi@eastshire.police.uk"
    message["Subject"] = "Your FOI request"
    message.set_content("Please find our response attached.")
    message.add_attachment(image_only_pdf(page_image()), maintype="application", subtype="pdf", filename="reply.pdf")
    path = write(tmp_path, "reply.eml", message.as_bytes())
    options = OcrOptions(cache_dir=tmp_path / "cache")

    documents = read_file(path, max_bytes=LIMIT, ocr=options).documents

    attachment = next(d for d in documents if d.part and d.part.endswith("reply.pdf"))
    assert REFERENCE in attachment.text and attachment.pages[0].ocr
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 1  # the caller's options reached the attachment
    without_ocr = read_file(path, max_bytes=LIMIT, ocr=OcrOptions(mode="off"))
    assert [s.reason for s in without_ocr.skipped] == ["no extractable text (scanned PDF? OCR is off)"]
