"""The Documents tab: what is indexed, uploads and "Update index"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.api import Assistant
from assistant.errors import AssistantError
from index.errors import IndexProblem
from ui import render
from ui.access import Access
from ui.endpoints import changed_files
from ui.uploads import UploadPolicy, save_uploads

PRIVATE = {"api_visibility": "private"}


@dataclass
class DocumentsTab:
    """What other tabs wire to."""

    doc_filter: gr.Textbox
    table: gr.Dataframe
    edit_row: gr.Row
    update_button: gr.Button
    update_report: gr.HTML
    on_update: Callable


def build_documents_tab(
    assistant: Assistant, *, uploads: Path, policy: UploadPolicy, access: Access, rows: Callable, footer: Callable,
) -> DocumentsTab:
    """The Documents tab's components and events (call inside `gr.Tab`); the update button is
    wired by the page, since it refreshes the footer and the viewer's document list too."""
    with gr.Row(elem_classes="foi-stack"):
        doc_filter = gr.Textbox(label="Filter", placeholder="type to filter by title, path, type…", scale=3, elem_id="foi-doc-filter")
        refresh_button = gr.Button("Refresh", scale=1, min_width=90)
    table = gr.Dataframe(
        headers=render.DOCUMENT_COLUMNS, interactive=False, wrap=True, elem_id="foi-docs", max_height=420,
    )
    with gr.Row(equal_height=False, elem_classes="foi-stack") as edit_row:
        with gr.Column(min_width=280):
            upload = gr.File(
                label=f"Upload files (≤ {policy.max_bytes / 1e6:.0f} MB each)",
                file_count="multiple", elem_id="foi-upload",
            )
            gr.HTML(f'<div class="foi-note">Allowed: {render.esc(" ".join(sorted(policy.allowed_extensions)))}; '
                    "zip archives are extracted into their own folder.</div>")
            upload_status = gr.HTML(elem_id="foi-upload-status")
        with gr.Column(min_width=280):
            update_button = gr.Button("Update index", variant="primary", elem_id="foi-update")
            update_report = gr.HTML(elem_id="foi-report")

    def on_upload(files, request: gr.Request):
        access.require(request, "write")
        result = save_uploads([f if isinstance(f, str) else f.name for f in files or []], uploads, policy)
        saved = "".join(f"<li>saved <code>{render.esc(p.relative_to(uploads.resolve()))}</code></li>" for p in result.saved)
        rejected = "".join(f"<li>rejected <code>{render.esc(r.name)}</code>: {render.esc(r.reason)}</li>" for r in result.rejected)
        hint = "<p>Press “Update index” to add them.</p>" if result.saved else ""
        access.record(request, "upload", [str(p) for p in result.saved], rejected=[r.name for r in result.rejected])
        return f'<ul class="foi-upload-list">{saved}{rejected}</ul>{hint}'

    def on_update(needle, request: gr.Request, progress=gr.Progress()):
        access.require(request, "write")

        def report(stage: str, done: int, total: int) -> None:
            progress((done, max(total, 1)), desc=stage)

        uploads.mkdir(parents=True, exist_ok=True)
        try:
            outcome = assistant.ingest([uploads], progress=report).to_dict()
        except (AssistantError, IndexProblem) as exc:
            return f'<div class="foi-error">{render.esc(exc)}</div>', gr.skip(), gr.skip()
        access.record(request, "update", changed_files(outcome), added=outcome["added"],
                      updated=outcome["updated"], removed=outcome["removed"])
        return render.ingest_report(outcome, uploads), rows(needle), footer()

    doc_filter.input(rows, doc_filter, table, trigger_mode="always_last", show_progress="hidden", **PRIVATE)
    refresh_button.click(rows, doc_filter, table, **PRIVATE)
    upload.upload(on_upload, upload, upload_status, **PRIVATE)
    return DocumentsTab(doc_filter, table, edit_row, update_button, update_report, on_update)
