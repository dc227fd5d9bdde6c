"""Put FOI fields into documents' metadata at ingest, a whole file at a time.

`metadata["authority"]`, `["reference"]` and `["date_display"]` stay flat
strings (citations show them); everything else goes under `metadata["foi"]`
(JSON-able; see `FoiFields.to_dict`). The messages of one mailbox are one
request's thread: each also gets `foi["thread_outcome"]`, decided by the
authority's last substantive reply (see `thread.thread_outcome`).
"""

from __future__ import annotations

import dataclasses

from ingest.documents import Document
from ingest.foi.extract import extract_foi
from ingest.foi.thread import thread_outcome
from ingest.tables import TABLE_KINDS

TABLE_HEAD_CHARS = 20_000
"""A spreadsheet's FOI fields are read from its first this many characters: its title lines and
first rows say what it is, and the rules' cost grows with the text (a 100,000-row sheet is ~10 MB)."""


def annotate(documents: list[Document]) -> None:
    """Set the FOI metadata of `documents`, all read from one file, in order."""
    extracted = [extract_foi(_foi_view(document)) for document in documents]
    messages = [
        (document, fields)
        for document, fields in zip(documents, extracted)
        if document.part and document.part.startswith("message") and " / " not in document.part
    ]
    thread = None
    if len(messages) > 1:
        outcome, index = thread_outcome([fields for _, fields in messages])
        thread = {"thread_outcome": outcome, "thread_decided_by": messages[index][0].part if index is not None else None}
    for document, fields in zip(documents, extracted):
        foi = fields.to_dict()
        if thread:
            foi.update(thread)
        document.metadata = {**document.metadata, **fields.citation_fields(), "foi": foi}


def _foi_view(document: Document) -> Document:
    if document.kind in TABLE_KINDS and len(document.text) > TABLE_HEAD_CHARS:
        return dataclasses.replace(document, text=document.text[:TABLE_HEAD_CHARS], rows=[])
    return document
