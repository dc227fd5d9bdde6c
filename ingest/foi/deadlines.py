"""Statutory deadlines of a UK information request, counted in working days.

The rules (README "Cases and deadlines" has them with their references):

- FOIA s.10(1), EIR reg 5(2), FOISA s.10(1): answer "not later than the
  twentieth working day following the date of receipt". Day 1 is the first
  working day after the day of receipt, whatever day that was.
- A working day excludes Saturdays, Sundays and the bank holidays of the
  authority's nation (FOIA s.10(6), FOISA s.73): England, Wales, Scotland or
  Northern Ireland, from the `holidays` package (special one-off bank
  holidays included).
- EIR reg 7(1): 40 working days when the authority says the request is
  complex and voluminous.
- FOIA s.1(3) and s.10(6)(b): after a clarification request the clock starts
  again from the day the clarification is received.
- FOIA s.10(3): a public-interest extension is recorded with the date it
  promises; that date becomes the one the authority is held to.
- Internal review (s.45 code of practice, para 5.4): 20 working days, 40 at
  most.
- A reply is overdue after its deadline and long overdue 20 working days
  later (40 working days after receipt for a plain request), as
  WhatDoTheyKnow reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

ENGLAND, WALES, SCOTLAND, NORTHERN_IRELAND = "ENG", "WLS", "SCT", "NIR"
NATIONS = (ENGLAND, WALES, SCOTLAND, NORTHERN_IRELAND)
RESPONSE_DAYS = 20
EIR_EXTENDED_DAYS = 40
REVIEW_DAYS = 20
REVIEW_MAX_DAYS = 40
LONG_OVERDUE_EXTRA_DAYS = 20

AWAITING_RESPONSE = "awaiting response"
OVERDUE = "overdue"
LONG_OVERDUE = "long overdue"

_SCOTTISH = re.compile(r"\b(?:Scotland|Scottish|Glasgow|Edinburgh|Aberdeen|Dundee|Highland|Fife|Lothian|Perth)\b", re.I)
_NORTHERN_IRISH = re.compile(r"\b(?:Northern Ireland|Belfast|PSNI|Derry|Londonderry)\b", re.I)
_WELSH = re.compile(r"\b(?:Wales|Welsh|Cymru|Cardiff|Swansea|Gwynedd|Powys|Ceredigion)\b", re.I)


@lru_cache(maxsize=512)
def _weekday_holidays(nation: str, year: int) -> frozenset[date]:
    """The bank holidays of `nation` in `year` that fall on a weekday (substitute days included)."""
    if nation not in NATIONS:
        raise ValueError(f"unknown nation {nation!r}; choose one of {', '.join(NATIONS)}")
    return frozenset(day for day in holidays.country_holidays("GB", subdiv=nation, years=year) if day.weekday() < 5)


def nation_of(authority: str | None, law: str | None = None) -> str:
    """The nation whose bank holidays count for `authority`: FOISA or a Scottish name is Scotland, default England."""
    text = authority or ""
    if law == "FOISA" or _SCOTTISH.search(text):
        return SCOTLAND
    if _NORTHERN_IRISH.search(text):
        return NORTHERN_IRELAND
    if _WELSH.search(text):
        return WALES
    return ENGLAND


def is_working_day(day: date, nation: str = ENGLAND) -> bool:
    """True unless `day` is a Saturday, Sunday or a bank holiday in `nation`."""
    return day.weekday() < 5 and day not in _weekday_holidays(nation, day.year)


def add_working_days(after: date, count: int, nation: str = ENGLAND) -> date:
    """The `count`-th working day after `after` (`after` itself never counts)."""
    day = after
    counted = 0
    while counted < count:
        day += timedelta(days=1)
        if is_working_day(day, nation):
            counted += 1
    return day


def working_days_between(after: date, until: date, nation: str = ENGLAND) -> int:
    """Working days after `after` up to and including `until` (0 when `until` <= `after`)."""
    if until <= after:
        return 0
    weeks, rest = divmod((until - after).days, 7)
    weekdays = weeks * 5 + sum((after + timedelta(days=weeks * 7 + n)).weekday() < 5 for n in range(1, rest + 1))
    bank = sum(after < day <= until for year in range(after.year, until.year + 1)
               for day in _weekday_holidays(nation, year))
    return weekdays - bank


@dataclass(frozen=True)
class Deadline:
    """When a reply is due, and what the date was counted from.

    Attributes:
        start: The day the clock runs from (day 0: receipt, or the clarification's receipt).
        due: The last day of the statutory period (or the promised date of an s.10(3) extension).
        long_overdue_after: The last day before the reply counts as long overdue.
        working_days: The statutory period counted for `due`.
        basis: A sentence naming the rule and the dates it used.
    """

    start: date
    due: date
    long_overdue_after: date
    working_days: int
    basis: str

    def status(self, as_of: date) -> str:
        """`awaiting response`, `overdue` or `long overdue` on `as_of`, for a reply not yet given."""
        if as_of > self.long_overdue_after:
            return LONG_OVERDUE
        if as_of > self.due:
            return OVERDUE
        return AWAITING_RESPONSE

    def to_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "due": self.due.isoformat(),
            "long_overdue_after": self.long_overdue_after.isoformat(),
            "working_days": self.working_days,
            "basis": self.basis,
        }


def response_deadline(
    received: date,
    *,
    law: str | None = None,
    nation: str = ENGLAND,
    eir_extended: bool = False,
    clarified: date | None = None,
    public_interest_until: date | None = None,
) -> Deadline:
    """The deadline for answering a request received on `received`.

    Args:
        received: The day the authority received the request.
        law: FOIA, EIR or FOISA (None reads as FOIA); names the rule in `basis`.
        nation: Whose bank holidays are not working days (see `nation_of`).
        eir_extended: The authority extended an EIR request to 40 working days (reg 7).
        clarified: The day the requester's clarification was received; the count restarts from it (s.1(3)).
        public_interest_until: The date an s.10(3) public-interest extension promises.

    Returns:
        A Deadline.
    """
    rule = {"EIR": "EIR reg 5(2)", "FOISA": "FOISA s.10(1)"}.get(law or "", "FOIA s.10(1)")
    start, start_reason = received, f"received {received.isoformat()}"
    if clarified is not None and clarified >= received:
        start, start_reason = clarified, f"clarification received {clarified.isoformat()} (s.1(3): the count restarts)"
    days = RESPONSE_DAYS
    if eir_extended and law == "EIR":
        days, rule = EIR_EXTENDED_DAYS, "EIR reg 7(1) extension"
    due = add_working_days(start, days, nation)
    basis = f"{rule}: {days} working days after {start_reason}, {nation} bank holidays excluded"
    if public_interest_until is not None and public_interest_until > due:
        due = public_interest_until
        basis += f"; FOIA s.10(3) public-interest extension promised by {due.isoformat()}"
    return Deadline(start, due, add_working_days(due, LONG_OVERDUE_EXTRA_DAYS, nation), days, basis)


def review_deadline(requested: date, *, nation: str = ENGLAND, extended: bool = False) -> Deadline:
    """The deadline for an internal review requested on `requested`: 20 working days, 40 when extended.

    Past 40 working days a review is long overdue whatever was said (the code of practice's maximum).
    """
    days = REVIEW_MAX_DAYS if extended else REVIEW_DAYS
    due = add_working_days(requested, days, nation)
    basis = (f"FOIA s.45 code of practice 5.4: internal review within {days} working days after "
             f"{requested.isoformat()}, {nation} bank holidays excluded")
    long_after = add_working_days(requested, REVIEW_MAX_DAYS, nation) if not extended else add_working_days(
        due, LONG_OVERDUE_EXTRA_DAYS, nation)
    return Deadline(requested, due, long_after, days, basis)
