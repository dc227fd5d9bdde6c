"""Page images to OCR: PDF pages rendered with PDFium, and the frames of an image file."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator

from PIL import Image, ImageSequence, UnidentifiedImageError

from ingest.errors import SkippedFile

_POINTS_PER_INCH = 72


def image_too_large(pixels: int, limit: int) -> str:
    return f"image too large: {pixels:,} pixels (limit {limit:,}; a decompression bomb?)"


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Open an image file's header and check its size before any pixel is decoded.

    Raises:
        SkippedFile: Not an image Pillow reads, or more than `max_pixels` pixels.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        # Pillow refuses at twice its own limit before we see the size; report it in our terms.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise SkippedFile(image_too_large(int(found.group(1)) if found else 0, max_pixels)) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise SkippedFile("not an image (or a corrupt one)") from exc
    width, height = image.size
    if width * height > max_pixels:
        raise SkippedFile(image_too_large(width * height, max_pixels))
    return image


def frame_count(image: Image.Image) -> int:
    """Pages in an image file (a multi-page TIFF has several; other images one)."""
    return max(1, getattr(image, "n_frames", 1))


def frames(image: Image.Image, limit: int, max_pixels: int) -> Iterator[Image.Image]:
    """The first `limit` pages of an image file, each decoded to greyscale.

    Raises:
        SkippedFile: The pixel data is corrupt (truncated file, bad compression), or a
            page is larger than `max_pixels` (each page of a TIFF has its own size).
    """
    try:
        for number, frame in enumerate(ImageSequence.Iterator(image)):
            if number >= limit:
                return
            width, height = frame.size
            if width * height > max_pixels:
                raise SkippedFile(f"page {number + 1}: {image_too_large(width * height, max_pixels)}")
            yield _greyscale(frame)
    except (OSError, ValueError, SyntaxError) as exc:
        raise SkippedFile(f"corrupt image: {' '.join(str(exc).split())[:160]}") from exc


def _greyscale(frame: Image.Image) -> Image.Image:
    if frame.mode in ("RGBA", "LA", "P"):
        # Transparent pixels become white paper, not black.
        rgba = frame.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, "white")
        frame = Image.alpha_composite(paper, rgba)
    return frame.convert("L")


def is_blank(image: Image.Image) -> bool:
    """True for a page of one flat colour (a blank separator sheet): nothing to recognise."""
    low, high = image.getextrema() if image.mode == "L" else image.convert("L").getextrema()
    return high - low < 16


class PdfPages:
    """Renders pages of one PDF with PDFium (the pypdfium2 wheel)."""

    def __init__(self, data: bytes, max_pixels: int):
        try:
            import pypdfium2
        except ImportError as exc:
            raise SkippedFile("rendering pages for OCR needs the pypdfium2 package (pip install pypdfium2)") from exc
        try:
            self._pdf = pypdfium2.PdfDocument(data)
        except Exception as exc:  # PdfiumError for a file pypdf could read but PDFium cannot
            raise SkippedFile(f"pages could not be rendered for OCR ({exc})") from exc
        self._max_pixels = max_pixels

    def render(self, index: int, dpi: int) -> Image.Image:
        """Page `index` (0-based) as a greyscale image at `dpi`, lowered to stay within the pixel limit."""
        try:
            page = self._pdf[index]
        except Exception as exc:  # PdfiumError: a page PDFium cannot load
            raise SkippedFile(f"page {index + 1} could not be rendered for OCR ({exc})") from exc
        try:
            width, height = page.get_size()
            scale = dpi / _POINTS_PER_INCH
            pixels = width * height * scale * scale
            if pixels > self._max_pixels:
                scale *= (self._max_pixels / pixels) ** 0.5
            bitmap = page.render(scale=scale, grayscale=True)
            return bitmap.to_pil().convert("L")
        except Exception as exc:
            raise SkippedFile(f"page {index + 1} could not be rendered for OCR ({exc})") from exc
        finally:
            page.close()

    def close(self) -> None:
        self._pdf.close()
