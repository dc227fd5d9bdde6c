"""`extract_foi(document)`: every FOI field of one document, each with its evidence.

Rules only, in the order a reader would use them: who wrote it (role), which
part is the author's own text (quoted correspondence and the quoted request
are set aside), then references, dates, law, exemptions and outcome. Every
field keeps the spans it came from (`evidence`), and
`document.text[start:end] == text` holds for each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.documents import Document
from ingest.foi import dates as _dates
from ingest.foi.authority import find_authority
from ingest.foi.clock import find_clock_cues
from ingest.foi.exemptions import find_exemptions, summarise
from ingest.foi.law import find_law
from ingest.foi.outcomes import (
    REQUEST,
    classify_role,
    document_outcome,
    figures_beside_cues,
    find_cues,
    outcomes_by_question,
    plainly_answered_questions,
    requester_cues,
    within,
)
from ingest.foi.references import find_references, primary_reference
from ingest.foi.sections import own_text_end, response_start
from ingest.foi.spans import Span

HEAD_CHARS = 3000
# Applied, these leave the answer given: s.21 says where it is published; personal data is redacted from it.
NOT_WITHHOLDING = frozenset({"s.21", "s.40(2)", "reg 12(3)", "reg 13", "reg 6(1)(b)"})
MAX_EVIDENCE = 5  # spans kept per field
# WhatDoTheyKnow-style requester addresses ("request-1189668@...") and labels.
_REQUESTER_SENDER = re.compile(r"^\s*\"?FOI requester\b|<request-\d+@|@whatdotheyknow\.com", re.I)


@dataclass
class FoiFields:
    """The FOI fields of one document.

    Attributes:
        authority: The public authority (sender, recipient or letterhead).
        references: Reference numbers, normalised, in text order.
        reference: The authority's own reference (the one a citation shows).
        dates: ISO dates: `received`, `due`, `responded`, and `date` (the
            document's own date: email header or letter date).
        law: FOIA, EIR, FOISA or US FOIA.
        exemptions: `{"code", "law", "applied"}` per exemption cited.
        outcome: See `ingest.foi.outcomes.OUTCOMES`; None for a request.
        requester_outcome: The outcome as the requester got it (personal-data redactions and s.21
            links leave a disclosure; see `ingest.foi.outcomes.requester_cues`); cases use it.
        outcomes_by_question: `{"question", "outcome"}` per numbered question answered.
        role: request, acknowledgement, clarification, response or internal review.
        from_authority: True when the authority wrote it, False for the
            requester, None when unknown (a letter with no sender).
        evidence: field -> spans `{"start", "end", "text"}` into document.text.
        clock: Phrases that move the statutory clock (`ingest.foi.clock`), each with its span.
    """

    authority: str | None = None
    references: list[str] = field(default_factory=list)
    reference: str | None = None
    dates: dict[str, str] = field(default_factory=dict)
    date_display: str | None = None
    law: str | None = None
    exemptions: list[dict] = field(default_factory=list)
    outcome: str | None = None
    requester_outcome: str | None = None
    outcomes_by_question: list[dict] = field(default_factory=list)
    role: str = REQUEST
    from_authority: bool | None = None
    evidence: dict[str, list[dict]] = field(default_factory=dict)
    clock: list[dict] = field(default_factory=list)

    @property
    def applied_exemptions(self) -> list[str]:
        return [e["code"] for e in self.exemptions if e["applied"]]

    def to_dict(self) -> dict:
        """A JSON-able dict, as stored under `metadata["foi"]`."""
        return {
            "authority": self.authority,
            "references": list(self.references),
            "reference": self.reference,
            "dates": dict(self.dates),
            "law": self.law,
            "exemptions": [dict(e) for e in self.exemptions],
            "outcome": self.outcome,
            "requester_outcome": self.requester_outcome,
            "outcomes_by_question": [dict(q) for q in self.outcomes_by_question],
            "role": self.role,
            "from_authority": self.from_authority,
            "evidence": {k: [dict(s) for s in v] for k, v in self.evidence.items()},
            "clock": [dict(c) for c in self.clock],
        }

    def citation_fields(self) -> dict[str, str]:
        """The flat string fields citations use: authority, reference, date_display."""
        out = {}
        if self.authority:
            out["authority"] = self.authority
        if self.reference:
            out["reference"] = self.reference
        if self.date_display:
            out["date_display"] = self.date_display
        return out


def _sender_is_authority(metadata: dict) -> bool | None:
    sender = metadata.get("from")
    if not sender:
        return None
    return not _REQUESTER_SENDER.search(sender)


def extract_foi(document: Document) -> FoiFields:
    """The FOI fields of `document`, each with the spans it came from.

    Args:
        document: A read document (its `metadata` may hold email headers).

    Returns:
        A FoiFields; fields no rule finds are None or empty.
    """
    text = document.text
    metadata = document.metadata or {}
    fields = FoiFields()
    evidence: dict[str, list[Span]] = {}

    def note(name: str, span: Span | None) -> None:
        if span is not None and len(evidence.setdefault(name, [])) < MAX_EVIDENCE:
            evidence[name].append(span)

    own_end = own_text_end(text)
    fields.from_authority = _sender_is_authority(metadata)
    head = text[:HEAD_CHARS]

    fields.authority, span = find_authority(metadata, head)
    note("authority", span)

    references = find_references(text, document.title)
    if not references and document.title:
        # A title such as "Internet Of Things (11435/17)" that the text does not repeat.
        titled = find_references(document.title)
        fields.references = [r.value for r in titled]
        fields.reference = titled[0].value if titled else None
    else:
        fields.references = [r.value for r in references]
        primary = primary_reference(references)
        fields.reference = primary.value if primary else None
        for ref in references:
            note("references", ref.span)

    own_cues = find_cues(text, 0, own_end) if fields.from_authority is not False else []
    role, role_span = classify_role(text, own_end, from_authority=fields.from_authority, cues=own_cues)
    fields.role = role
    note("role", role_span)

    answer_from = response_start(text, own_end)
    request_span = (0, answer_from) if answer_from else None
    found = find_exemptions(text, own_end if fields.from_authority is not False else 0, request_span)
    merged = summarise(found)
    fields.exemptions = [{"code": e["code"], "law": e["law"], "applied": e["applied"]} for e in merged]
    for entry in merged:
        note("exemptions", entry["span"])

    fields.law, span = find_law(text, own_end)
    note("law", span)

    cues = within(own_cues, answer_from, own_end)
    outcome, deciding = document_outcome(
        role,
        cues,
        any(e["applied"] for e in merged),
        from_requester=fields.from_authority is False,
        answered_questions=plainly_answered_questions(text, answer_from, own_end, cues),
        figures_beside=figures_beside_cues(text, answer_from, own_end, cues),
    )
    fields.outcome = outcome
    if outcome and role != REQUEST:
        fields.requester_outcome, requester_deciding = document_outcome(
            role,
            requester_cues(text, cues, own_end),
            any(e["applied"] and e["code"] not in NOT_WITHHOLDING for e in merged),
            from_requester=fields.from_authority is False,
            answered_questions=plainly_answered_questions(text, answer_from, own_end, cues),
            requester_view=True,
            figures_beside=figures_beside_cues(text, answer_from, own_end, cues),
        )
        for cue in requester_deciding:
            note("requester_outcome", cue.span)
    for cue in deciding:
        note("outcome", cue.span)
    if outcome and role != REQUEST:
        for q in outcomes_by_question(text, answer_from, own_end, cues):
            fields.outcomes_by_question.append({"question": q.question, "outcome": q.outcome})
            note("outcomes_by_question", q.span)

    found_dates = _dates.find_dates(text, own_end)
    for key in ("received", "due"):
        if key in found_dates:
            fields.dates[key] = found_dates[key][0].isoformat()
            note(f"dates.{key}", found_dates[key][1])
    own_date = _dates.header_date(metadata.get("date"))
    if own_date is None and "letter" in found_dates:
        own_date, span = found_dates["letter"]
        note("dates.date", span)
    if own_date is not None:
        fields.dates["date"] = own_date.isoformat()
        fields.date_display = _dates.display(own_date)
        if fields.from_authority is not False and role != REQUEST:
            fields.dates["responded"] = own_date.isoformat()

    fields.clock = find_clock_cues(text, own_end, from_requester=fields.from_authority is False)
    fields.evidence = {name: [s.to_dict() for s in spans] for name, spans in evidence.items()}
    return fields
