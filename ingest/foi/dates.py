"""Dates of a request's life: received, due, responded, and the document's own date.

Formats: `15/09/2025`, `19/03/18`, `13th October 2025`, `15 October 2025`,
`July 12, 2023`, and the email header (`Tue, 6 Nov 2018 15:34:05 +0000`).
Values are ISO dates (YYYY-MM-DD); day-first numeric dates, as UK authorities write them.
"""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

from ingest.foi.spans import Span

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
DATE = (
    r"(?:\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+\d{4}"
    r"|" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})(?!\d))"
)
_RECEIVED = re.compile(r"\breceived\b(?:[^.\n]{0,60}?)?\s(?:on\s+)?(" + DATE + r")", re.I)
_DUE = re.compile(
    r"(?:respond|response|reply)[^.]{0,80}?\bby\s+(" + DATE + r")|\bdue\s+(?:date|by|on)?\s*:?\s*(" + DATE + r")", re.I
)
_DATE_LINE = re.compile(r"^[ \t]*Date\s*:\s*(?:[A-Z][a-z]{2},\s*)?(" + DATE + r")", re.M | re.I)
_DATE_ALONE = re.compile(r"^[ \t]*(" + DATE + r")[ \t]*$", re.M)
_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def parse_date(text: str) -> date | None:
    """A date written in one of the supported formats, or None."""
    text = text.strip()
    numeric = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", text)
    try:
        if numeric:
            day, month, year = (int(g) for g in numeric.groups())
            year += 2000 if year < 100 else 0
            return date(year, month, day)
        words = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})", text)
        if words:
            return date(int(words.group(3)), MONTHS.index(words.group(2)[:3].lower()) + 1, int(words.group(1)))
        american = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", text)
        if american:
            return date(int(american.group(3)), MONTHS.index(american.group(1)[:3].lower()) + 1, int(american.group(2)))
    except ValueError:
        return None
    return None


def header_date(value: str | None) -> date | None:
    """The date of an email Date header."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None


def display(value: date) -> str:
    """`6 Nov 2018`, the citation form."""
    return f"{value.day} {_SHORT[value.month - 1]} {value.year}"


def find_dates(text: str, own_end: int, head_chars: int = 3000) -> dict[str, tuple[date, Span]]:
    """received / due / letter dates stated in the document's own text, with spans."""
    found: dict[str, tuple[date, Span]] = {}
    for key, pattern in (("received", _RECEIVED), ("due", _DUE)):
        for match in pattern.finditer(text, 0, own_end):
            group = 1 if match.group(1) else 2
            parsed = parse_date(match.group(group))
            if parsed:
                found[key] = (parsed, Span.of(text, *match.span(group)))
                break
    head_end = min(own_end, head_chars)
    # A letter's own date: a "Date:" line or a date alone on its line near the top.
    for pattern in (_DATE_LINE, _DATE_ALONE):
        match = pattern.search(text, 0, head_end)
        if match:
            parsed = parse_date(match.group(1))
            if parsed:
                found["letter"] = (parsed, Span.of(text, *match.span(1)))
                break
    return found
