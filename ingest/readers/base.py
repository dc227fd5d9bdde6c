"""What every reader returns, and small helpers the readers share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import textutil
from ingest.documents import Document, Skipped

TITLE_MAX_CHARS = 120


@dataclass
class ReadResult:
    """The documents read from one file, and the parts of it that were skipped.

    A plain file yields one document; a container (an mbox, an email with
    attachments) yields several, and a bad part is reported here instead of
    failing the whole file.

    Attributes:
        documents: The extracted documents, in file order.
        skipped: Parts that were not ingested. Inside a reader `Skipped.path`
            holds the part label ("message 3 / report.pdf"); `read_file`
            rewrites it to "<file path> [<part label>]".
    """

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def normalise_newlines(text: str) -> str:
    """Turn Windows and old Mac line ends into "\\n"."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def make_title(candidate: str | None, fallback: str) -> str:
    """A one-line title from `candidate`, or `fallback` when it has no text.

    Args:
        candidate: Text to take the title from (only its first non-empty line is used).
        fallback: Used when `candidate` is empty, usually the file name.

    Returns:
        The title, whitespace collapsed and cut to about 120 characters.
    """
    for line in (candidate or "").splitlines():
        line = re.sub(r"\s+", " ", line).strip()
        if line:
            if len(line) > TITLE_MAX_CHARS:
                line = line[: TITLE_MAX_CHARS - 1].rstrip() + "…"
            return line
    return fallback


def one_line(message: object, limit: int = 200) -> str:
    """An exception message squeezed onto one short line for a skip reason."""
    return textutil.one_line(message, limit)


# What an attachment inherits from the message that carries it (its sender and date cite it).
INHERITED_HEADERS = ("from", "date", "date_iso", "subject", "message_id")


def message_document(part: str | None, metadata: dict[str, str], body: str) -> Document:
    """One e-mail message (.eml, .mbox or .msg) as a document of kind "email", titled by its subject."""
    return Document(
        path="", part=part, kind="email", title=make_title(metadata.get("subject"), "(no subject)"),
        text=body, metadata=metadata,
    )


def inherited_headers(metadata: dict[str, str]) -> dict[str, str]:
    """The headers of `metadata` that the message's attachments carry too."""
    return {key: metadata[key] for key in INHERITED_HEADERS if key in metadata}
