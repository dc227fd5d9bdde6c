"""FOI fields as the CLI and UI show them: `foi show` and the `meta` of hits and citations."""

from __future__ import annotations

from index.records import StoredDocument


def foi_meta(metadata: dict) -> dict:
    """The FOI fields of a document's metadata, as `meta` in search/ask JSON."""
    foi = metadata.get("foi") if isinstance(metadata.get("foi"), dict) else {}
    return {
        "authority": metadata.get("authority") or foi.get("authority"),
        "references": list(foi.get("references") or []),
        "dates": dict(foi.get("dates") or {}),
        "law": foi.get("law"),
        "exemptions": [dict(e) for e in foi.get("exemptions") or []],
        "outcome": foi.get("outcome"),
        "thread_outcome": foi.get("thread_outcome"),
        "role": foi.get("role"),
        "outcomes_by_question": [dict(q) for q in foi.get("outcomes_by_question") or []],
        "evidence": {k: [dict(s) for s in v] for k, v in (foi.get("evidence") or {}).items()},
    }


def foi_view(document: StoredDocument) -> dict:
    """`foi show`: doc_id, path, title and the FOI fields of one stored document."""
    location = document.location
    return {
        "doc_id": document.doc_id,
        "path": location.path,
        "part": location.part,
        "title": document.title,
        **foi_meta(document.metadata),
    }
