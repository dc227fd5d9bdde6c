"""Cases as tables and chart data: what the UI's Cases tab and its endpoints show.

Plain rows and long-format records (one dict per bar segment), so the UI
layer only hands them to Gradio components.
"""

from __future__ import annotations

from collections import Counter

from assistant.cases import ANSWERED, Case

CASE_COLUMNS = ["status", "days overdue", "authority", "law", "title", "received", "due", "responded", "outcome", "case id"]
EVENT_COLUMNS = ["date", "event", "outcome", "part", "doc id"]
WORKING_DAY_BINS = [(0, 10), (11, 20), (21, 30), (31, 40), (41, 60), (61, None)]


def case_rows(cases: list[Case]) -> list[list]:
    """One table row per case, in the given order (most working days overdue first)."""
    return [
        [c.status, c.days_overdue, c.authority or "", c.law or "", c.title, _iso(c.received), _iso(c.due),
         _iso(c.responded), c.outcome or "", c.case_id]
        for c in cases
    ]


def event_rows(case: Case | None) -> list[list]:
    """The timeline of one case as table rows; the last column is the event's doc_id."""
    if case is None:
        return []
    return [[e.date.isoformat(), e.kind, e.outcome or "", e.record.part or e.record.path.rsplit("/", 1)[-1],
             e.record.doc_id] for e in case.events]


def outcome_mix(cases: list[Case]) -> list[dict]:
    """Answered cases per (authority, outcome): the stacked bars of the outcome mix."""
    counts = Counter((c.authority or "(unknown)", c.outcome or "unknown") for c in cases if c.status == ANSWERED)
    return [{"authority": a, "outcome": o, "cases": n} for (a, o), n in sorted(counts.items())]


def working_days_histogram(cases: list[Case]) -> list[dict]:
    """Answered cases per band of working days taken, each band marked within or past the 20-day limit."""
    counts: Counter = Counter()
    for case in cases:
        if case.status != ANSWERED or case.working_days_taken is None:
            continue
        for low, high in WORKING_DAY_BINS:
            if case.working_days_taken >= low and (high is None or case.working_days_taken <= high):
                counts[band_label(low, high)] += 1
                break
    return [{"working days": band_label(low, high), "cases": counts.get(band_label(low, high), 0),
             "deadline": "within 20 working days" if high is not None and high <= 20 else "past 20 working days"}
            for low, high in WORKING_DAY_BINS]


def lateness_by_month(cases: list[Case]) -> list[dict]:
    """Answered cases per month of response, on time or late."""
    counts: Counter = Counter()
    for case in cases:
        if case.status == ANSWERED and case.responded and case.due:
            counts[(case.responded.strftime("%Y-%m"), "late" if case.responded > case.due else "on time")] += 1
    return [{"month": m, "answer": kind, "cases": n} for (m, kind), n in sorted(counts.items())]


def band_label(low: int, high: int | None) -> str:
    """`0–10`, `61+`: a band of working days as the chart labels it."""
    return f"{low}+" if high is None else f"{low}–{high}"


def _iso(value) -> str:
    return value.isoformat() if value else ""
