"""Rich Text Format (.rtf) documents, as plain text (striprtf)."""

from __future__ import annotations

import re

from striprtf.striprtf import rtf_to_text

from ingest.documents import Document
from ingest.errors import SkippedFile
from ingest.readers.base import ReadResult, make_title, normalise_newlines, one_line

_CODE_PAGE = re.compile(rb"\\ansicpg(\d+)")
_TITLE = re.compile(rb"{\\title\s+([^{}]*)}")


def read(data: bytes, name: str) -> ReadResult:
    """Read an .rtf file: its text, paragraphs on their own lines; the title is the
    document's own (`{\\info{\\title ...}}`), else its first line.

    Raises:
        SkippedFile: The file is not RTF, or cannot be parsed.
    """
    head = data.lstrip()[:16]
    if not head.startswith(b"{\\rtf"):
        raise SkippedFile("not an RTF document (it does not start with {\\rtf)")
    try:
        text = rtf_to_plain(data)
    except Exception as exc:  # striprtf raises whatever its regular expressions meet
        raise SkippedFile(f"corrupt .rtf: {type(exc).__name__}: {one_line(exc)}") from exc
    title = _TITLE.search(data[:8192])
    title_text = rtf_to_plain(b"{\\rtf1 " + title.group(1) + b"}") if title else ""
    return ReadResult(
        documents=[Document(path="", part=None, kind="rtf", title=make_title(title_text or text, name), text=text)]
    )


def rtf_to_plain(data: bytes | str) -> str:
    """The visible text of an RTF document; `\\'xx` escapes decoded with its own code page."""
    if isinstance(data, bytes):
        match = _CODE_PAGE.search(data[:2048])
        encoding = f"cp{int(match.group(1))}" if match else "cp1252"
        try:
            "".encode(encoding)
        except LookupError:
            encoding = "cp1252"
        # RTF itself is 7-bit; latin-1 maps every byte so nothing is lost before parsing.
        source = data.decode("latin-1")
    else:
        source, encoding = data, "cp1252"
    text = normalise_newlines(rtf_to_text(source, encoding=encoding, errors="replace"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
