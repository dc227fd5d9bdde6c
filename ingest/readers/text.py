"""Plain text and Markdown files."""

from __future__ import annotations

from pathlib import PurePath

from ingest.documents import Document
from ingest.errors import SkippedFile
from ingest.readers.base import ReadResult, make_title, normalise_newlines
from ingest.readers.encoding import binary_kind, decode_bytes
from ingest.text_tables import rewrite_text_tables


def read(data: bytes, name: str) -> ReadResult:
    """Read a .txt or .md file.

    The encoding is taken from a byte order mark, else UTF-8, else Windows-1252.
    Box-drawing and pipe (Markdown) tables are rewritten one "Header: value; ..."
    line per row (see `ingest.text_tables`).

    Args:
        data: The file's bytes.
        name: The file name; its extension picks the kind ("txt" or "md").

    Returns:
        One document titled by its first non-empty line.

    Raises:
        SkippedFile: The file holds binary data or only whitespace.
    """
    suffix = PurePath(name).suffix.lower() or ".txt"
    why_binary = binary_kind(data)
    if why_binary:
        raise SkippedFile(f"binary content in a {suffix} file ({why_binary})")
    text = rewrite_text_tables(normalise_newlines(decode_bytes(data)))
    if not text.strip():
        raise SkippedFile("empty file")
    kind = "md" if suffix in (".md", ".markdown") else "txt"
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if kind == "md":
        first_line = first_line.strip().lstrip("#").strip()
    document = Document(
        path="", part=None, kind=kind, title=make_title(first_line, name), text=text
    )
    return ReadResult(documents=[document])
