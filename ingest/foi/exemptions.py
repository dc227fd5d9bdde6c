"""Exemptions and exceptions cited in a response, normalised, applied or merely mentioned.

Normal forms: UK FOIA / FOISA `s.31(3)`, `s.40(2)`, `s.12`; EIR `reg 12(4)(b)`,
`reg 13`; US FOIA `(b)(5)`, `(b)(7)(C)`. Only provisions that withhold
information count: FOIA ss.12, 14 and 21-44 (not s.1, s.10, s.16, s.17 ...),
EIR regs 12(3)-12(5) and 13, US (b)(1)-(b)(9).

A citation is *applied* when the authority's own words around it rely on it
("exempt from disclosure under", "by virtue of", "we are applying",
"neither confirm nor deny", a list after "the following exemptions"); it is
*mentioned* in the request, in quoted correspondence, or in generic text
("Section 17 of the Act requires ... states the exemption in question").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.foi.spans import Span, sentence_bounds

_SUB = r"(?:\s*\(\s*[0-9]{1,2}[A-Z]?\s*\)|\s*\(\s*[a-z]{1,3}\s*\))*"

_FOIA = re.compile(
    r"\b(?:sections?|s\.?|§)\s*(\d{1,2})((?:\s*\(\s*\d{1,2}[A-Z]?\s*\))?(?:\s*\(\s*[a-z]{1,3}\s*\))?)"
    r"(?![\d(])",
    re.I,
)
_FOIA_LIST = re.compile(r"\b(?:sections?|ss\.?)\s*(\d{1,2}(?:\(\d[A-Z]?\))?)((?:\s*(?:,|and|&|or)\s*\d{1,2}(?:\(\d[A-Z]?\))?)+)", re.I)
_EIR = re.compile(
    r"\b(?:regulations?|reg\.?)\s*(1[23])((?:\s*\(\s*\d\s*\))?(?:\s*\(\s*[a-g]\s*\))?)(?![\d(])",
    re.I,
)
_US = re.compile(r"(?<![\w)])\(b\)\s*\(\s*([1-9])\s*\)(?:\s*\(\s*([A-F])\s*\))?")
_US_WORD = re.compile(r"\bExemption\s+([1-9])(?:\s*\(\s*([A-F])\s*\))?(?=[\s,.;)]|$)")

_FOIA_EXEMPT = {12, 14} | set(range(21, 45))
_APPLIED_CUES = re.compile(
    r"exempt(?:ion|ions)?\s+(?:from|under|at|by|has|have|applies|apply|is|are|engaged|being)"
    r"|is exempt|are exempt|being exempt|been exempt|exempt\b(?!ions? (?:and explanatory|in question|we have used))"
    r"|exempting|pursuant to|by virtue of|relying on|rely on|we (?:are|have) appl|(?:has|have) been applied|is engaged|are engaged|engag(?:e|es|ing)\b"
    r"|withh[eo]ld|refus(?:e|ed|al|ing)\b(?!s of requests)|neither confirm nor deny|exception|exceeds?\b|would exceed"
    r"|vexatious|manifestly unreasonable|cost limit|appropriate limit|redact",
    re.I,
)
_GENERIC = re.compile(
    r"requires? [^.]{0,80}(?:when refusing|to provide you the applicant with a notice)"
    r"|states? the exemption in question|if (?:we|an authority) (?:decline|refuse)|explains? why the exemption applies"
    r"|such as section|for example,? section|in relation to section \d+",
    re.I,
)
_LIST_HEADER = re.compile(
    r"(?:the following exemptions?|exemptions? (?:applied|apply|used)|exemptions?\s*:|by virtue of)\s*:?\s*$"
    r"|exemption\(s\) which were applied[^\n]*$",
    re.I | re.M,
)


@dataclass(frozen=True)
class Exemption:
    """One normalised exemption and whether this document applies it."""

    code: str
    law: str  # FOIA, EIR or US FOIA (FOISA uses the FOIA form)
    applied: bool
    span: Span


def _norm_sub(raw: str) -> str:
    return re.sub(r"\s+", "", raw)


def _foia_code(section: int, subs: str) -> str:
    subs = _norm_sub(subs)
    # s.40(3A)/(3B)/(4A) are the conditions under which s.40(2) applies: one exemption.
    if section == 40 and re.match(r"\((?:3A|3B|4A)\)", subs):
        subs = "(2)"
    first = re.match(r"\(\d{1,2}[A-Z]?\)", subs)
    return f"s.{section}{first.group(0) if first else ''}"


def find_exemptions(text: str, own_end: int, request_span: tuple[int, int] | None = None) -> list[Exemption]:
    """Every exemption cited in `text`, in text order (duplicates kept; see `summarise`).

    Args:
        text: The document text.
        own_end: Where quoted earlier correspondence starts: citations after it
            are mentions.
        request_span: The quoted request inside the document, if known:
            citations there are mentions too.
    """
    found: list[Exemption] = []
    for match in _FOIA.finditer(text):
        section = int(match.group(1))
        if section not in _FOIA_EXEMPT or _is_other_act(text, match.end()) or _is_postcode(text, match):
            continue
        code = _foia_code(section, match.group(2))
        found.append(_make(text, match, code, "FOIA", own_end, request_span))
    for match in _FOIA_LIST.finditer(text):
        for number in re.findall(r"\d{1,2}(?:\(\d[A-Z]?\))?", match.group(2)):
            section = int(re.match(r"\d+", number).group(0))
            if section in _FOIA_EXEMPT and not _is_other_act(text, match.end()):
                code = _foia_code(section, number[len(str(section)):])
                found.append(_make(text, match, code, "FOIA", own_end, request_span))
    for match in _EIR.finditer(text):
        number, subs = match.group(1), _norm_sub(match.group(2))
        if number == "12" and not re.match(r"\((?:3|4|5)\)", subs):
            continue
        found.append(_make(text, match, f"reg {number}{subs}", "EIR", own_end, request_span))
    for pattern in (_US, _US_WORD):
        for match in pattern.finditer(text):
            code = f"(b)({match.group(1)})" + (f"({match.group(2)})" if match.group(2) else "")
            found.append(_make(text, match, code, "US FOIA", own_end, request_span))
    found.sort(key=lambda e: e.span.start)
    return found


def _is_postcode(text: str, match: re.Match) -> bool:
    """`Sheffield S12 2AB`, `S40 1LP`: an S-postcode, not a section."""
    return match.group(0)[:1] == "S" and bool(re.match(r"[ \t]*\d[A-Z]{2}\b", text[match.end() : match.end() + 6]))


def _is_other_act(text: str, end: int) -> bool:
    """`section 8 of the Equality Act`, `s149 Equality Act 2010`: not an FOI provision."""
    after = text[end : end + 70]
    other = re.match(r"\s*(?:\(\w+\)\s*)*(?:of\s+(?:the\s+)?)?([A-Z][\w ]{0,50}?(?:Act|Regulations))", after)
    if not other:
        return False
    name = other.group(1)
    return not re.search(r"Freedom of Information|FOI|Environmental Information|the Act$", name)


def _make(text, match, code, law, own_end, request_span) -> Exemption:
    start, end = match.span()
    return Exemption(code, law, _applied(text, start, end, own_end, request_span), Span.of(text, start, end))


def _applied(text: str, start: int, end: int, own_end: int, request_span) -> bool:
    if start >= own_end:
        return False
    if request_span and request_span[0] <= start < request_span[1]:
        return False
    s, e = sentence_bounds(text, start, end, limit=300)
    sentence = text[s:e]
    if _GENERIC.search(sentence):
        return False
    if _APPLIED_CUES.search(sentence):
        return True
    # A list of exemptions under "... by virtue of the following exemptions:".
    before = text[max(0, start - 400) : start]
    header = None
    for header in _LIST_HEADER.finditer(before):
        pass
    return header is not None and before[header.end() :].count("\n\n") <= 6


def summarise(exemptions: list[Exemption]) -> list[dict]:
    """One entry per code: applied if any citation applies it, with its first span."""
    merged: dict[str, dict] = {}
    for exemption in exemptions:
        entry = merged.setdefault(
            exemption.code, {"code": exemption.code, "law": exemption.law, "applied": False, "span": exemption.span}
        )
        if exemption.applied and not entry["applied"]:
            entry["applied"] = True
            entry["span"] = exemption.span
    # "Section 14" beside "Section 14(1)": one exemption, the specific form.
    for code in list(merged):
        specific = [c for c in merged if c != code and c.startswith(code + "(")]
        if specific:
            merged[specific[0]]["applied"] |= merged.pop(code)["applied"]
    return list(merged.values())
