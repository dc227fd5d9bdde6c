"""Read the FOI fields of stored documents again, from their stored text.

`foi rebuild` uses it, so an index built by an older extractor gets the
current rules' fields without its original files.
"""

from __future__ import annotations

import re
from collections import defaultdict

from index.records import StoredDocument
from index.store import Store
from index.update import Progress, _noop
from ingest.foi.annotate import annotate

# Keys `annotate` adds to a reader's metadata.
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
        # The documents as their readers gave them: old fields must not feed the new extraction.
        documents = [
            stored.as_document({k: v for k, v in stored.metadata.items() if k not in ANNOTATED_KEYS})
            for stored in stored_documents
        ]
        annotate(documents)
        for stored, document in zip(stored_documents, documents):
            if document.metadata != stored.metadata:
                store.set_metadata(stored.doc_id, document.metadata)
                changed += 1
    return changed


def _part_order(part: str | None) -> tuple:
    """"message 2" before "message 10"; a message before its attachments."""
    return tuple((0, int(n), "") if n.isdigit() else (1, 0, n) for n in re.findall(r"\d+|\D+", part or ""))
