"""Match a document's FOI metadata against user filters (authority, ref, exemption, ...)."""

from __future__ import annotations

import re

from ingest.foi.references import reference_key


def _norm_exemption(code: str) -> str:
    """`section 40(2)`, `s40(2)`, `S.40 (2)` -> `s.40(2)`; `regulation 12(4)(b)` -> `reg 12(4)(b)`."""
    code = re.sub(r"\s+", "", code.strip().lower())
    code = re.sub(r"^(?:section|sec\.?|s\.?)(?=\d)", "s.", code)
    code = re.sub(r"^(?:regulation|reg\.?)(?=\d)", "reg ", code)
    return code


def foi_matches(
    metadata: dict,
    *,
    authority: str = "",
    reference: str = "",
    exemption: str = "",
    outcome: str = "",
    after: str = "",
    before: str = "",
    law: str = "",
) -> bool:
    """True when `metadata` (a stored document's) satisfies every non-empty filter.

    authority: case-insensitive substring; reference: letters and digits equal
    (`FOI 18201/18` finds `18201/18`); exemption: an *applied* exemption equal to
    it or more specific (`s.40` finds `s.40(2)`); outcome: the document's or its
    thread's outcome; after/before: ISO dates, inclusive, against the response
    (else document) date; law: FOIA, EIR, FOISA or US FOIA.
    """
    foi = metadata.get("foi") if isinstance(metadata.get("foi"), dict) else {}
    if authority:
        name = str(metadata.get("authority") or foi.get("authority") or "")
        if authority.strip().lower() not in name.lower():
            return False
    if reference:
        wanted = reference_key(reference)
        if wanted not in {reference_key(r) for r in foi.get("references") or []}:
            return False
    if exemption:
        wanted = _norm_exemption(exemption)
        applied = [e.get("code", "").lower() for e in foi.get("exemptions") or [] if e.get("applied")]
        if not any(code == wanted or code.startswith(wanted + "(") for code in applied):
            return False
    if outcome:
        wanted = outcome.strip().lower()
        if wanted not in {str(foi.get("outcome") or "").lower(), str(foi.get("thread_outcome") or "").lower()}:
            return False
    if after or before:
        dates = foi.get("dates") or {}
        when = dates.get("responded") or dates.get("date")
        if not when or (after and when < after) or (before and when > before):
            return False
    if law and str(foi.get("law") or "").lower() != law.strip().lower():
        return False
    return True
