"""Decode bytes of unknown encoding, and tell text from binary data."""

from __future__ import annotations

import codecs
import logging

from charset_normalizer import from_bytes

logger = logging.getLogger(__name__)

# Control characters that never occur in real text (tab, newlines, form feed
# and escape are allowed).
_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}
_SNIFF_BYTES = 8192
_MAX_CONTROL_SHARE = 0.05

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
)


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding named by a byte order mark at the start of `data`.

    Returns:
        (codec name, length of the BOM), or None when there is no BOM.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def binary_kind(data: bytes) -> str | None:
    """Why `data` looks like binary rather than text, or None if it looks like text.

    Returns:
        A short description such as "it is a PDF" or "it contains NUL bytes".
    """
    if bom_encoding(data):
        return None  # UTF-16/32 text is full of NUL bytes but is still text
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return f"it is {what}"
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return "it contains NUL bytes"
    controls = sum(1 for byte in head if byte in _CONTROL_BYTES)
    if head and controls / len(head) > _MAX_CONTROL_SHARE:
        return "it is mostly control characters"
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode text whose encoding is unknown or only declared.

    Tries, in order: a byte order mark, the declared encoding, UTF-8, UTF-8
    with a few broken bytes replaced, Windows-1252 (what most UK office
    software writes), charset-normalizer's best guess, and finally Latin-1,
    which never fails.

    Args:
        data: The raw bytes.
        declared: An encoding named by the container (HTML meta, MIME header), if any.

    Returns:
        The decoded text, without a byte order mark.
    """
    bom = bom_encoding(data)
    if bom:
        name, size = bom
        return data[size:].decode(name, errors="replace")
    candidates = [declared] if declared and _known_codec(declared) else []
    for encoding in [*candidates, "utf-8"]:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    damaged = _damaged_utf8(data)
    if damaged is not None:
        return damaged
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None:
        logger.debug("guessed encoding %s", best.encoding)
        return str(best)
    return data.decode("latin-1")


def _damaged_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few broken bytes (say, cut mid-character), else None.

    Decoding such text as Windows-1252 would garble every accented letter, so
    when valid multi-byte characters clearly outnumber the broken ones the
    broken ones are replaced instead.
    """
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    valid = sum(1 for char in text if ord(char) > 0x7F) - broken
    return text if valid >= 2 * broken else None


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True
