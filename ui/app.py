"""The Gradio app: Ask, Search, Compare, Documents, Cases and Viewer tabs over one Assistant.

Callbacks are thin: they call one Assistant method and hand the result to
`ui.render` (HTML), `ui.chat` (chat messages), `ui.results` (plain data)
or `ui.uploads` (files).
JSON endpoints for `gradio_client` (`ask`, `search`, `compare`,
`documents`, `document`, `update`, `remove`) live in `ui.endpoints`; the UI's own events are private.
"""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from assistant.api import Assistant
from assistant.compare import comparison_rows, write_csv
from assistant.errors import AssistantError
from assistant.facets import facet_filter
from assistant.shapes import hit_json
from assistant.streaming import ask_streaming
from index.errors import IndexProblem
from ingest.foi.outcomes import OUTCOMES
from ui import render, results, table_view
from ui.cases_tab import build_cases_tab, register_case_endpoints, wire_cases_tab
from ui.chat import answer_stream, generating_markdown, marker_target, md_escape, plain_text_answer
from ui.access import Access
from ui.access_view import admin_tab, role_view
from ui.endpoints import FACET_PASSAGES, changed_files, register_endpoints
from ui.ocr_view import with_page_image
from ui.scripts import FACET_ON_CLICK, OPEN_MARKER, OPEN_ON_CLICK, SCROLL_TO_CITED
from ui.uploads import UploadPolicy, discard_upload, save_uploads

logger = logging.getLogger(__name__)

KINDS = ["pdf", "docx", "email", "html", "txt", "md", "odt", "rtf", "image", "xlsx", "xlsm", "xls", "ods", "csv", "tsv"]
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
                search_targets = gr.State([])
                with gr.Row(elem_classes="foi-stack"):
                    query = gr.Textbox(label="Search", placeholder="words or a sentence", scale=4, elem_id="foi-query")
                    k = gr.Number(label="Results", value=assistant.settings.k, minimum=1, maximum=100, precision=0, scale=1, min_width=90)
                    search_button = gr.Button("Search", variant="primary", scale=1, min_width=90, elem_id="foi-search")
                with gr.Row(elem_classes="foi-stack"):
                    kinds = gr.CheckboxGroup(KINDS, label="File type (none = all)", elem_id="foi-kinds", scale=3)
                    folder = gr.Textbox(label="Folder or path contains", scale=2, elem_id="foi-folder")
                with gr.Row(elem_classes="foi-stack"):
                    authority = gr.Textbox(label="Authority", scale=2, elem_id="foi-authority")
                    outcome = gr.Dropdown(["", *OUTCOMES], value="", label="Outcome", scale=2, elem_id="foi-outcome")
                    exemption = gr.Textbox(label="Exemption (e.g. s.31)", scale=1, elem_id="foi-exemption")
                    after = gr.Textbox(label="From (YYYY-MM-DD)", scale=1, elem_id="foi-after")
                    before = gr.Textbox(label="To (YYYY-MM-DD)", scale=1, elem_id="foi-before")
                with gr.Row(equal_height=False, elem_classes="foi-stack"):
                    with gr.Column(scale=3, min_width=280):
                        hits_html = gr.HTML(elem_id="foi-hits", js_on_load=OPEN_ON_CLICK)
                    with gr.Column(scale=1, min_width=220):
                        facets_html = gr.HTML(elem_id="foi-facets", js_on_load=FACET_ON_CLICK)
                        csv_file = gr.File(label="CSV", interactive=False, elem_id="foi-csv")
                        json_file = gr.File(label="JSON", interactive=False, elem_id="foi-json")

                def run_search(text, count, chosen_kinds, folder_text, foi):
                    """Cards, exports, viewer targets and facet counts for one search."""
                    if not has_index():
                        return EMPTY_INDEX, None, None, [], ""
                    pairs = searched(text, count or assistant.settings.k, chosen_kinds, folder_text or "", foi)
                    hits = [h for h, _ in pairs]
                    others, extra = others_of(hits, len(hits))
                    html = render.search_results(hits, [c for _, c in pairs], text, others)
                    csv_path, json_path = results.write_exports([hit_json(h, c) for h, c in pairs], text)
                    targets = [{"doc_id": h.doc_id, "start": h.start, "end": h.end} for h in hits] + extra
                    counts = assistant.facets(
                        text, k=FACET_PASSAGES, kinds=chosen_kinds or (), path_contains=folder_text or "", **foi
                    )
                    active = {"authority": foi["authority"], "outcome": foi["outcome"], "exemption": foi["exemption"]}
                    year = foi["after"][:4]
                    if (foi["after"], foi["before"]) == (f"{year}-01-01", f"{year}-12-31"):
                        active["year"] = year
                    return html, str(csv_path), str(json_path), targets, render.facet_list(counts, FACET_PASSAGES, active)

                def on_search(text, count, chosen_kinds, folder_text, who, result, code, since, until):
                    text = (text or "").strip()
                    if not text:
                        return gr.skip()
                    foi = results.foi_filters(who, result, code, since, until)
                    return run_search(text, count, chosen_kinds, folder_text, foi)

                def on_facet(text, count, chosen_kinds, folder_text, who, result, code, since, until, evt: gr.EventData):
                    """Apply a clicked facet value as a filter (into its field) and search again;
                    clicking the value already applied removes that filter."""
                    text = (text or "").strip()
                    try:
                        applied = facet_filter(str(getattr(evt, "facet", "")), str(getattr(evt, "facet_value", "")))
                    except ValueError:
                        return gr.skip()
                    foi = results.foi_filters(who, result, code, since, until)
                    if all(foi[name] == value for name, value in applied.items()):
                        applied = dict.fromkeys(applied, "")
                    foi.update(applied)
                    if not text or foi["outcome"] not in ("", *OUTCOMES):
                        return gr.skip()
                    fields = (foi["authority"], foi["outcome"], foi["exemption"], foi["after"], foi["before"])
                    return *fields, *run_search(text, count, chosen_kinds, folder_text, foi)

                search_inputs = [query, k, kinds, folder, authority, outcome, exemption, after, before]
                search_outputs = [hits_html, csv_file, json_file, search_targets, facets_html]
                for trigger in (query.submit, search_button.click):
                    trigger(on_search, search_inputs, search_outputs, **PRIVATE)
                facets_html.click(on_facet, search_inputs, [authority, outcome, exemption, after, before, *search_outputs], **PRIVATE)

            # Compare -----------------------------------------------------------
            with gr.Tab("Compare", id="compare"):
                compare_targets = gr.State([])
                with gr.Row(elem_classes="foi-stack"):
                    topic = gr.Textbox(
                        label="Compare responses about", placeholder="e.g. facial recognition", scale=4, elem_id="foi-topic",
                    )
                    limit = gr.Number(label="Responses", value=20, minimum=1, maximum=200, precision=0, scale=1, min_width=90)
                    compare_button = gr.Button("Compare", variant="primary", scale=1, min_width=90, elem_id="foi-compare")
                compare_status = gr.HTML(elem_id="foi-compare-status")
                compare_table = gr.Dataframe(
                    headers=render.COMPARE_COLUMNS, interactive=False, wrap=True, elem_id="foi-compare-table", max_height=480,
                    column_widths=render.COMPARE_WIDTHS,
                )
                compare_csv = gr.File(label="CSV", interactive=False, elem_id="foi-compare-csv")

                def on_compare(text, count):
                    text = (text or "").strip()
                    if not text:
                        return gr.skip()
                    if not has_index():
                        return EMPTY_INDEX, [], None, []
                    found = comparison_rows(assistant, text, limit=int(count or 20))
                    table = render.compare_rows(found)
                    csv_path = results.export_stem("compare", text).with_suffix(".csv")
                    write_csv(found, csv_path)
                    targets = [{"row": row, "doc_id": r.doc_id, "start": r.start, "end": r.end} for row, r in zip(table, found)]
                    note = (f'<div class="foi-note">{len(found)} responses; select a row to open the document at its sentence.</div>'
                            if found else '<div class="foi-empty">Nothing relevant found.</div>')
                    return note, table, str(csv_path), targets

                for trigger in (topic.submit, compare_button.click):
                    trigger(on_compare, [topic, limit], [compare_status, compare_table, compare_csv, compare_targets], **PRIVATE)

            # Documents ---------------------------------------------------------
            with gr.Tab("Documents", id="documents"):
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

            cases_tab = build_cases_tab(assistant)

            # Viewer ------------------------------------------------------------
            with gr.Tab("Viewer", id="viewer"):
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

            # Audit and users (admins only) -------------------------------------------
            audit_tab, audit_html = admin_tab(access, PRIVATE)

        signed_in = gr.HTML(elem_id="foi-user")
        footer_html = gr.HTML(elem_id="foi-footer")

        # Wiring that crosses tabs ---------------------------------------------------
        viewer_outputs = [tabs, viewer, metadata, download, doc_pick, confirm_remove, remove_status]
        cards.click(open_card, ask_targets, viewer_outputs, **PRIVATE).then(None, js=SCROLL_TO_CITED)
        hits_html.click(open_card, search_targets, viewer_outputs, **PRIVATE).then(None, js=SCROLL_TO_CITED)
        doc_pick.input(
            lambda doc_id: (*view(doc_id), False, ""), doc_pick, [viewer, metadata, download, confirm_remove, remove_status],
            **PRIVATE,
        )
        remove_button.click(
            on_remove, [doc_pick, confirm_remove, doc_filter],
            [remove_status, viewer, metadata, download, doc_pick, confirm_remove, table, footer_html], **PRIVATE,
        )

        def on_row(evt: gr.SelectData):
            return open_in_viewer({"doc_id": (evt.row_value or [None])[-1]})

        table.select(on_row, None, viewer_outputs, **PRIVATE)
        wire_cases_tab(cases_tab, open_in_viewer, viewer_outputs)

        def on_compare_row(targets: list[dict], evt: gr.SelectData):
            # Match the row's cells, not its position: the table may have been sorted.
            target = next((t for t in targets or [] if t["row"] == evt.row_value), None)
            return gr.skip() if target is None else open_in_viewer(target)

        compare_table.select(on_compare_row, compare_targets, viewer_outputs, **PRIVATE).then(None, js=SCROLL_TO_CITED)
        update_button.click(on_update, doc_filter, [update_report, table, footer_html], **PRIVATE).then(
            lambda: gr.Dropdown(choices=document_choices()), None, doc_pick, **PRIVATE
        )
        demo.load(
            lambda: (footer(), rows(), gr.Dropdown(choices=document_choices())), None, [footer_html, table, doc_pick], **PRIVATE
        )

        def on_load_role(request: gr.Request):
            return role_view(access, request)

        demo.load(on_load_role, None, [signed_in, edit_row, remove_box, audit_tab, audit_html], **PRIVATE)

        register_endpoints(assistant, uploads, searched=searched, rows=rows, remove_document=remove_document, access=access)
        register_case_endpoints(assistant, require=access.require)
    return demo
