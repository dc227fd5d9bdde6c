"""OCR engines: Tesseract (a Debian program) and RapidOCR (a pip wheel with its own ONNX models)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import threading
from typing import Protocol

from PIL import Image

from ingest.errors import SkippedFile

TESSERACT_MISSING = (
    "OCR engine not installed — install Tesseract (apt-get install tesseract-ocr tesseract-ocr-eng) "
    "or set ocr = \"off\""
)
RAPIDOCR_MISSING = "OCR engine not installed — pip install rapidocr-onnxruntime, or set ocr_engine = \"tesseract\""
_TESSERACT_TIMEOUT = 300  # seconds for one page; a hung engine must not stall the batch forever


class EngineMissing(SkippedFile):
    """The OCR engine (or a language pack it needs) is not installed."""


class OcrEngine(Protocol):
    """Turns one page image into text."""

    name: str

    def recognise(self, image: Image.Image) -> str:
        """The text on `image`, lines separated by "\\n"."""


class TesseractEngine:
    """Tesseract 4/5 run as a program, one process per page (so pages run in parallel)."""

    name = "tesseract"

    def __init__(self, languages: str = "eng"):
        self.languages = languages
        self.program = shutil.which("tesseract")
        if self.program is None:
            raise EngineMissing(TESSERACT_MISSING)

    @property
    def version(self) -> str:
        result = subprocess.run([self.program, "--version"], capture_output=True, text=True, check=False)
        return (result.stdout or result.stderr).split("\n", 1)[0].strip()

    def recognise(self, image: Image.Image) -> str:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        # One thread per process: the ingest runs several pages at once instead, which
        # keeps the cores busier than Tesseract's own OpenMP threads do.
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            result = subprocess.run(
                [self.program, "stdin", "stdout", "-l", self.languages, "--psm", "3"],
                input=buffer.getvalue(), capture_output=True, timeout=_TESSERACT_TIMEOUT, env=env, check=False,
            )
        except FileNotFoundError as exc:
            raise EngineMissing(TESSERACT_MISSING) from exc
        except subprocess.TimeoutExpired as exc:
            raise SkippedFile(f"OCR timed out after {_TESSERACT_TIMEOUT} s on one page") from exc
        errors = result.stderr.decode("utf-8", "replace")
        if result.returncode != 0:
            missing = re.search(r"Failed loading language '([^']+)'", errors)
            if missing:
                package = f"tesseract-ocr-{missing.group(1)}"
                raise EngineMissing(f"OCR language pack '{missing.group(1)}' not installed — apt-get install {package}")
            raise SkippedFile(f"OCR failed: {' '.join(errors.split())[:200] or f'exit code {result.returncode}'}")
        return result.stdout.decode("utf-8", "replace")


class RapidOcrEngine:
    """RapidOCR (PP-OCR detection + recognition models run by onnxruntime), loaded once per process."""

    name = "rapidocr"
    _shared = None
    _lock = threading.Lock()

    def __init__(self, languages: str = "eng"):
        self.languages = languages  # its bundled models read Latin script (and Chinese) whatever is asked
        with RapidOcrEngine._lock:
            if RapidOcrEngine._shared is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as exc:
                    raise EngineMissing(RAPIDOCR_MISSING) from exc
                RapidOcrEngine._shared = RapidOCR()
        self._ocr = RapidOcrEngine._shared

    @property
    def version(self) -> str:
        from importlib.metadata import version

        return f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}"

    def recognise(self, image: Image.Image) -> str:
        import numpy as np

        with RapidOcrEngine._lock:  # one page at a time: onnxruntime already uses every core
            found, _ = self._ocr(np.asarray(image.convert("RGB")))
        return _lines_in_reading_order(found or [])


def _lines_in_reading_order(found: list) -> str:
    """Join RapidOCR's boxes into lines: boxes whose vertical centres are close share a line."""
    boxes = []
    for box, text, _score in found:
        ys = [point[1] for point in box]
        boxes.append((sum(ys) / len(ys), min(point[0] for point in box), max(ys) - min(ys), text))
    boxes.sort()
    lines: list[list[tuple]] = []
    for box in boxes:
        if lines and abs(box[0] - lines[-1][0][0]) < max(4.0, 0.5 * box[2]):
            lines[-1].append(box)
        else:
            lines.append([box])
    return "\n".join(" ".join(text for *_, text in sorted(line, key=lambda b: b[1])) for line in lines)


def make_engine(name: str, languages: str) -> OcrEngine:
    """The engine called `name` ("tesseract" or "rapidocr").

    Raises:
        EngineMissing: It is not installed.
    """
    if name == "rapidocr":
        return RapidOcrEngine(languages)
    return TesseractEngine(languages)
