"""OpenDocument text (.odt): headings, paragraphs, lists and tables in document order.

An .odt is a zip holding content.xml; it is parsed with lxml (already a
dependency) with entities and network access off. odfpy would also load every
embedded picture into memory, for no text.
"""

from __future__ import annotations

import logging
import zipfile

from lxml import etree

from ingest.documents import Document
from ingest.errors import SkippedFile
from ingest.readers.base import ReadResult, make_title, normalise_newlines, one_line
from ingest.readers.archive import current_limits
from ingest.zipguard import open_zip

logger = logging.getLogger(__name__)

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_PARAGRAPHS = {f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"}
_ROW = f"{{{_TABLE}}}table-row"
_CELL = f"{{{_TABLE}}}table-cell"
_SKIPPED = {f"{{{_TEXT}}}note", f"{{{_OFFICE}}}annotation", f"{{{_TEXT}}}tracked-changes"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def read(data: bytes, name: str) -> ReadResult:
    """Read an .odt file; its title is the document's dc:title, else its first line.

    Raises:
        SkippedFile: Not a zip, encrypted (password set in LibreOffice), or no content.xml.
    """
    if not data.startswith(b"PK"):
        raise SkippedFile("corrupt .odt: not a ZIP archive")
    with open_zip(data, ".odt") as package:
        content = _part(package, "content.xml")
        if content is None:
            raise SkippedFile("corrupt .odt: no content.xml")
        manifest = _part(package, "META-INF/manifest.xml") or b""
        if b"encryption-data" in manifest:
            raise SkippedFile("encrypted .odt (password required)")
        meta = _part(package, "meta.xml")
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SkippedFile(f"corrupt .odt: {one_line(exc)}") from exc
    blocks: list[str] = []
    body = root.find(f"{{{_OFFICE}}}body")
    _collect(body if body is not None else root, blocks)
    text = normalise_newlines("\n\n".join(block for block in blocks if block.strip()))
    title = make_title(_title(meta) or text, name)
    return ReadResult(documents=[Document(path="", part=None, kind="odt", title=title, text=text)])


def _part(package: zipfile.ZipFile, member: str) -> bytes | None:
    try:
        info = package.getinfo(member)
    except KeyError:
        return None
    limit = current_limits().max_member_bytes
    if info.file_size > limit:
        raise SkippedFile(f"corrupt .odt: {member} expands to more than {limit // 1_000_000} MB")
    return package.read(info)


def _collect(element, blocks: list[str]) -> None:
    for child in element:
        if not isinstance(child.tag, str) or child.tag in _SKIPPED:
            continue
        if child.tag in _PARAGRAPHS:
            blocks.append(_inline_text(child).strip())
        elif child.tag == _ROW:
            cells = [" ".join(_cell_lines(cell)) for cell in child.iter(_CELL)]
            if any(cell.strip() for cell in cells):
                blocks.append(" | ".join(cell.strip() for cell in cells))
        else:
            _collect(child, blocks)


def _cell_lines(cell) -> list[str]:
    lines: list[str] = []
    _collect(cell, lines)
    return [line for line in lines if line]


def _inline_text(element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag in _SKIPPED:
            pass
        elif child.tag == f"{{{_TEXT}}}s":
            parts.append(" " * int(child.get(f"{{{_TEXT}}}c", "1") or 1))
        elif child.tag == f"{{{_TEXT}}}tab":
            parts.append("\t")
        elif child.tag == f"{{{_TEXT}}}line-break":
            parts.append("\n")
        elif isinstance(child.tag, str):
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _title(meta: bytes | None) -> str:
    if not meta:
        return ""
    try:
        found = etree.fromstring(meta, _PARSER).find(f".//{{{_DC}}}title")
    except etree.XMLSyntaxError:
        return ""
    return (found.text or "").strip() if found is not None else ""
