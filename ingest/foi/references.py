"""FOI reference numbers in the shapes real responses use, normalised.

Shapes: `FOI 1306/25`, `18201/18`, `855A/22`, `2019-01031` ("FOI request and
response 2019-01031"), `01/FOI/25/006753/Z`, `FOI-24576-25-0300-000`,
`Reference: 1406745`, WhatDoTheyKnow-era council subjects such as
`Reference – FOI / 963106` or `EIR /1067475`, `FOI/2024/0412` (every
slash-separated part kept), and regulator case numbers
(`IC-123456-A1B2`, `FS50123456`). A bare `NNNN/YY` is only a reference next
to a reference word or in a title line's parentheses: otherwise it is a
financial year (`2019/20`) or part of a date.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ingest.foi.spans import Span

_TOKEN = r"[A-Z0-9][A-Z0-9/\-]*\d[A-Z0-9/\-]*"
_SLASH_REF = r"\d{2,6}[A-Z]?/\d{2,4}(?![/\d])"


@dataclass(frozen=True)
class Reference:
    """One reference found in the text.

    Attributes:
        value: Normalised: whitespace removed, a leading "FOI " label dropped
            ("FOI 1306/25" -> "1306/25"); "FOI / 963106" -> "FOI/963106".
        holder: "authority" (our/my ref, letter heading), "requester" (your
            reference) or "regulator" (an ICO case).
        span: Where it was found.
    """

    value: str
    holder: str
    span: Span


# (pattern, holder); group 1 is the reference. Order matters: earlier wins on overlap.
_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\b(?:my|our)\s+ref(?:erence)?(?:\s+(?:no|number)\.?)?\s*[:.]?\s*(?:FOI\s+)?(" + _TOKEN + r")", re.I), "authority"),
    (re.compile(r"\byour\s+ref(?:erence)?(?:\s+(?:no|number)\.?)?\s*[:.]\s*(" + _TOKEN + r")", re.I), "requester"),
    (re.compile(r"(?<![#\w])((?:FOI|EIR)\s*/\s*\d(?:[\d\-]*\d)?(?:\s*/\s*\d+)*)\b"), "authority"),
    (re.compile(r"\bFOI\s+request\s+and\s+response\s+(\d{4}-\d{3,})\b", re.I), "authority"),
    (re.compile(r"\bFOI\s+(?:request\s+)?(?:ref(?:erence)?\s*(?:no\.?|number)?\s*[:.]?\s*)?(" + _SLASH_REF + r")", re.I), "authority"),
    (re.compile(r"\bFreedom of Information Request\s+(?:No\.?\s*)?(" + _SLASH_REF + r")", re.I), "authority"),
    (re.compile(r"^[^\n]{3,120}\((" + _SLASH_REF + r")\)[ \t]*$", re.M), "title"),
    (re.compile(r"\breference(?:\s+number)?\s*[:.]?\s*(\d{5,})\b(?!\s*(?:email|\]))", re.I), "authority"),
    (re.compile(r"\b(IC-\d{4,7}-[A-Z0-9]{4})\b"), "regulator"),
    (re.compile(r"\b(FS50\d{6})\b"), "regulator"),
]
_FOI_LABEL = re.compile(r"^FOI\s+(?=\d)", re.I)


def normalise_reference(raw: str) -> str:
    """The canonical form of a reference as written (see `Reference.value`)."""
    value = _FOI_LABEL.sub("", raw.strip())
    return re.sub(r"\s+", "", value).rstrip("/-.").upper()


def reference_key(value: str) -> str:
    """A loose key for matching a user's `--ref`: letters and digits only, no FOI/EIR label."""
    key = re.sub(r"[^A-Z0-9]", "", value.upper())
    return re.sub(r"^(?:FOI|EIR)(?=\d)", "", key)


def find_references(text: str, title: str = "") -> list[Reference]:
    """Every reference in `text`, first occurrence of each value, in text order.

    `title` is only consulted (as if it were the first line) when the text has
    none; its matches carry no span.
    """
    found: list[Reference] = []
    taken: list[tuple[int, int]] = []  # sorted, never overlapping: an overlap test needs only the neighbours
    for pattern, holder in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span(1)
            at = bisect.bisect_left(taken, (start, end))
            if any(start < e and s < end for s, e in taken[max(at - 1, 0) : at + 1]):
                continue
            if holder == "title":
                # "Predictive Policing (855A/22)": a web page's heading line, near the top only.
                if start > 300:
                    continue
                holder = "authority"
            value = normalise_reference(match.group(1))
            if not re.search(r"\d", value):
                continue
            taken.insert(at, (start, end))
            found.append(Reference(value, holder, Span.of(text, start, end)))
    found.sort(key=lambda r: r.span.start)
    seen: dict[str, Reference] = {}
    for ref in found:
        # "Reference 1769966" and "FOI / 1769966" are one reference: keep the first form.
        if reference_key(ref.value) not in seen:
            seen[reference_key(ref.value)] = ref
    return list(seen.values())


def primary_reference(references: list[Reference]) -> Reference | None:
    """The authority's own reference if any, else the first reference."""
    for ref in references:
        if ref.holder == "authority":
            return ref
    return references[0] if references else None
