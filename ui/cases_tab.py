"""The Cases tab: requests as cases, a case's timeline, and three charts; and the `cases` / `case` endpoints.

The data comes from `Assistant.cases` through `assistant.case_views`; charts are
Gradio's own `gr.BarPlot` (rendered by the bundled frontend, nothing fetched).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import gradio as gr
import pandas as pd

from assistant.api import Assistant
from assistant.case_views import (
    CASE_COLUMNS,
    EVENT_COLUMNS,
    WORKING_DAY_BINS,
    band_label,
    case_rows,
    event_rows,
    lateness_by_month,
    outcome_mix,
    working_days_histogram,
)
from assistant.cases import STATUSES
from ui.render import esc
from ui.results import for_client

PRIVATE = {"api_visibility": "private"}
ALL = "(all)"


@dataclass
class CasesTab:
    """The tab's components that other tabs' wiring needs."""

    events: gr.Dataframe
    event_ids: gr.State


def _as_of(text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise gr.Error(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_cases_tab(assistant: Assistant) -> CasesTab:
    """The Cases tab, built inside the app's `gr.Tabs`."""

    def found(as_of, status, authority, law):
        if not assistant.directory.exists():
            return []
        return assistant.cases(as_of=_as_of(as_of), status=None if status in (None, "", ALL) else status,
                               authority=(authority or "").strip() or None, law=None if law in (None, "", ALL) else law)

    with gr.Tab("Cases", id="cases"):
        with gr.Row(elem_classes="foi-stack"):
            as_of = gr.Textbox(label="As of (YYYY-MM-DD, empty: today)", scale=2, elem_id="foi-cases-asof")
            status = gr.Dropdown(label="Status", choices=[ALL, *STATUSES], value=ALL, scale=2, elem_id="foi-cases-status")
            authority = gr.Textbox(label="Authority contains", scale=2, elem_id="foi-cases-authority")
            law = gr.Dropdown(label="Law", choices=[ALL, "FOIA", "EIR", "FOISA"], value=ALL, scale=1, elem_id="foi-cases-law")
            show = gr.Button("Show cases", variant="primary", scale=1, min_width=90, elem_id="foi-cases-show")
        summary = gr.HTML(elem_id="foi-cases-summary")
        table = gr.Dataframe(headers=CASE_COLUMNS, interactive=False, wrap=True, max_height=360, elem_id="foi-cases-table")
        gr.HTML('<div class="foi-note">Select a case to see its timeline; select an event to open its document.</div>')
        case_head = gr.HTML(elem_id="foi-case-head")
        events = gr.Dataframe(headers=EVENT_COLUMNS, interactive=False, wrap=True, max_height=320, elem_id="foi-case-events")
        event_ids = gr.State([])
        with gr.Row(equal_height=False, elem_classes="foi-stack"):
            mix = gr.BarPlot(x="authority", y="cases", color="outcome", title="Outcome mix per authority (answered cases)",
                             elem_id="foi-chart-outcomes", min_width=280)
            days = gr.BarPlot(x="working days", y="cases", color="deadline", title="Working days to respond (limit: 20)",
                              color_map={"within 20 working days": "#4c78a8", "past 20 working days": "#e45756"},
                              sort=[band_label(low, high) for low, high in WORKING_DAY_BINS], elem_id="foi-chart-days",
                              min_width=280)
            late = gr.BarPlot(x="month", y="cases", color="answer", title="Answered on time or late, by month",
                              color_map={"on time": "#4c78a8", "late": "#e45756"},
                              elem_id="foi-chart-lateness", min_width=280)

        def on_show(as_of_text, chosen, who, which):
            cases = found(as_of_text, chosen, who, which)
            shown = f"{len(cases)} cases" + (f" as of {esc(cases[0].as_of.isoformat())}" if cases else "")
            return (f'<div class="foi-note">{shown}</div>', case_rows(cases), pd.DataFrame(outcome_mix(cases)),
                    pd.DataFrame(working_days_histogram(cases)), pd.DataFrame(lateness_by_month(cases)))

        def on_case(as_of_text, evt: gr.SelectData):
            case_id = (evt.row_value or [None])[-1]
            case = assistant.case(case_id, as_of=_as_of(as_of_text)) if case_id else None
            if case is None:
                return gr.skip()
            basis = case.evidence.get("due", {}).get("basis", "")
            head = (f'<div class="foi-case"><strong>{esc(case.title)}</strong> — {esc(case.status)}'
                    f'{" (" + esc(case.outcome) + ")" if case.outcome else ""}<br>'
                    f'<span class="foi-note">received {esc(case.received or "?")}, due {esc(case.due or "?")}: '
                    f'{esc(basis)}</span></div>')
            rows = event_rows(case)
            return head, rows, [row[-1] for row in rows]

        inputs = [as_of, status, authority, law]
        outputs = [summary, table, mix, days, late]
        for trigger in (show.click, as_of.submit, authority.submit):
            trigger(on_show, inputs, outputs, **PRIVATE)
        table.select(on_case, as_of, [case_head, events, event_ids], **PRIVATE)
    return CasesTab(events=events, event_ids=event_ids)


def wire_cases_tab(tab: CasesTab, open_in_viewer: Callable, viewer_outputs: list) -> None:
    """Selecting a timeline event opens its document in the Viewer tab."""

    def on_event(evt: gr.SelectData):
        doc_id = (evt.row_value or [None])[-1]
        return gr.skip() if not doc_id else open_in_viewer({"doc_id": doc_id})

    tab.events.select(on_event, None, viewer_outputs, **PRIVATE)


def register_case_endpoints(assistant: Assistant, *, require: Callable | None = None) -> None:
    """`cases` and `case` for gradio_client: the JSON of `foi cases --json` and `foi case --json`
    (events' "path" is "file_path", as in every endpoint: see `ui.results.for_client`).

    Args:
        assistant: The app's Assistant.
        require: Called as `require(request, "read")` before answering, where the app checks
            who may read the index (sign-in and roles); None when it does not.
    """

    def check(request) -> None:
        if require is not None:
            require(request, "read")

    def cases(as_of: str = "", status: str = "", authority: str = "", law: str = "",
              request: gr.Request = None) -> dict:
        """Every case as of `as_of` (YYYY-MM-DD, empty: today), filtered by status, authority (substring) and law."""
        check(request)
        found = assistant.cases(as_of=_as_of(as_of), status=status or None, authority=authority or None,
                                law=law or None) if assistant.directory.exists() else []
        return for_client({"as_of": found[0].as_of.isoformat() if found else None, "cases": [c.to_dict() for c in found]})

    def case(target: str, as_of: str = "", request: gr.Request = None) -> dict:
        """One case by case id, doc_id or file path, with its timeline."""
        check(request)
        found = assistant.case(target, as_of=_as_of(as_of)) if assistant.directory.exists() else None
        if found is None:
            raise gr.Error(f"no case matches {target!r}")
        return for_client(found.to_dict())

    for fn in (cases, case):
        gr.api(fn, api_name=fn.__name__)
