"""Requests as cases: one request and everything that answers it, with its deadline and status.

A case is every message of one mailbox (a WhatDoTheyKnow thread), plus
standalone documents (a response PDF, a review letter, a decision notice)
that share a reference with it; standalone documents that share a reference
with each other and with no mailbox form a case of their own. Which documents
form which case is decided at ingest and stored (`ingest.foi.case_links`,
`index.case_tables`); each case's events (`ingest.foi.case_events`), dates and
status on the day asked are computed here from the stored FOI fields, so
listing every case reads no document text.

Status on a day (`as_of`), from the events up to that day:
withdrawn > internal review (awaiting / overdue) > answered >
clarification requested > awaiting response / overdue / long overdue
(`ingest.foi.deadlines`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from ingest.foi.case_events import (
    CLARIFICATION_ASKED,
    CLARIFICATION_GIVEN,
    REQUEST,
    RESPONSE,
    REVIEW_ACKNOWLEDGED,
    REVIEW_ANSWERED,
    REVIEW_REQUESTED,
    CaseRecord,
    Event,
    timeline,
)
from ingest.foi.case_links import group_records
from ingest.foi.clock import EIR_EXTENSION, PUBLIC_INTEREST_EXTENSION, WITHDRAWAL
from ingest.foi.deadlines import nation_of, response_deadline, review_deadline, working_days_between
from ingest.foi.outcomes import AWAITING, CLARIFICATION

ANSWERED = "answered"
WITHDRAWN = "withdrawn"
CLARIFICATION_REQUESTED = "clarification requested"
AWAITING_REVIEW = "awaiting internal review"
REVIEW_OVERDUE = "internal review overdue"
STATUSES = ("awaiting response", "overdue", "long overdue", CLARIFICATION_REQUESTED, AWAITING_REVIEW,
            REVIEW_OVERDUE, ANSWERED, WITHDRAWN)


@dataclass
class Case:
    """One request's case as it stood on `as_of` (see the module docstring)."""

    case_id: str
    title: str
    authority: str | None
    law: str | None
    references: list[str]
    paths: list[str]
    received: date | None
    due: date | None
    responded: date | None
    working_days_taken: int | None
    status: str
    outcome: str | None
    events: list[Event]
    as_of: date
    days_overdue: int = 0
    review_due: date | None = None
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The case's JSON shape (README "Cases and deadlines")."""
        iso = lambda value: value.isoformat() if value else None  # noqa: E731
        return {
            "case_id": self.case_id, "title": self.title, "authority": self.authority, "law": self.law,
            "references": list(self.references), "paths": list(self.paths), "received": iso(self.received),
            "due": iso(self.due), "responded": iso(self.responded), "working_days_taken": self.working_days_taken,
            "status": self.status, "outcome": self.outcome, "as_of": self.as_of.isoformat(),
            "days_overdue": self.days_overdue, "review_due": iso(self.review_due),
            "events": [event.to_dict() for event in self.events], "evidence": self.evidence,
        }


def build_case(case_id: str, records: list[CaseRecord], as_of: date) -> Case:
    """The case of `records` (one group from `group_records`) as it stood on `as_of`."""
    events = [e for e in timeline(records) if e.date <= as_of]
    authority_records = [r for r in records if r.foi.get("from_authority") is not False]
    authorities = Counter(r.metadata.get("authority") or r.foi.get("authority") for r in authority_records)
    authorities.pop(None, None)
    authority = authorities.most_common(1)[0][0] if authorities else next(
        (r.foi.get("authority") for r in records if r.foi.get("authority")), None)
    laws = [r.foi.get("law") for r in authority_records if r.foi.get("law") and (r.own_date or as_of) <= as_of]
    law = laws[-1] if laws else next((r.foi.get("law") for r in records if r.foi.get("law")), None)
    references = list(dict.fromkeys(ref for r in records for ref in r.foi.get("references") or []))
    first = records[0]
    title = str(first.metadata.get("subject") or first.title or first.path.rsplit("/", 1)[-1])
    title = re.sub(r"^(?:Re:\s*)*(?:Freedom of Information request\s*-\s*)?", "", title, flags=re.I).strip() or title
    case = Case(case_id, title, authority, law, references, sorted({r.path for r in records}), None, None, None,
                None, "awaiting response", None, events, as_of)
    _apply_dates_and_status(case, events, nation_of(authority, law))
    return case


def _apply_dates_and_status(case: Case, events: list[Event], nation: str) -> None:
    request = next((e for e in events if e.kind == REQUEST), None)
    stated = sorted(((e.stated_received, e) for e in events if e.stated_received), key=lambda pair: pair[0])
    if request is not None:
        case.received = request.date
        case.evidence["received"] = {"from": "the request's own date", "doc_id": request.record.doc_id,
                                     "part": request.record.part}
    elif stated:
        case.received = stated[0][0]
        record = stated[0][1].record
        case.evidence["received"] = {"from": "the date the authority says it received the request",
                                     "doc_id": record.doc_id, "part": record.part,
                                     "spans": (record.foi.get("evidence") or {}).get("dates.received", [])[:1]}
    elif events:
        case.received = events[0].date
        case.evidence["received"] = {"from": "the earliest dated document", "doc_id": events[0].record.doc_id}
    answers = [e for e in events if e.kind == RESPONSE or (e.kind == REVIEW_ANSWERED)]
    first_answer = answers[0] if answers else None
    before = [e for e in events if first_answer is None or e.date <= first_answer.date]
    if case.received is not None:
        asked = [e for e in before if e.kind == CLARIFICATION_ASKED]
        given = [e for e in before if e.kind == CLARIFICATION_GIVEN and asked and e.date >= asked[0].date]
        eir = next((e for e in before if e.kind == EIR_EXTENSION), None)
        pit = next((e for e in before if e.kind == PUBLIC_INTEREST_EXTENSION and e.promised), None)
        deadline = response_deadline(
            case.received, law=case.law, nation=nation, eir_extended=eir is not None,
            clarified=given[-1].date if given else None, public_interest_until=pit.promised if pit else None)
        case.due = deadline.due
        case.evidence["due"] = {"basis": deadline.basis, "long_overdue_after": deadline.long_overdue_after.isoformat()}
        for name, event in (("extension", eir or pit), ("clarification", given[-1] if given else None)):
            if event is not None:
                case.evidence["due"][name] = {"doc_id": event.record.doc_id, "part": event.record.part,
                                              "spans": event.evidence[:1], "promised": event.promised and
                                              event.promised.isoformat()}
        case.status = deadline.status(case.as_of)
        if first_answer is not None:
            case.responded = first_answer.date
            case.working_days_taken = working_days_between(deadline.start, first_answer.date, nation)
            case.days_overdue = working_days_between(deadline.due, first_answer.date, nation)
        else:
            case.days_overdue = working_days_between(deadline.due, case.as_of, nation)
        if asked and not given and first_answer is None:
            case.status = CLARIFICATION_REQUESTED
            case.days_overdue = 0
    if answers:
        case.status = ANSWERED
        substantive = [e for e in answers if e.outcome and e.outcome not in (AWAITING, CLARIFICATION)]
        case.outcome = substantive[-1].outcome if substantive else None
    review_asked = _open_review(events)
    if review_asked is not None:
        review = review_deadline(review_asked, nation=nation)
        case.review_due = review.due
        case.status = REVIEW_OVERDUE if case.as_of > review.due else AWAITING_REVIEW
        case.days_overdue = working_days_between(review.due, case.as_of, nation)
        case.evidence["review_due"] = {"basis": review.basis}
    withdrawal = next((e for e in events if e.kind == WITHDRAWAL), None)
    if withdrawal is not None:
        case.status = WITHDRAWN
        case.evidence["status"] = {"doc_id": withdrawal.record.doc_id, "part": withdrawal.record.part,
                                   "spans": withdrawal.evidence[:1]}
    if case.status in (WITHDRAWN, CLARIFICATION_REQUESTED, AWAITING_REVIEW, "awaiting response"):
        case.days_overdue = 0


def _open_review(events: list[Event]) -> date | None:
    """The day an unanswered internal review was asked for: the first request (or the day an
    acknowledgement says it was received) after the last review answer; None when none is open."""
    asked: date | None = None
    for event in events:
        if event.kind == REVIEW_ANSWERED:
            asked = None
        elif event.kind == REVIEW_REQUESTED and asked is None:
            asked = event.date
        elif event.kind == REVIEW_ACKNOWLEDGED and asked is None:
            asked = event.stated_received or event.date
    return asked


def build_cases(records: list[CaseRecord], as_of: date) -> list[Case]:
    """Every case of `records` on `as_of`, most working days overdue first, then newest received."""
    return cases_of_groups(group_records(records), as_of)


def cases_of_groups(groups: dict[str, list[CaseRecord]], as_of: date) -> list[Case]:
    """Every case of `groups` (case id -> records in reading order) on `as_of`, ordered as `build_cases`."""
    cases = [build_case(case_id, members, as_of) for case_id, members in groups.items()]
    return sorted(cases, key=lambda c: (-c.days_overdue if c.status != ANSWERED else 1,
                                        -(c.received or date.min).toordinal(), c.case_id))


def select_cases(cases: list[Case], *, status: str | None = None, authority: str | None = None,
                 law: str | None = None) -> list[Case]:
    """The cases matching every filter given (authority: case-insensitive substring)."""
    return [
        c for c in cases
        if (not status or c.status == status)
        and (not authority or authority.lower() in (c.authority or "").lower())
        and (not law or (c.law or "").lower() == law.lower())
    ]


def records_from_store(store) -> list[CaseRecord]:
    """Every stored document as a CaseRecord (one per location), without reading texts."""
    # Document ids by file, so each metadata blob is parsed once (by document_heads).
    ids = [doc_id for path in store.known_files() for doc_id in store.locations_of_file(path).values()]
    records = []
    for head in store.document_heads(ids).values():
        for location in head.locations:
            records.append(CaseRecord(head.doc_id, location.path, location.part,
                                      str(head.metadata.get("subject") or ""), head.metadata))
    return records


def groups_of_store(store) -> dict[str, list[CaseRecord]]:
    """Case id -> records: as stored at ingest (`index.case_tables`), or grouped here from every
    document's FOI fields for an index written before format 6 (the reference the tables match)."""
    from index.case_tables import has_case_tables, stored_case_groups

    if has_case_tables(store):
        return stored_case_groups(store)
    return group_records(records_from_store(store))


# Case groups per committed generation: a generation never changes once committed, so its records are
# read once; a new generation (any update) reads them afresh. A few generations are kept.
_GROUPS: dict[tuple[str, int], dict[str, list[CaseRecord]]] = {}
_GROUPS_KEPT = 4


def cases_of_snapshot(snapshot, *, as_of: date | None = None, status: str | None = None,
                      authority: str | None = None, law: str | None = None) -> list[Case]:
    """Every case of an open index snapshot on `as_of` (default today), filtered.

    Raises:
        ValueError: an unknown status.
    """
    if status and status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; choose one of {', '.join(STATUSES)}")
    key = (str(snapshot.path), snapshot.manifest.generation)
    groups = _GROUPS.get(key)
    if groups is None:
        groups = groups_of_store(snapshot.store)
        while len(_GROUPS) >= _GROUPS_KEPT:
            _GROUPS.pop(next(iter(_GROUPS)))
        _GROUPS[key] = groups
    cases = cases_of_groups(groups, as_of or date.today())
    return select_cases(cases, status=status, authority=authority, law=law)


def find_case(cases: list[Case], target: str) -> Case | None:
    """The case with id `target`, or holding the document or file `target` (a doc_id, a path or its tail)."""
    tail = target.strip().lstrip("./")
    for case in cases:
        if case.case_id == target or any(e.record.doc_id == target for e in case.events):
            return case
    for case in cases:
        if any(path == target or path.endswith("/" + tail) or path == tail for path in case.paths):
            return case
    return None
