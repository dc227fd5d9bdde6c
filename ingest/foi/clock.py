"""Phrases that move a request's statutory clock, each kept with its span.

Found in a message's own text (quoted correspondence is set aside by the
caller): a requester withdrawing the request or complaining to the
regulator, an authority extending the deadline (EIR reg 7, FOIA s.10(3)
with the date it promises), and an ICO decision notice. `ingest.foi.extract`
stores them under `foi["clock"]` as `{"kind", "date", "start", "end", "text"}`.
"""

from __future__ import annotations

import re

from ingest.foi.dates import DATE, parse_date
from ingest.foi.spans import Span

WITHDRAWAL = "withdrawal"
COMPLAINT = "complaint to regulator"
EIR_EXTENSION = "EIR extension"
PUBLIC_INTEREST_EXTENSION = "public interest extension"
DECISION_NOTICE = "decision notice"
REVIEW_LOGGED = "review logged"
REVIEW_DECIDED = "review decided"
REVIEW_REPLY = "review reply"
STILL_WANTED = "still wanted?"

_REQUESTER: dict[str, re.Pattern] = {
    WITHDRAWAL: re.compile(r"\b(?:am|I'm|I am|hereby|please)\s+(?:now\s+)?withdraw(?:ing)?\b|\bwithdraw (?:this|my) (?:FOI )?request", re.I),
    COMPLAINT: re.compile(
        r"\b(?:have|has)\s+(?:now\s+)?(?:complained|referred (?:this|the matter|my request)|made a complaint)[^.]{0,40}"
        r"(?:Information Commissioner|ICO)\b|\bcomplaint (?:has been )?(?:made|submitted|lodged) to the (?:Information Commissioner|ICO)",
        re.I,
    ),
}
_AUTHORITY: dict[str, re.Pattern] = {
    EIR_EXTENSION: re.compile(r"Regulation\s+7\s*\(1\)|extend(?:ed|ing)?[^.]{0,80}\b40 working days", re.I),
    PUBLIC_INTEREST_EXTENSION: re.compile(
        r"(?:section|s\.?)\s*10\s*\(3\)|extend[^.]{0,120}public interest|public interest[^.]{0,120}extend", re.I
    ),
    DECISION_NOTICE: re.compile(r"\bDecision notice\b[^.\n]{0,80}\b(?:IC-\d{3,}-[A-Z0-9]{4}|FS5\d{6})", re.I),
    # A late authority asking whether the request still stands: neither a response nor a clarification.
    STILL_WANTED: re.compile(
        r"(?:ask|know|confirm) (?:if|whether) you (?:still )?(?:require|want|wish|need)|do not (?:seem to )?have a response on file"
        r"|reviewing (?:our )?(?:old|outstanding) (?:information )?requests",
        re.I,
    ),
}
# An authority's reply to a review request names the review at its top (the standard footer of
# every response mentions internal reviews further down): logged (an acknowledgement), decided
# (the review's answer), or neither (left to the reply's role and outcome).
_REVIEW_HEAD = re.compile(r"internal review|request for a review|review of (?:our|the|your) (?:response|decision|handling)", re.I)
_REVIEW_HEAD_CHARS = 700
_REVIEW_LOGGED = re.compile(r"(?:This|It) has (?:now )?been logged|will be carried out by", re.I)
_REVIEW_DECIDED = re.compile(
    r"full and impartial review|\b(?:not )?uphold(?:s|ing)?\b|\bupheld\b|response to the internal review"
    r"|review has (?:now )?been (?:conducted|completed|carried out)|(?:outcome|result|findings) of (?:the|your|my|this) (?:internal )?review"
    r"|I have (?:now )?(?:reviewed|completed|conducted|carried out) (?:the|your|an|this)",
    re.I,
)
_PROMISED = re.compile(r"\b(?:by|until|due on|on or before)\s+(" + DATE + r")", re.I)
_PROMISE_WINDOW = 1000  # characters after an extension phrase that may name its date (its explanation comes first)
# A decision notice says so in its heading; a response that cites an earlier notice is not one.
_HEAD = 400


def find_clock_cues(text: str, own_end: int, *, from_requester: bool) -> list[dict]:
    """The first cue of each kind in `text[:own_end]`, with the date an extension promises.

    Args:
        text: The document's text.
        own_end: Where the author's own text ends (quoted correspondence follows).
        from_requester: True when the requester wrote it (withdrawal, complaint),
            False for the authority or a regulator (extensions, decision notice).

    Returns:
        `{"kind", "date", "start", "end", "text"}` per cue found, in text order; `date` is an ISO date or None.
    """
    patterns = _REQUESTER if from_requester else _AUTHORITY
    cues = []
    for kind, pattern in patterns.items():
        match = pattern.search(text, 0, min(own_end, _HEAD) if kind == DECISION_NOTICE else own_end)
        if not match:
            continue
        promised = None
        if kind in (EIR_EXTENSION, PUBLIC_INTEREST_EXTENSION):
            # "30^th May 2025": WhatDoTheyKnow's rendering of a superscript.
            window = _PROMISED.search(text[match.start():min(own_end, match.end() + _PROMISE_WINDOW)].replace("^", ""))
            parsed = parse_date(window.group(1)) if window else None
            promised = parsed.isoformat() if parsed else None
        span = Span.of(text, match.start(), match.end())
        cues.append({"kind": kind, "date": promised, **span.to_dict()})
    if not from_requester:
        cues += _review_reply(text, own_end)
    return sorted(cues, key=lambda cue: cue["start"])


def _review_reply(text: str, own_end: int) -> list[dict]:
    head = _REVIEW_HEAD.search(text, 0, min(own_end, _REVIEW_HEAD_CHARS))
    if not head:
        return []
    for kind, pattern in ((REVIEW_LOGGED, _REVIEW_LOGGED), (REVIEW_DECIDED, _REVIEW_DECIDED)):
        match = pattern.search(text, head.start(), own_end)
        if match:
            return [{"kind": kind, "date": None, **Span.of(text, match.start(), match.end()).to_dict()}]
    return [{"kind": REVIEW_REPLY, "date": None, **Span.of(text, head.start(), head.end()).to_dict()}]
