"""The Viewer tab: one document's text with the cited passage highlighted, its metadata, the
original for download, and (for editors) its removal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from ui import render
from ui.access import Access

PRIVATE = {"api_visibility": "private"}


@dataclass
class ViewerTab:
    """What other tabs wire to."""

    doc_pick: gr.Dropdown
    viewer: gr.HTML
    metadata: gr.HTML
    download: gr.DownloadButton
    remove_box: gr.Group
    confirm_remove: gr.Checkbox
    remove_button: gr.Button
    remove_status: gr.HTML
    on_remove: Callable


def build_viewer_tab(
    *, access: Access, remove_document: Callable, document_choices: Callable, rows: Callable, footer: Callable,
) -> ViewerTab:
    """The Viewer tab's components and its own events (call inside `gr.Tab`)."""
    doc_pick = gr.Dropdown(label="Document", choices=[], elem_id="foi-doc-pick")
    with gr.Row(equal_height=False, elem_classes="foi-stack"):
        with gr.Column(scale=3, min_width=280):
            viewer = gr.HTML(elem_id="foi-viewer")
        with gr.Column(scale=1, min_width=240):
            metadata = gr.HTML(elem_id="foi-meta")
            download = gr.DownloadButton(
                "Download original", visible=False, size="sm", variant="secondary", elem_id="foi-download",
            )
            with gr.Group(elem_id="foi-remove-box") as remove_box:
                confirm_remove = gr.Checkbox(
                    label="I understand: this removes the document from the index and deletes its uploaded copy",
                    value=False, elem_id="foi-remove-confirm",
                )
                remove_button = gr.Button(
                    "Remove from index", variant="stop", size="sm", interactive=False, elem_id="foi-remove",
                )
            remove_status = gr.HTML(elem_id="foi-remove-status")

    def on_remove(doc_id, confirmed, needle, request: gr.Request):
        access.require(request, "write")
        if not (doc_id and confirmed):
            return gr.skip()
        title, report, discarded = remove_document(doc_id)
        access.record(request, "remove", [doc_id], title=title, deleted_upload=discarded)
        return (
            render.remove_report(title, report, discarded), '<div class="foi-empty">Choose a document.</div>', "",
            gr.DownloadButton(value=None, visible=False), gr.Dropdown(choices=document_choices(), value=None), False, rows(needle), footer(),
        )

    confirm_remove.change(lambda ok: gr.Button(interactive=bool(ok)), confirm_remove, remove_button, **PRIVATE)
    return ViewerTab(doc_pick, viewer, metadata, download, remove_box, confirm_remove, remove_button, remove_status, on_remove)
