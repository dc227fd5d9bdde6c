"""Email: single .eml messages and .mbox mailboxes, attachments included."""

from __future__ import annotations

import email
import email.policy
import functools
from email import headerregistry
import email.utils
import logging
import re
from email.message import EmailMessage
from pathlib import PurePath

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
from ingest.text_tables import rewrite_text_tables

logger = logging.getLogger(__name__)

_HEADERS = {
    "from": "From",
    "to": "To",
    "date": "Date",
    "subject": "Subject",
    "message_id": "Message-ID",
}
# Any one of these shows that a .eml file really starts with mail headers.
_MAIL_HEADERS = ("from", "to", "subject", "date", "message-id", "received", "mime-version")
_MBOX_SEPARATOR = re.compile(rb"^From [^\n]*(?:\n|$)", re.MULTILINE)
# mboxrd quoting: a body line "From ..." is stored as ">From ...", ">From" as ">>From".
_MBOXRD_QUOTED = re.compile(rb"^>(>*From )", re.MULTILINE)




class _CachingHeaderRegistry(headerregistry.HeaderRegistry):
    """Parses each distinct header once: the email package re-parses Content-Type on
    every `get_content_type()`, which dominated reading a folder of mailboxes."""

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one registry for the process
    def __call__(self, name, value):
        return super().__call__(name, value)


_POLICY = email.policy.default.clone(header_factory=_CachingHeaderRegistry())

def read(data: bytes, name: str) -> ReadResult:
    """Read an .eml message or an .mbox mailbox.

    Each message becomes one document of kind "email" (part "message N" in an
    mbox, None for an .eml), titled by its subject, with from, to, date,
    date_iso, subject and message_id metadata. The plain-text body is preferred,
    else the HTML body's visible text. Attachments with a supported extension
    become extra documents (part "message N / report.pdf") carrying the
    message's metadata; an attachment that cannot be read is reported in
    `ReadResult.skipped` and does not affect the message.

    Args:
        data: The file's bytes.
        name: The file name; ".mbox" selects mailbox parsing.

    Returns:
        The messages' and attachments' documents and the skipped parts.

    Raises:
        SkippedFile: Not an email/mailbox, or a mailbox with no messages.
    """
    result = ReadResult()
    if PurePath(name).suffix.lower() == ".mbox":
        messages = _split_mbox(data)
        if not messages:
            raise SkippedFile("empty mailbox")
        for number, raw in enumerate(messages, start=1):
            label = f"message {number}"
            try:
                _read_message(_parse(raw), label, result)
            except Exception as exc:  # one malformed message must not lose the others
                logger.debug("%s: %s could not be read", name, label, exc_info=True)
                reason = f"could not be read: {type(exc).__name__}: {one_line(exc)}"
                result.skipped.append(Skipped(path=label, reason=reason))
        return result

    message = _parse(data)
    if not any(header in message for header in _MAIL_HEADERS):
        raise SkippedFile("not an email message (no mail headers found)")
    _read_message(message, None, result)
    return result


def _split_mbox(data: bytes) -> list[bytes]:
    # mailbox.mbox only reads from a path; splitting on "From " lines here is
    # the same rule it applies, without a temporary file.
    data = data.replace(b"\r\n", b"\n")
    if not data.lstrip().startswith(b"From "):
        raise SkippedFile('not an mbox mailbox (it does not start with a "From " line)')
    separators = list(_MBOX_SEPARATOR.finditer(data))
    messages = []
    for index, separator in enumerate(separators):
        end = separators[index + 1].start() if index + 1 < len(separators) else len(data)
        raw = data[separator.end() : end]
        if raw.strip():
            messages.append(_MBOXRD_QUOTED.sub(rb"\1", raw))
    return messages


def _parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=_POLICY)


def _read_message(message: EmailMessage, label: str | None, result: ReadResult) -> None:
    metadata = _metadata(message)
    body_part = _body_part(message)
    body = _part_text(body_part) if body_part is not None else ""
    attachments = [
        part for part in _leaf_parts(message) if part is not body_part and _is_attachment(part)
    ]
    if body.strip() or not attachments:
        # An empty message without attachments is kept so the dispatcher reports it as "no text".
        result.documents.append(message_document(label, metadata, body))
    inherited = inherited_headers(metadata)
    for number, part in enumerate(attachments, start=1):
        _read_attachment(part, number, label, inherited, result)


def _metadata(message: EmailMessage) -> dict[str, str]:
    metadata = {}
    for key, header in _HEADERS.items():
        value = _header(message, header)
        if value:
            metadata[key] = value
    if "date" in metadata:
        try:
            metadata["date_iso"] = email.utils.parsedate_to_datetime(metadata["date"]).isoformat()
        except (TypeError, ValueError, IndexError):
            logger.debug("unparseable Date header %r", metadata["date"])
    return metadata


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # the modern header parser can choke on malformed headers
        logger.debug("unparseable %s header", name, exc_info=True)
        value = None
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def _body_part(message: EmailMessage) -> EmailMessage | None:
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except Exception:
        logger.debug("could not find the message body", exc_info=True)
        return None


def _part_text(part: EmailMessage) -> str:
    """The decoded text of a text/plain or text/html part; bad charsets never fail."""
    payload = part.get_payload(decode=True) or b""
    text = normalise_newlines(decode_bytes(payload, declared=part.get_content_charset()))
    if part.get_content_subtype() == "html":
        text = html_to_text(text)[1]
    return rewrite_text_tables(text).strip()


def _leaf_parts(part: EmailMessage):
    # Not Message.walk(): it would descend into attached messages (message/rfc822),
    # which are read as whole .eml attachments instead.
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        for child in part.iter_parts():
            yield from _leaf_parts(child)
    else:
        yield part


def _is_attachment(part: EmailMessage) -> bool:
    if part.get_content_type() == "message/rfc822":
        return True
    if not part.get_filename():
        return False
    # Signature logos and pasted screenshots are inline images, not attachments.
    inline_image = (
        part.get_content_maintype() == "image" and part.get_content_disposition() != "attachment"
    )
    return not inline_image


def _read_attachment(
    part: EmailMessage,
    number: int,
    label: str | None,
    inherited: dict[str, str],
    result: ReadResult,
) -> None:
    # Imported here because the dispatcher imports this module.
    from ingest.readers.dispatch import read_bytes

    filename = _attachment_name(part, number)
    prefix = f"{label} / {filename}" if label else filename
    try:
        if part.get_content_type() == "message/rfc822":
            data = part.get_payload(0).as_bytes(policy=email.policy.default)
        else:
            data = part.get_payload(decode=True) or b""
        inner = read_bytes(data, filename)
    except SkippedFile as exc:
        result.skipped.append(Skipped(path=prefix, reason=exc.reason))
        return
    except Exception as exc:
        logger.debug("%s could not be decoded", prefix, exc_info=True)
        reason = f"could not be read: {type(exc).__name__}: {one_line(exc)}"
        result.skipped.append(Skipped(path=prefix, reason=reason))
        return
    for document in inner.documents:
        document.part = prefix if document.part is None else f"{prefix} / {document.part}"
        document.metadata = {**document.metadata, **inherited, "attachment": filename}
        result.documents.append(document)
    for skipped in inner.skipped:
        result.skipped.append(Skipped(path=f"{prefix} / {skipped.path}", reason=skipped.reason))


def _attachment_name(part: EmailMessage, number: int) -> str:
    try:
        filename = part.get_filename()
    except Exception:
        filename = None
    if filename:
        # Some clients send the sender's full path, e.g. "C:\\Users\\me\\report.pdf".
        filename = re.split(r"[\\/]", filename.strip())[-1].strip()
    if not filename and part.get_content_type() == "message/rfc822":
        return f"attached message {number}.eml"
    return filename or f"attachment {number}"
