"""Scans built at test time: text rendered to images, image-only PDFs and mixed PDFs."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from tests.fixtures.make_fixtures import PAGE_ONE, PAGE_TWO, _pdf, _text_page

# Typed pages long enough that no chunk runs from them into the scanned page.
TYPED_PAGES = [
    PAGE_ONE + [f"Paragraph {n}: the force recorded hospital crime by ward and by month." for n in range(1, 25)],
    PAGE_TWO + [f"Note {n}: outcomes are counted when the investigation closes." for n in range(1, 25)],
]

SCANNED_LINES = [
    "Eastshire Constabulary",
    "Freedom of Information Request",
    "Our reference: FOI-2024-0417",
    "Date: 12 March 2024",
    "The information you requested about speed",
    "cameras on the A38 is withheld under",
    "section 31 of the Freedom of Information Act.",
]


def page_image(lines: list[str] = SCANNED_LINES, dpi: int = 200) -> Image.Image:
    """An A4 page at `dpi` with `lines` typed on it, greyscale, as a scanner gives it."""
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=int(dpi * 0.16))
    y = int(dpi * 1.0)
    for line in lines:
        draw.text((int(dpi * 0.9), y), line, fill=0, font=font)
        y += int(dpi * 0.3)
    return image


def image_bytes(image: Image.Image, format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def image_only_pdf(*images: Image.Image, dpi: int = 200) -> bytes:
    """A PDF whose pages are only pictures (no text layer), like a scanner's output."""
    first, *rest = images
    return image_bytes(first, "PDF", resolution=dpi, save_all=True, append_images=rest)


def mixed_pdf(scan: Image.Image) -> bytes:
    """Two typed pages (a real text layer) followed by one scanned page."""
    writer = PdfWriter()
    typed = _pdf([_text_page(lines) for lines in TYPED_PAGES])
    for part in (typed, image_only_pdf(scan)):
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of width x height white pixels: tiny on disk, 400 megapixels decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def many_page_tiff(pages: int, text_pages: int = 1) -> bytes:
    """A multi-page TIFF: `text_pages` typed pages, then blank ones up to `pages`."""
    typed = [page_image(dpi=100) for _ in range(text_pages)]
    blank = [Image.new("L", (60, 80), 255) for _ in range(pages - text_pages)]
    first, *rest = typed + blank
    return image_bytes(first, "TIFF", save_all=True, append_images=rest, compression="tiff_deflate")
