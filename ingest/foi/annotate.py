"""Put FOI fields into documents' metadata at ingest, a whole file at a time.

`metadata["authority"]`, `["reference"]` and `["date_display"]` stay flat
strings (citations show them); everything else goes under `metadata["foi"]`
(JSON-able; see `FoiFields.to_dict`). The messages of one mailbox are one
request's thread: each also gets `foi["thread_outcome"]`, decided by the
authority's last substantive reply (see `thread.thread_outcome`).
"""

from __future__ import annotations

from ingest.documents import Document
from ingest.foi.extract import extract_foi
from ingest.foi.thread import thread_outcome


def annotate(documents: list[Document]) -> None:
    """Set the FOI metadata of `documents`, all read from one file, in order."""
    extracted = [extract_foi(document) for document in documents]
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
