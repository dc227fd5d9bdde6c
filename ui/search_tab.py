"""The Search tab: cited-snippet look-up with file-type, folder and FOI filters, facets and exports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from assistant.api import Assistant
from assistant.facets import facet_filter
from assistant.shapes import hit_json
from ingest.foi.outcomes import OUTCOMES
from ui import render, results
from ui.endpoints import FACET_PASSAGES
from ui.scripts import FACET_ON_CLICK, OPEN_ON_CLICK

KINDS = ["pdf", "docx", "email", "html", "txt", "md", "odt", "rtf", "image", "xlsx", "xlsm", "xls", "ods", "csv", "tsv"]
PRIVATE = {"api_visibility": "private"}


@dataclass
class SearchTab:
    """What other tabs wire to: the result cards and the viewer target of each."""

    hits_html: gr.HTML
    search_targets: gr.State


def build_search_tab(
    assistant: Assistant, *, has_index: Callable[[], bool], searched: Callable, others_of: Callable, empty_index: str,
) -> SearchTab:
    """The Search tab's components and events (call inside `gr.Tab`).

    Args:
        assistant: The opened Assistant.
        has_index: Whether the index exists yet.
        searched: (query, k, kinds, folder, foi) -> [(hit, citation line)].
        others_of: (hits, first target index) -> (other documents per hit, their viewer targets).
        empty_index: The HTML shown while there is no index.
    """
    EMPTY_INDEX = empty_index  # noqa: N806 - the name the page's other tabs use
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
    return SearchTab(hits_html=hits_html, search_targets=search_targets)
