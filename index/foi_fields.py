"""Read the FOI fields of stored documents again, from their stored text.

`foi rebuild` uses it, so an index built by an older extractor gets the
current rules' fields without its original files.
"""

from __future__ import annotations

import re
from collections import defaultdict

from index.store import Store, StoredDocument
from ingest.documents import Document
from ingest.foi.annotate import annotate
from index.update import Progress, _noop

# Keys `annotate` adds to a reader's metadata; dropped before annotating again so
# that old fields never feed the new extraction.
ANNOTATED_KEYS = ("authority", "reference", "date_display", "foi")


def reannotate(store: Store, progress: Progress = _noop) -> int:
    """Re-extract every document's FOI fields, a file (mailbox thread) at a time.

    Returns:
        How many documents' metadata changed.
    """
    by_file: dict[str, list[StoredDocument]] = defaultdict(list)
    for stored in store.iter_documents():
        by_file[stored.location.path].append(stored)
    changed = 0
    for done, (path, stored_documents) in enumerate(sorted(by_file.items()), 1):
        progress("FOI fields", done, len(by_file))
        stored_documents.sort(key=lambda d: _part_order(d.location.part))
        documents = [_as_read(stored) for stored in stored_documents]
        annotate(documents)
        for stored, document in zip(stored_documents, documents):
            if document.metadata != stored.metadata:
                store.set_metadata(stored.doc_id, document.metadata)
                changed += 1
    return changed


def _as_read(stored: StoredDocument) -> Document:
    """The document as its reader produced it, before FOI fields were added."""
    return Document(
        path=stored.location.path,
        part=stored.location.part,
        kind=stored.kind,
        title=stored.title,
        text=stored.text,
        pages=stored.pages,
        metadata={k: v for k, v in stored.metadata.items() if k not in ANNOTATED_KEYS},
    )


def _part_order(part: str | None) -> tuple:
    """"message 2" before "message 10"; a message before its attachments."""
    return tuple((0, int(n), "") if n.isdigit() else (1, 0, n) for n in re.findall(r"\d+|\D+", part or ""))
