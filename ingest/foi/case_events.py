"""A case's timeline: the events its documents' stored FOI fields describe.

Each stored document (one mailbox message, or a standalone letter or PDF)
becomes at most a few events, read from the fields `ingest.foi` stored at
ingest: who wrote it (`from_authority`), its `role`, `outcome`, `dates` and
`clock` cues. Nothing here reads document text again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ingest.foi.clock import (
    COMPLAINT,
    DECISION_NOTICE,
    EIR_EXTENSION,
    PUBLIC_INTEREST_EXTENSION,
    REVIEW_DECIDED,
    REVIEW_LOGGED,
    REVIEW_REPLY,
    STILL_WANTED,
    WITHDRAWAL,
)
from ingest.foi.outcomes import AWAITING, CLARIFICATION

REQUEST = "request"
FOLLOW_UP = "follow-up"
STATUS_CHECK = "authority asks whether the request stands"
ACKNOWLEDGEMENT = "acknowledgement"
CLARIFICATION_ASKED = "clarification asked"
CLARIFICATION_GIVEN = "clarification given"
RESPONSE = "response"
REVIEW_REQUESTED = "internal review requested"
REVIEW_ACKNOWLEDGED = "internal review acknowledged"
REVIEW_ANSWERED = "internal review answered"
EVENT_KINDS = (
    REQUEST, FOLLOW_UP, STATUS_CHECK, ACKNOWLEDGEMENT, CLARIFICATION_ASKED, CLARIFICATION_GIVEN, RESPONSE, REVIEW_REQUESTED,
    REVIEW_ACKNOWLEDGED, REVIEW_ANSWERED, EIR_EXTENSION, PUBLIC_INTEREST_EXTENSION, COMPLAINT, DECISION_NOTICE,
    WITHDRAWAL,
)


@dataclass(frozen=True)
class CaseRecord:
    """One stored document as a case sees it: where it is and its FOI fields."""

    doc_id: str
    path: str
    part: str | None
    title: str
    metadata: dict

    @property
    def foi(self) -> dict:
        foi = self.metadata.get("foi")
        return foi if isinstance(foi, dict) else {}

    @property
    def own_date(self) -> date | None:
        return _iso((self.foi.get("dates") or {}).get("date"))


@dataclass
class Event:
    """One step of a case: what happened, when, and the document that says so."""

    date: date
    kind: str
    record: CaseRecord
    outcome: str | None = None
    promised: date | None = None  # an extension's promised date
    stated_received: date | None = None  # the date the authority says it received what it answers
    evidence: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = {"date": self.date.isoformat(), "kind": self.kind, "doc_id": self.record.doc_id,
               "path": self.record.path, "part": self.record.part}
        if self.outcome:
            out["outcome"] = self.outcome
        if self.promised:
            out["promised"] = self.promised.isoformat()
        return out


def _iso(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def record_events(record: CaseRecord, *, clarification_pending: bool) -> list[Event]:
    """The events one document describes, in the order they happened.

    Args:
        record: The document.
        clarification_pending: The authority's last step so far asked for
            clarification, so a requester's next message gives it.

    Returns:
        Events dated by the document's own date; none when it has no date.
    """
    foi = record.foi
    when = record.own_date
    if when is None:
        return []
    role = foi.get("role")
    # What the requester got, where ingest stored it (older indexes: the document's own outcome).
    outcome = foi.get("requester_outcome") or foi.get("outcome")
    evidence = (foi.get("evidence") or {}).get("role", [])[:1]
    stated = _iso((foi.get("dates") or {}).get("received"))
    events: list[Event] = []
    cues = foi.get("clock") or []
    if foi.get("from_authority") is False:
        withdrawal = next((c for c in cues if c.get("kind") == WITHDRAWAL), None)
        if withdrawal is not None:
            kind, evidence = WITHDRAWAL, [_span(withdrawal)]
        elif role == "internal review":
            kind = REVIEW_REQUESTED
        elif clarification_pending:
            kind = CLARIFICATION_GIVEN
        else:
            kind = REQUEST
        events.append(Event(when, kind, record, evidence=evidence))
        events += [Event(when, c["kind"], record, evidence=[_span(c)]) for c in cues if c.get("kind") == COMPLAINT]
        return events
    kinds = {c.get("kind") for c in cues}
    if kinds & {REVIEW_DECIDED, REVIEW_LOGGED, REVIEW_REPLY}:
        substantive = role in ("response", "internal review") and outcome not in (None, AWAITING, CLARIFICATION)
        answered = REVIEW_DECIDED in kinds or (REVIEW_REPLY in kinds and substantive)
        kind = REVIEW_ANSWERED if answered else REVIEW_ACKNOWLEDGED
        events.append(Event(when, kind, record, outcome if answered else None, stated_received=stated, evidence=evidence))
    elif STILL_WANTED in kinds and role in ("response", "acknowledgement", "clarification"):
        events.append(Event(when, STATUS_CHECK, record, evidence=evidence))
    elif role == "internal review":
        answered = outcome not in (None, AWAITING, CLARIFICATION)
        kind = REVIEW_ANSWERED if answered else REVIEW_ACKNOWLEDGED
        events.append(Event(when, kind, record, outcome if answered else None, stated_received=stated, evidence=evidence))
    elif role == "clarification":
        events.append(Event(when, CLARIFICATION_ASKED, record, evidence=evidence))
    elif role == "acknowledgement":
        events.append(Event(when, ACKNOWLEDGEMENT, record, stated_received=stated, evidence=evidence))
    elif role == "response":
        events.append(Event(when, RESPONSE, record, outcome, stated_received=stated, evidence=evidence))
    elif role == "request":
        events.append(Event(when, REQUEST, record, evidence=evidence))
    for cue in cues:
        if cue.get("kind") in (EIR_EXTENSION, PUBLIC_INTEREST_EXTENSION, DECISION_NOTICE):
            events.append(Event(when, cue["kind"], record, promised=_iso(cue.get("date")), evidence=[_span(cue)]))
    return events


def _span(cue: dict) -> dict:
    return {key: cue[key] for key in ("start", "end", "text") if key in cue}


def timeline(records: list[CaseRecord]) -> list[Event]:
    """Every event of a case's documents, oldest first (documents are given in reading order).

    The first requester message is the request; later ones are follow-ups unless
    they give clarification, ask for a review, withdraw or complain.
    """
    events: list[Event] = []
    pending = False
    for record in records:
        for event in record_events(record, clarification_pending=pending):
            if event.kind == REQUEST and any(e.kind == REQUEST for e in events):
                event.kind = FOLLOW_UP
            events.append(event)
            if event.kind == CLARIFICATION_ASKED:
                pending = True
            elif event.record.foi.get("from_authority") is False or event.kind in (RESPONSE, REVIEW_ANSWERED):
                pending = False
    return sorted(events, key=lambda e: e.date)
