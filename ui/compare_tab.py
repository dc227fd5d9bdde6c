"""The Compare tab: one row per relevant response, with the sentence that carries its answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from assistant.api import Assistant
from assistant.compare import comparison_rows, write_csv
from ui import render, results

PRIVATE = {"api_visibility": "private"}


@dataclass
class CompareTab:
    """What other tabs wire to: the table and the viewer target of each row."""

    compare_table: gr.Dataframe
    compare_targets: gr.State


def build_compare_tab(assistant: Assistant, *, has_index: Callable[[], bool], empty_index: str) -> CompareTab:
    """The Compare tab's components and events (call inside `gr.Tab`)."""
    EMPTY_INDEX = empty_index  # noqa: N806 - the name the page's other tabs use
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
    return CompareTab(compare_table=compare_table, compare_targets=compare_targets)
