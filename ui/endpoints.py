"""The app's JSON endpoints for `gradio_client`: ask, search, compare, documents, document, update, remove.

Each calls the same Assistant methods as the CLI and returns plain JSON-able data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gradio as gr

from assistant.api import Assistant
from assistant.compare import comparison_rows
from assistant.shapes import answer_json, hit_json
from ui import results
from ui.access import Access

FACET_PASSAGES = 100  # facets (endpoint and Search tab) count the documents among this many passages


def changed_files(report: dict) -> list[str]:
    """The files an ingest report added, updated or removed (what the audit log names)."""
    return [f["path"] for f in report.get("files", []) if f.get("status") not in ("unchanged", "skipped")]


def register_endpoints(
    assistant: Assistant,
    uploads: Path,
    *,
    searched: Callable,
    rows: Callable[[str], list[list]],
    remove_document: Callable[[str], tuple[str, dict, bool]],
    access: Access,
) -> None:
    """Register the named endpoints inside the current Blocks.

    Args:
        assistant: The app's Assistant.
        uploads: The uploads folder `update` ingests.
        searched: The Search tab's search: (query, k, kinds, folder, foi) -> [(hit, citation)].
        rows: The Documents table's rows for a filter text.
        remove_document: Removes one document and its uploaded copy -> (title, report, discarded).
        access: Who may call what: readers the reading endpoints, editors also `update` and `remove`.
    """

    def has_index() -> bool:
        return assistant.directory.exists()

    def ask(question: str, previous_question: str = "", request: gr.Request = None) -> dict:
        """Answer a question with citations; a short follow-up is read with `previous_question`."""
        access.require(request, "read")
        answer = assistant.ask(question, previous=previous_question or None)
        return results.for_client(answer_json(answer, assistant.citation))

    def search(
        query: str,
        k: int = 5,
        kinds: list[str] | None = None,
        folder: str = "",
        authority: str = "",
        outcome: str = "",
        exemption: str = "",
        after: str = "",
        before: str = "",
        facets: bool = False,
        request: gr.Request = None,
    ) -> dict:
        """Passages for `query`, optionally only of some file kinds, under a folder, or
        matching FOI fields (authority, outcome, applied exemption, date range YYYY-MM-DD).
        With `facets`, also the documents among the top 100 passages counted by
        authority, year, outcome and applied exemption: {facet: [[value, documents], ...]}."""
        access.require(request, "read")
        foi = results.foi_filters(authority, outcome, exemption, after, before)
        pairs = searched(query, k, kinds or [], folder or "", foi)
        found = {"query": query, "hits": [hit_json(h, c) for h, c in pairs]}
        if facets:
            counts = assistant.facets(query, k=FACET_PASSAGES, kinds=kinds or (), path_contains=folder or "", **foi)
            found["facets"] = {name: [list(pair) for pair in values] for name, values in counts.items()}
        return results.for_client(found)

    def compare(
        topic: str,
        limit: int = 20,
        authority: str = "",
        outcome: str = "",
        exemption: str = "",
        after: str = "",
        before: str = "",
        request: gr.Request = None,
    ) -> dict:
        """One row per response relevant to `topic`: authority, reference, date, outcome,
        applied exemptions and the sentence that carries the answer (exact, with its span)."""
        access.require(request, "read")
        foi = results.foi_filters(authority, outcome, exemption, after, before)
        rows = comparison_rows(assistant, topic, limit=int(limit), **foi)
        return results.for_client({"topic": topic, "rows": [row.to_dict() for row in rows]})

    def documents(filter: str = "", request: gr.Request = None) -> list[dict]:
        """Every indexed document (title, location, kind, pages, dates), optionally filtered."""
        access.require(request, "read")
        keys = ["title", "location", "kind", "pages", "chunks", "added_at", "updated_at", "doc_id"]
        return [dict(zip(keys, row)) for row in rows(filter)]

    def document(doc_id: str, request: gr.Request = None) -> dict:
        """One document's full text and metadata."""
        access.require(request, "read")
        found = assistant.document(doc_id) if has_index() else None
        if found is None:
            raise gr.Error(f"no document with id {doc_id!r}")
        return {
            "doc_id": found.doc_id, "title": found.title, "kind": found.kind, "text": found.text,
            "metadata": found.metadata, "pages": [[p.number, p.start, p.end] for p in found.pages],
            "locations": [{"file_path": loc.path, "part": loc.part} for loc in found.locations],
        }

    def update(request: gr.Request = None) -> dict:
        """Ingest the uploads folder and return the ingest report (editors and admins)."""
        access.require(request, "write")
        uploads.mkdir(parents=True, exist_ok=True)
        report = assistant.ingest([uploads]).to_dict()
        access.record(request, "update", changed_files(report), added=report["added"], updated=report["updated"],
                      removed=report["removed"])
        return results.for_client(report)

    def remove(doc_id: str, request: gr.Request = None) -> dict:
        """Remove one document from the index (and its uploaded copy); return the counts left (editors and admins)."""
        access.require(request, "write")
        title, report, discarded = remove_document(doc_id)
        access.record(request, "remove", [doc_id], title=title, deleted_upload=discarded)
        return {"title": title, **report, "deleted_upload": discarded}

    for fn in (ask, search, compare, documents, document, update, remove):
        gr.api(fn, api_name=fn.__name__)
