"""Outlook .msg messages (extract-msg), attachments and attached messages included."""

from __future__ import annotations

import email.utils
import logging
import re

from ingest.documents import Skipped
from ingest.errors import SkippedFile
from ingest.readers.base import (
    ReadResult,
    inherited_headers,
    message_document,
    normalise_newlines,
    one_line,
)
from ingest.readers.encoding import decode_bytes
from ingest.readers.html import html_to_text

logger = logging.getLogger(__name__)

_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# olefile takes shorter bytes for a file name, so a tiny file is refused before it gets there.
_MIN_OLE_SIZE = 1536
_MAX_NESTED_MESSAGES = 5


def read(data: bytes, name: str) -> ReadResult:
    """Read an Outlook .msg file.

    The message becomes one document of kind "email" (part None), with from,
    to, cc, date, date_iso, subject and message_id metadata as for an .eml.
    The plain-text body is preferred, else the HTML body's visible text, else
    the RTF body's text. Each attachment in a supported format becomes a
    document with part "attachment NAME", carrying the message's metadata; an
    attached .msg is read the same way ("attachment NAME / attachment INNER").

    Raises:
        SkippedFile: Not an OLE compound file, or not an Outlook message.
    """
    if not data.startswith(_OLE_MAGIC):
        raise SkippedFile("not an Outlook .msg file (not an OLE compound file)")
    if len(data) < _MIN_OLE_SIZE:
        raise SkippedFile("corrupt .msg: too short for an OLE compound file")
    import extract_msg  # 0.3 s of imports (measured under load), paid only when a .msg is met
    from extract_msg.exceptions import ExMsgBaseException

    _quiet_extract_msg()

    try:
        message = extract_msg.openMsg(data, delayAttachments=False)
    except ExMsgBaseException as exc:
        raise SkippedFile(f"not an Outlook message: {one_line(exc)}") from exc
    except Exception as exc:
        raise SkippedFile(f"corrupt .msg: {type(exc).__name__}: {one_line(exc)}") from exc
    result = ReadResult()
    try:
        _read_message(message, None, result, depth=0)
    finally:
        message.close()
    return result


def _quiet_extract_msg() -> None:
    # extract-msg logs an INFO line for every optional property a message lacks; what matters
    # to a user reaches the report as a skip reason. A level set by the user is kept.
    library = logging.getLogger("extract_msg")
    if library.level == logging.NOTSET:
        library.setLevel(logging.ERROR)


def _read_message(message, label: str | None, result: ReadResult, depth: int) -> None:
    metadata = _metadata(message)
    body = _body(message)
    attachments = [a for a in _attachments(message) if not _is_inline_image(a)]
    if body.strip() or not attachments:
        result.documents.append(message_document(label, metadata, body))
    inherited = inherited_headers(metadata)
    for number, attachment in enumerate(attachments, start=1):
        filename = _attachment_name(attachment, number)
        prefix = f"attachment {filename}" if label is None else f"{label} / attachment {filename}"
        try:
            _read_attachment(attachment, filename, prefix, inherited, result, depth)
        except SkippedFile as exc:
            result.skipped.append(Skipped(path=prefix, reason=exc.reason))
        except Exception as exc:
            logger.debug("%s could not be read", prefix, exc_info=True)
            result.skipped.append(Skipped(path=prefix, reason=f"could not be read: {type(exc).__name__}: {one_line(exc)}"))


def _read_attachment(attachment, filename, prefix, inherited, result: ReadResult, depth: int) -> None:
    # Imported here because the dispatcher imports this module.
    from ingest.readers.dispatch import read_bytes

    data = attachment.data
    if data is not None and not isinstance(data, (bytes, bytearray)):
        if not hasattr(data, "subject"):
            raise SkippedFile("unsupported attachment (an embedded object, not a file)")
        if depth >= _MAX_NESTED_MESSAGES:
            raise SkippedFile(f"attached messages nested more than {_MAX_NESTED_MESSAGES} deep")
        nested = ReadResult()
        _read_message(data, prefix, nested, depth + 1)
        for document in nested.documents:
            document.metadata = {**document.metadata, "attachment": filename}
        result.documents.extend(nested.documents)
        result.skipped.extend(nested.skipped)
        return
    inner = read_bytes(bytes(data or b""), filename)
    for document in inner.documents:
        document.part = prefix if document.part is None else f"{prefix} / {document.part}"
        document.metadata = {**document.metadata, **inherited, "attachment": filename}
        result.documents.append(document)
    for skipped in inner.skipped:
        result.skipped.append(Skipped(path=f"{prefix} / {skipped.path}", reason=skipped.reason))


def _metadata(message) -> dict[str, str]:
    metadata = {}
    sender = _safe(lambda: message.sender)
    address = _safe(lambda: message.getStringStream("__substg1.0_0C1F")) or ""
    if sender and "@" not in sender and "@" in address:
        sender = f"{sender} <{address}>"
    values = {
        "from": sender or address,
        "to": _safe(lambda: message.to),
        "cc": _safe(lambda: message.cc),
        "subject": _safe(lambda: message.subject),
        "message_id": _safe(lambda: message.messageId),
    }
    for key, value in values.items():
        if value:
            metadata[key] = re.sub(r"\s+", " ", str(value)).strip()
    sent = _safe(lambda: message.date)
    if sent is not None and hasattr(sent, "isoformat"):
        metadata["date"] = email.utils.format_datetime(sent)
        metadata["date_iso"] = sent.isoformat()
    return {key: value for key, value in metadata.items() if value}


def _body(message) -> str:
    plain = _safe(lambda: message.body)
    if plain and plain.strip():
        return normalise_newlines(plain).strip()
    html = _safe(lambda: message.htmlBody)
    if html:
        text = decode_bytes(html) if isinstance(html, bytes) else str(html)
        return html_to_text(text)[1].strip()
    rtf = _safe(lambda: message.rtfBody)
    if rtf:
        from ingest.readers.rtf import rtf_to_plain

        return rtf_to_plain(rtf).strip()
    return ""


def _attachments(message) -> list:
    return list(_safe(lambda: message.attachments) or [])


def _is_inline_image(attachment) -> bool:
    # Signature logos and pasted screenshots are hidden or inline images, not attachments.
    if _safe(lambda: attachment.hidden):
        return True
    mimetype = _safe(lambda: attachment.mimetype) or ""
    return bool(_safe(lambda: attachment.contentId)) and mimetype.startswith("image/")


def _attachment_name(attachment, number: int) -> str:
    for getter in (lambda: attachment.longFilename, lambda: attachment.shortFilename, lambda: attachment.displayName):
        name = _safe(getter)
        if name and str(name).strip():
            # Some clients store the sender's full path, e.g. "C:\\Users\\me\\report.pdf".
            return re.split(r"[\\/]", str(name).strip())[-1].strip() or f"attachment {number}"
    return f"attachment {number}"


def _safe(getter):
    """A property of an extract-msg object, or None when the file's stream for it is broken."""
    try:
        return getter()
    except Exception:
        logger.debug("unreadable .msg property", exc_info=True)
        return None
