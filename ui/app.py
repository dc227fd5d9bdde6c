"""The Gradio app: Ask, Search, Compare, Documents, Cases and Viewer tabs over one Assistant.

Search (`ui.search_tab`), Compare (`ui.compare_tab`), Documents (`ui.documents_tab`), Cases
(`ui.cases_tab`), Viewer (`ui.viewer_tab`) and the admins' Audit tab (`ui.access_view`) are built by
modules of their own; this one builds the Ask tab, the helpers the tabs share and the wiring between
tabs. Callbacks are thin: they call one Assistant method and hand the result to
`ui.render` (HTML), `ui.chat` (chat messages), `ui.results` (plain data) or `ui.uploads` (files).
JSON endpoints for `gradio_client` (`ask`, `search`, `compare`,
`documents`, `document`, `update`, `remove`) live in `ui.endpoints`; the UI's own events are private.
"""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.streaming import ask_streaming
from index.errors import IndexProblem
from ui import render, results, table_view
from ui.access import Access
from ui.access_view import admin_tab, role_view
from ui.cases_tab import build_cases_tab, register_case_endpoints, wire_cases_tab
from ui.chat import answer_stream, generating_markdown, marker_target, md_escape, plain_text_answer
from ui.compare_tab import build_compare_tab
from ui.documents_tab import build_documents_tab
from ui.endpoints import register_endpoints
from ui.ocr_view import with_page_image
from ui.scripts import OPEN_MARKER, OPEN_ON_CLICK, SCROLL_TO_CITED
from ui.search_tab import build_search_tab
from ui.uploads import UploadPolicy, discard_upload
from ui.viewer_tab import build_viewer_tab

logger = logging.getLogger(__name__)

EMPTY_INDEX = '<div class="foi-empty">The index is empty: upload documents in the Documents tab, then press “Update index”.</div>'
PRIVATE = {"api_visibility": "private"}
# The Ask box's example: the demo index (`foi demo`) answers it with the body-worn-video figure
# (tests/test_demo_answers.py keeps it so).
DEMO_QUESTION = "How many body worn video cameras does the force hold?"


def build_app(
    assistant: Assistant, *, uploads_dir: str | Path | None = None, policy: UploadPolicy | None = None,
    access: Access | None = None,
) -> gr.Blocks:
    """Build the Blocks app for `assistant`.

    Args:
        assistant: The opened Assistant (its index may not exist yet).
        uploads_dir: Where uploads are saved; default `settings.effective_uploads_dir`.
        policy: Allowed upload extensions and sizes; default from the settings'
            `upload_extensions` and `max_upload_mb`.
        access: Sign-in and roles; default: accounts in the index directory, if any.

    Returns:
        The unlaunched Blocks; launch it with `ui.serve.serve` for the offline theme.
    """
    uploads = Path(uploads_dir or assistant.settings.effective_uploads_dir)
    policy = policy or UploadPolicy.from_settings(assistant.settings)
    access = access or Access(assistant.settings.index_dir)

    def has_index() -> bool:
        return assistant.directory.exists()

    # Shared helpers -----------------------------------------------------------
    def footer() -> str:
        return render.stats_line(assistant.stats()) if has_index() else '<div class="foi-footer">No index yet.</div>'

    def document_choices() -> list[tuple[str, str]]:
        if not has_index():
            return []
        return [(f"{d.title} — {Path(d.location.path).name}", d.doc_id) for d in assistant.documents()]

    def view(doc_id: str | None, start: int | None = None, end: int | None = None):
        """The viewer's text, metadata and download button for one document."""
        document = assistant.document(doc_id) if doc_id and has_index() else None
        if document is None:
            return '<div class="foi-empty">Choose a document.</div>', "", gr.DownloadButton(value=None, visible=False)
        meta = render.document_metadata(document)
        cited_rows = assistant.table_rows(doc_id, start, end) if start is not None and end is not None else []
        text = with_page_image(
            document, start, table_view.cited_rows_table(document.text, cited_rows) + render.document_view(document, start, end)
        )
        original = results.original_copy(document)
        if original is None:
            return text, meta + render.ORIGINAL_NOT_AVAILABLE, gr.DownloadButton(value=None, visible=False)
        button = gr.DownloadButton(f"Download original ({original.name})", value=str(original), visible=True)
        return text, meta, button

    def open_in_viewer(target: dict | None):
        target = target or {}
        text, meta, download = view(target.get("doc_id"), target.get("start"), target.get("end"))
        choices = gr.Dropdown(choices=document_choices(), value=target.get("doc_id"))
        # A removal is confirmed afresh for every document opened.
        return gr.Tabs(selected="viewer"), text, meta, download, choices, False, ""

    def open_card(targets: list[dict], evt: gr.EventData):
        """Open a card's target ({open: i}) or a chat marker's passage ({marker: href})."""
        target = marker_target(getattr(evt, "marker", None))
        if target is None:
            index = getattr(evt, "open", None)
            if not isinstance(index, int) or not 0 <= index < len(targets or []):
                return gr.skip()
            target = targets[index]
        return open_in_viewer(target)

    def searched(query: str, k: int, kinds: list[str] | None, folder: str, foi: dict | None = None):
        hits = assistant.search(query, k=int(k), kinds=kinds or (), path_contains=folder or "", **(foi or {})).hits
        return [(hit, assistant.citation(hit)) for hit in hits]

    def others_of(hits, first: int) -> tuple[list[list[tuple]], list[dict]]:
        """The other documents carrying each hit's passage, each with the index of its viewer
        target; and those targets, numbered from `first` (after the hits' own)."""
        per_hit, targets = [], []
        for hit in hits:
            found = []
            for doc_id in hit.also_in_ids:
                document = assistant.document(doc_id)
                if document is not None:
                    found.append((document, first + len(targets)))
                    targets.append(results.passage_target(document, hit.text))
            per_hit.append(found)
        return per_hit, targets

    def rows(needle: str = ""):
        if not has_index():
            return []
        return render.document_rows(assistant.documents(), needle, assistant.chunk_counts())

    def remove_document(doc_id: str) -> tuple[str, dict, bool]:
        """Remove one document; delete its uploaded copy (if no other document uses the file)
        so that the next "Update index" does not add it back. Returns (title, report, discarded)."""
        found = assistant.document(doc_id) if doc_id and has_index() else None
        if found is None:
            raise gr.Error(f"no document with id {doc_id!r}")
        report = assistant.remove([doc_id]).to_dict()
        still_used = {loc.path for d in assistant.documents() for loc in d.locations}
        discarded = False
        for path in {loc.path for loc in found.locations} - still_used:
            discarded = discard_upload(path, uploads) or discarded
        return found.title, report, discarded

    with gr.Blocks(title="FOI Assistant", analytics_enabled=False) as demo:
        gr.HTML('<div class="foi-header"><strong>FOI Assistant</strong> — search and cite Freedom of Information documents</div>')
        # Five tabs do not fit a phone's width: wrap them rather than hide some in a menu.
        with gr.Tabs(overflow_behavior="wrap") as tabs:
            # Ask ---------------------------------------------------------------
            with gr.Tab("Ask", id="ask"):
                previous = gr.State(None)
                ask_targets = gr.State([])
                with gr.Row(equal_height=False, elem_classes="foi-stack"):
                    with gr.Column(scale=3, min_width=280):
                        # No per-message copy button: it would copy the markers' link markup;
                        # "Copy as plain text" gives the answer with plain [n] markers.
                        chat = gr.Chatbot(
                            label="Answers", height=460, elem_id="foi-chat", latex_delimiters=[],
                            buttons=[], feedback_options=None, sanitize_html=True,
                        )
                        with gr.Row(elem_classes="foi-ask-row"):
                            question = gr.Textbox(
                                label="Question", placeholder=f"e.g. {DEMO_QUESTION}",
                                scale=5, elem_id="foi-question", autofocus=True,
                            )
                            ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="foi-ask")
                        clear_button = gr.Button("New conversation", size="sm")
                    with gr.Column(scale=2, min_width=280):
                        cards = gr.HTML(label="Citations", elem_id="foi-citations", js_on_load=OPEN_ON_CLICK + OPEN_MARKER)
                        plain = gr.Textbox(label="Copy as plain text", lines=6, buttons=["copy"], elem_id="foi-plain")

                def on_ask(text, history, last):
                    """Stream the answer: a placeholder at once, then one cited sentence at a time, then the cards."""
                    text = (text or "").strip()
                    if not text:
                        yield gr.skip()
                        return
                    if not has_index():
                        gr.Warning("The index is empty: upload documents first.")
                        yield gr.skip()
                        return
                    asked = (history or []) + [{"role": "user", "content": md_escape(text)}]
                    keep = (gr.skip(),) * 4
                    yield "", asked + [{"role": "assistant", "content": "*Searching the documents…*"}], "", "", [], gr.skip()
                    # The answer's question is the one retrieved with: a short follow-up
                    # carries the previous question, and the next follow-up carries it on.
                    try:
                        for answer in ask_streaming(assistant, text, previous=last):
                            if isinstance(answer, str):  # a generative answer as the model writes it
                                writing = {"role": "assistant", "content": generating_markdown(answer)}
                                yield gr.skip(), asked + [writing], *keep
                    except (AssistantError, IndexProblem) as exc:
                        yield gr.skip(), asked + [{"role": "assistant", "content": md_escape(str(exc))}], *keep
                        return
                    read_as = answer.question if answer.question != text else None
                    for message in answer_stream(answer, read_as=read_as):
                        yield gr.skip(), asked + [{"role": "assistant", "content": message}], *keep
                    history = asked + [{"role": "assistant", "content": message}]
                    if answer.abstained:
                        others, extra = others_of(answer.passages, len(answer.passages))
                        html = render.citation_cards(answer, [assistant.citation(h) for h in answer.passages], others)
                        targets = [{"doc_id": h.doc_id, "start": h.start, "end": h.end} for h in answer.passages] + extra
                    else:
                        html = render.citation_cards(answer)
                        targets = [{"doc_id": c.doc_id, "start": c.start, "end": c.end} for c in answer.citations]
                    yield "", history, html, plain_text_answer(answer), targets, answer.question

                ask_outputs = [question, chat, cards, plain, ask_targets, previous]
                # Reachable by gradio_client as "ask_stream" (undocumented) so that the
                # benchmark can time the first streamed message; "ask" is the JSON endpoint.
                question.submit(on_ask, [question, chat, previous], ask_outputs, api_name="ask_stream",
                                api_visibility="undocumented")
                ask_button.click(on_ask, [question, chat, previous], ask_outputs, **PRIVATE)
                clear_button.click(lambda: ("", [], "", "", [], None), None, ask_outputs, **PRIVATE)

            # Search ------------------------------------------------------------
            with gr.Tab("Search", id="search"):
                search_tab = build_search_tab(
                    assistant, has_index=has_index, searched=searched, others_of=others_of, empty_index=EMPTY_INDEX
                )

            # Compare -----------------------------------------------------------
            with gr.Tab("Compare", id="compare"):
                compare_tab = build_compare_tab(assistant, has_index=has_index, empty_index=EMPTY_INDEX)

            # Documents ---------------------------------------------------------
            with gr.Tab("Documents", id="documents"):
                documents_tab = build_documents_tab(
                    assistant, uploads=uploads, policy=policy, access=access, rows=rows, footer=footer
                )

            cases_tab = build_cases_tab(assistant)

            # Viewer ------------------------------------------------------------
            with gr.Tab("Viewer", id="viewer"):
                viewer_tab = build_viewer_tab(
                    access=access, remove_document=remove_document, document_choices=document_choices, rows=rows,
                    footer=footer,
                )

            # Audit and users (admins only) -------------------------------------------
            audit_tab, audit_html = admin_tab(access, PRIVATE)

        signed_in = gr.HTML(elem_id="foi-user")
        footer_html = gr.HTML(elem_id="foi-footer")

        # Wiring that crosses tabs ---------------------------------------------------
        v = viewer_tab
        viewer_outputs = [tabs, v.viewer, v.metadata, v.download, v.doc_pick, v.confirm_remove, v.remove_status]
        cards.click(open_card, ask_targets, viewer_outputs, **PRIVATE).then(None, js=SCROLL_TO_CITED)
        search_tab.hits_html.click(open_card, search_tab.search_targets, viewer_outputs, **PRIVATE).then(None, js=SCROLL_TO_CITED)
        v.doc_pick.input(
            lambda doc_id: (*view(doc_id), False, ""), v.doc_pick, [v.viewer, v.metadata, v.download, v.confirm_remove, v.remove_status],
            **PRIVATE,
        )
        v.remove_button.click(
            v.on_remove, [v.doc_pick, v.confirm_remove, documents_tab.doc_filter],
            [v.remove_status, v.viewer, v.metadata, v.download, v.doc_pick, v.confirm_remove, documents_tab.table, footer_html],
            **PRIVATE,
        )

        def on_row(evt: gr.SelectData):
            return open_in_viewer({"doc_id": (evt.row_value or [None])[-1]})

        documents_tab.table.select(on_row, None, viewer_outputs, **PRIVATE)
        wire_cases_tab(cases_tab, open_in_viewer, viewer_outputs)

        def on_compare_row(targets: list[dict], evt: gr.SelectData):
            # Match the row's cells, not its position: the table may have been sorted.
            target = next((t for t in targets or [] if t["row"] == evt.row_value), None)
            return gr.skip() if target is None else open_in_viewer(target)

        compare_tab.compare_table.select(on_compare_row, compare_tab.compare_targets, viewer_outputs, **PRIVATE).then(None, js=SCROLL_TO_CITED)
        d = documents_tab
        d.update_button.click(d.on_update, d.doc_filter, [d.update_report, d.table, footer_html], **PRIVATE).then(
            lambda: gr.Dropdown(choices=document_choices()), None, v.doc_pick, **PRIVATE
        )
        demo.load(
            lambda: (footer(), rows(), gr.Dropdown(choices=document_choices())), None, [footer_html, d.table, v.doc_pick], **PRIVATE
        )

        def on_load_role(request: gr.Request):
            return role_view(access, request)

        demo.load(on_load_role, None, [signed_in, d.edit_row, v.remove_box, audit_tab, audit_html], **PRIVATE)

        register_endpoints(assistant, uploads, searched=searched, rows=rows, remove_document=remove_document, access=access)
        register_case_endpoints(assistant, require=access.require)
    return demo
