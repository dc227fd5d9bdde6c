"""Light, rule-based FOI fields for citations: authority, reference and date.

Only the first part of a document is read: letterheads, subject lines and
"Our ref:" lines sit at the top. Every rule is exact and explainable; a field
that no rule finds is simply absent.
"""

from __future__ import annotations

import re
from collections import Counter
from email.utils import parsedate_to_datetime

from ingest.documents import Document

HEAD_CHARS = 3000

_REFERENCE_PATTERNS = [
    # "My Reference: FOI 1306/25", "Our ref: 01/FOI/25/006753/Z", "Reference: 1406745"
    re.compile(r"\b(?:my|our)\s+ref(?:erence)?(?:\s+(?:no|number)\.?)?\s*[:.]?\s*([A-Z0-9][A-Z0-9/\-]*\d[A-Z0-9/\-]*)", re.I),
    re.compile(r"\bFOI\s+(?:request\s+)?(?:ref(?:erence)?\s*[:.]?\s*)?(\d{2,}[A-Z]?/\d{2,4})\b", re.I),
    re.compile(r"\bFOI\s+request\s+and\s+response\s+(\d{4}-\d{3,})\b", re.I),
    re.compile(r"\bFreedom of Information Request\s+(?:No\.?\s*)?(\d{2,}[A-Z]?/\d{2,4})\b", re.I),
    re.compile(r"^[^\n]{3,120}\((\d{2,}[A-Za-z]?/\d{2,4})\)", re.M),
    re.compile(r"\b(?:your\s+)?ref(?:erence)?(?:\s+(?:no|number)\.?)?\s*[:.]\s*([A-Z0-9][A-Z0-9/\-]*\d[A-Z0-9/\-]*)", re.I),
]

_AUTHORITY = re.compile(
    r"\b((?:[A-Z][a-z]+\s){1,3}(?:Police(?: and Crime Commissioner)?|Constabulary|City Council|County Council|"
    r"Borough Council|District Council|Council|NHS (?:Foundation )?Trust))\b"
)
_AUTHORITY_CAPS = re.compile(r"^\s*([A-Z]{3,}(?: [A-Z]{3,}){0,2} (?:POLICE|CONSTABULARY|COUNCIL))\s*$", re.M)
_DATE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{4})\b"
)
_DATE_LINE = re.compile(r"^\s*Date\s*:\s*(.+)$", re.M | re.I)
_DATE_ALONE = re.compile(
    r"^[ \t]*\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\.?\s+\d{4}[ \t]*$", re.M
)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def extract_fields(document: Document) -> dict[str, str]:
    """Authority, reference and display date found in `document`, as metadata strings."""
    head = document.text[:HEAD_CHARS]
    fields: dict[str, str] = {}
    authority = _authority(document, head)
    if authority:
        fields["authority"] = authority
    reference = _reference(document.title + "\n" + head)
    if reference:
        fields["reference"] = reference
    date = _display_date(document, head)
    if date:
        fields["date_display"] = date
    return fields


def _reference(text: str) -> str | None:
    for pattern in _REFERENCE_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(1).rstrip("/-.")
    return None


def _authority(document: Document, head: str) -> str | None:
    sender = document.metadata.get("from", "")
    name = sender.split("<")[0].strip().strip('"')
    if name and _AUTHORITY.fullmatch(name):
        return name
    caps = _AUTHORITY_CAPS.search(head)
    if caps:
        return caps.group(1).title()
    found = Counter(m.group(1).strip() for m in _AUTHORITY.finditer(head))
    if found:
        return found.most_common(1)[0][0]
    return None


def _display_date(document: Document, head: str) -> str | None:
    header = document.metadata.get("date")
    if header:
        try:
            parsed = parsedate_to_datetime(header)
            return f"{parsed.day} {_MONTHS[parsed.month - 1]} {parsed.year}"
        except (TypeError, ValueError, IndexError):
            pass
    # Only a "Date:" line or a date standing alone on its line (a letter's date):
    # dates inside the request text are about the subject, not the document.
    line = _DATE_LINE.search(head)
    candidates = [line.group(1)] if line else []
    candidates += [m.group(0) for m in _DATE_ALONE.finditer(head)][:1]
    for text in candidates:
        match = _DATE.search(text)
        if match:
            return f"{int(match.group(1))} {match.group(2)[:3]} {match.group(3)}"
        numeric = _NUMERIC_DATE.search(text)
        if numeric and 1 <= int(numeric.group(2)) <= 12:
            return f"{int(numeric.group(1))} {_MONTHS[int(numeric.group(2)) - 1]} {numeric.group(3)}"
    return None
