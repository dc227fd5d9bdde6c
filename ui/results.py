"""Plain-data helpers for the UI: JSON records and CSV/JSON exports.

These are small pure functions; if they grow, they belong in `assistant/`.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

from index.records import StoredDocument
from ingest.textutil import csv_safe

EXPORT_FIELDS = ["rank", "score", "title", "citation", "path", "part", "kind", "page", "page_end", "doc_id", "start", "end", "text"]


def foi_filters(authority: str | None, outcome: str | None, exemption: str | None,
                after: str | None, before: str | None) -> dict[str, str]:
    """The FOI filters the page and the endpoints offer, as `Assistant.search` takes them."""
    values = {"authority": authority, "outcome": outcome, "exemption": exemption, "after": after, "before": before}
    return {name: value or "" for name, value in values.items()}


EXPORT_FOLDER = Path(tempfile.gettempdir()) / "foi-assistant-exports"
KEEP_EXPORTS = 40


def export_stem(kind: str, query: str, folder: str | Path | None = None) -> Path:
    """A fresh path (without suffix) for an export of `kind` ("search", "compare") about `query`.

    Only the newest exports are kept, so a long-running server does not fill the disk.
    """
    folder = Path(folder or EXPORT_FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    _prune(folder)
    slug = re.sub(r"[^\w]+", "-", query.lower()).strip("-")[:40] or "results"
    return folder / f"foi-{kind}-{slug}-{uuid.uuid4().hex[:8]}"


def write_exports(records: Sequence[dict], query: str, folder: str | Path | None = None) -> tuple[Path, Path]:
    """Write search records as CSV and JSON files into one export folder; return both paths."""
    stem = export_stem("search", query, folder)
    csv_path, json_path = stem.with_suffix(".csv"), stem.with_suffix(".json")
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow({key: csv_safe(record.get(key)) for key in EXPORT_FIELDS})
    json_path.write_text(json.dumps({"query": query, "results": list(records)}, ensure_ascii=False, indent=2), encoding="utf-8")
    return csv_path, json_path


def passage_target(document: StoredDocument, text: str) -> dict:
    """The viewer target of `text` in `document`: its first verbatim occurrence, else the whole document."""
    start = document.text.find(text) if text else -1
    if start < 0:
        return {"doc_id": document.doc_id, "start": None, "end": None}
    return {"doc_id": document.doc_id, "start": start, "end": start + len(text)}


DOWNLOAD_FOLDER = Path(tempfile.gettempdir()) / "foi-assistant-originals"


def original_file(document: StoredDocument) -> Path | None:
    """The document's original file: its first recorded location, if that is a regular file on disk.

    Only the recorded path itself is ever offered (no user input reaches it); a
    symbolic link is refused, since it may point anywhere.
    """
    if not document.locations:
        return None
    path = Path(document.locations[0].path)
    if not path.is_absolute() or path.is_symlink() or not path.is_file():
        return None
    return path


def original_copy(document: StoredDocument, folder: str | Path | None = None) -> Path | None:
    """A fresh copy of the document's original file for download, or None when it is not on disk.

    Gradio serves only files under its cache or temp folders, so the original is
    copied (under its own name) into a folder of its own; older copies are pruned.
    """
    source = original_file(document)
    if source is None:
        return None
    folder = Path(folder or DOWNLOAD_FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    _prune(folder, "*", keep=KEEP_EXPORTS)
    target = folder / uuid.uuid4().hex[:12] / source.name
    target.parent.mkdir()
    shutil.copyfile(source, target)
    return target


def _prune(folder: Path, pattern: str = "foi-*", keep: int = 2 * KEEP_EXPORTS) -> None:
    exports = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)
    for old in exports[: max(0, len(exports) - keep)]:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def for_client(data):
    """`data` with every "path" key renamed "file_path", recursively.

    gradio_client takes any dict with a string "path" as a file to download
    (the Gradio <= 4.20 FileData format) and fails on it, so API results must
    not use that key.
    """
    if isinstance(data, dict):
        return {("file_path" if key == "path" else key): for_client(value) for key, value in data.items()}
    if isinstance(data, list):
        return [for_client(item) for item in data]
    return data
