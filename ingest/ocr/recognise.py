"""OCR page images in parallel, with a JSON cache keyed by page hash."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from ingest.ocr.engines import OcrEngine, make_engine
from ingest.ocr.options import OcrOptions
from ingest.ocr.render import is_blank

logger = logging.getLogger(__name__)

CACHE_VERSION = 1


class PageTally:
    """Counts pages planned and recognised over a whole ingest, for one progress bar."""

    def __init__(self, report):
        self._report = report
        self._lock = threading.Lock()
        self.planned = 0
        self.done = 0

    def plan(self, pages: int) -> None:
        with self._lock:
            self.planned += pages
            self._report(self.done, self.planned)

    def finish(self, pages: int = 1) -> None:
        with self._lock:
            self.done += pages
            self._report(self.done, self.planned)


class OcrCache:
    """Recognised texts on disk, one small JSON file per page hash (written atomically)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry.get("text") if isinstance(entry, dict) and isinstance(entry.get("text"), str) else None

    def put(self, key: str, text: str, engine: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"version": CACHE_VERSION, "engine": engine, "text": text}, out, ensure_ascii=False)
            os.replace(temporary, path)
        except OSError as exc:  # a read-only or full disk costs a re-OCR next time, nothing more
            logger.warning("could not write the OCR cache at %s: %s", self.folder, exc)


def page_key(image: Image.Image, options: OcrOptions) -> str:
    """The cache key of a page: its pixels plus everything that changes what OCR reads from them."""
    digest = hashlib.sha256()
    digest.update(f"v{CACHE_VERSION}|{options.engine}|{options.languages}|{image.mode}|{image.size}|".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


class Recogniser:
    """Turns page images into text with the configured engine, several pages at once.

    The engine is created on first use, so a PDF without scanned pages never needs one.

    Raises (from `recognise`):
        EngineMissing: The engine or language pack is not installed.
        SkippedFile: The engine failed on a page.
    """

    def __init__(self, options: OcrOptions):
        self.options = options
        self._engine: OcrEngine | None = None
        self._cache = OcrCache(options.cache_dir) if options.cache_dir else None

    def engine(self) -> OcrEngine:
        if self._engine is None:
            self._engine = make_engine(self.options.engine, self.options.languages)
        return self._engine

    def recognise(self, images: Iterable[Image.Image], count: int) -> list[str]:
        """OCR `count` page images (an iterable, so pages are rendered as workers free up).

        Returns:
            The text of each page, in order ("" for a blank page).
        """
        tally = self.options.progress
        if tally is not None:
            tally.plan(count)
        texts: list[str | None] = [None] * count
        workers = max(1, self.options.workers)
        submitted = 0
        try:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="foi-ocr") as pool:
                running: list[tuple[int, Future]] = []
                for index, image in enumerate(images):
                    if len(running) >= 2 * workers:  # bound the rendered pages held in memory
                        done_index, future = running.pop(0)
                        texts[done_index] = future.result()
                    running.append((index, pool.submit(self._one, image)))
                    submitted += 1
                for done_index, future in running:
                    texts[done_index] = future.result()
        finally:
            if tally is not None and submitted < count:  # pages given up on still close the bar
                tally.finish(count - submitted)
        return [text or "" for text in texts]

    def _one(self, image: Image.Image) -> str:
        try:
            if is_blank(image):
                return ""
            key = page_key(image, self.options)
            cached = self._cache.get(key) if self._cache else None
            if cached is not None:
                return cached
            engine = self.engine()
            text = engine.recognise(image).replace("\x00", "").replace("\x0c", "").strip()
            if self._cache:
                self._cache.put(key, text, engine.name)
            return text
        finally:
            if self.options.progress is not None:
                self.options.progress.finish()
