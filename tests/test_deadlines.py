"""Statutory deadlines against dates counted by hand on a printed calendar.

Each expected date is written literally; the comment shows the count
(day 1 is the first working day after receipt; "(n)" is the running total).
"""

from datetime import date

import pytest

from ingest.foi.deadlines import (
    ENGLAND,
    LONG_OVERDUE,
    OVERDUE,
    AWAITING_RESPONSE,
    SCOTLAND,
    add_working_days,
    nation_of,
    response_deadline,
    review_deadline,
    working_days_between,
)


def test_easter_2024_good_friday_and_easter_monday_do_not_count():
    # Received Thu 28 Mar 2024. Fri 29 Mar (Good Friday) and Mon 1 Apr (Easter Monday) are bank holidays,
    # so day 1 is Tue 2 Apr: 2-5 Apr (4), 8-12 (9), 15-19 (14), 22-26 (19), Mon 29 Apr (20).
    deadline = response_deadline(date(2024, 3, 28), law="FOIA", nation=ENGLAND)
    assert deadline.due == date.fromisoformat("2024-04-29")
    assert "FOIA s.10(1)" in deadline.basis and "2024-03-28" in deadline.basis


def test_christmas_2023_in_england():
    # Received Fri 15 Dec 2023. Day 1 Mon 18 Dec: 18-22 Dec (5); 25, 26 Dec are bank holidays;
    # 27-29 Dec (8); 1 Jan is a bank holiday; 2-5 Jan (12), 8-12 (17), 15, 16, Wed 17 Jan (20).
    assert response_deadline(date(2023, 12, 15), nation=ENGLAND).due == date.fromisoformat("2024-01-17")


def test_scottish_2_january_bank_holiday_moves_a_foisa_deadline():
    # Same receipt under FOISA in Scotland, where Tue 2 Jan 2024 is also a bank holiday:
    # 18-22 Dec (5), 27-29 Dec (8), 3-5 Jan (11), 8-12 (16), 15-17 (19), Thu 18 Jan (20).
    deadline = response_deadline(date(2023, 12, 15), law="FOISA", nation=SCOTLAND)
    assert deadline.due == date.fromisoformat("2024-01-18")
    assert "FOISA s.10(1)" in deadline.basis


def test_english_late_summer_bank_holiday_is_a_working_day_in_scotland():
    # Internal review asked Mon 19 Aug 2024; Mon 26 Aug is a bank holiday in England only.
    # England: 20-23 Aug (4), 27-30 (8), 2-6 Sep (13), 9-13 (18), 16, Tue 17 Sep (20).
    assert review_deadline(date(2024, 8, 19), nation=ENGLAND).due == date.fromisoformat("2024-09-17")
    # Scotland: 20-23 Aug (4), 26-30 (9), 2-6 Sep (14), 9-13 (19), Mon 16 Sep (20).
    assert review_deadline(date(2024, 8, 19), nation=SCOTLAND).due == date.fromisoformat("2024-09-16")


def test_coronation_bank_holiday_2023():
    # Received Fri 5 May 2023; Mon 8 May (the coronation) and Mon 29 May are bank holidays.
    # Day 1 Tue 9 May: 9-12 (4), 15-19 (9), 22-26 (14), 30 May-2 Jun (18), 5, Tue 6 Jun (20).
    assert response_deadline(date(2023, 5, 5)).due == date.fromisoformat("2023-06-06")


def test_request_received_on_a_saturday_counts_from_monday():
    # Received Sat 1 Jun 2024. Day 1 Mon 3 Jun: 3-7 (5), 10-14 (10), 17-21 (15), 24-28 Jun (20).
    assert response_deadline(date(2024, 6, 1)).due == date.fromisoformat("2024-06-28")


def test_clarification_restarts_the_count_from_its_receipt():
    # Received Mon 3 Jun 2024; without clarification: 4-7 Jun (4), 10-14 (9), 17-21 (14), 24-28 (19), Mon 1 Jul (20).
    assert response_deadline(date(2024, 6, 3)).due == date.fromisoformat("2024-07-01")
    # Clarification asked, and answered on Mon 10 Jun: day 1 Tue 11 Jun: 11-14 (4), 17-21 (9), 24-28 (14),
    # 1-5 Jul (19), Mon 8 Jul (20).
    deadline = response_deadline(date(2024, 6, 3), clarified=date(2024, 6, 10))
    assert deadline.due == date.fromisoformat("2024-07-08")
    assert "s.1(3)" in deadline.basis


def test_eir_regulation_7_extension_to_40_working_days():
    # Received Mon 3 Jun 2024 under the EIR: day 20 is Mon 1 Jul (above); then 2-5 Jul (24), 8-12 (29),
    # 15-19 (34), 22-26 (39), Mon 29 Jul (40).
    deadline = response_deadline(date(2024, 6, 3), law="EIR", eir_extended=True)
    assert deadline.due == date.fromisoformat("2024-07-29")
    assert deadline.working_days == 40 and "reg 7" in deadline.basis
    # A FOIA request cannot be extended under reg 7.
    assert response_deadline(date(2024, 6, 3), law="FOIA", eir_extended=True).due == date(2024, 7, 1)


def test_public_interest_extension_is_held_to_its_promised_date():
    deadline = response_deadline(date(2024, 6, 3), public_interest_until=date(2024, 7, 15))
    assert deadline.due == date(2024, 7, 15)
    assert "s.10(3)" in deadline.basis and "2024-07-15" in deadline.basis


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        pytest.param(date(2024, 7, 1), AWAITING_RESPONSE, id="on-the-20th-day"),
        pytest.param(date(2024, 7, 2), OVERDUE, id="day-after-deadline"),
        # Day 40 after receipt on 3 Jun 2024 is Mon 29 Jul (counted above): still only overdue.
        pytest.param(date(2024, 7, 29), OVERDUE, id="40th-working-day"),
        pytest.param(date(2024, 7, 30), LONG_OVERDUE, id="past-40-working-days"),
    ],
)
def test_status_of_an_unanswered_request(as_of, status):
    assert response_deadline(date(2024, 6, 3)).status(as_of) == status


def test_working_days_between_counts_like_the_deadline():
    # 28 Mar 2024 to 29 Apr 2024 is exactly the 20 working days of the Easter test.
    assert working_days_between(date(2024, 3, 28), date(2024, 4, 29)) == 20
    assert working_days_between(date(2024, 4, 29), date(2024, 3, 28)) == 0
    assert add_working_days(date(2024, 3, 28), 0) == date(2024, 3, 28)


@pytest.mark.parametrize(
    ("authority", "law", "nation"),
    [
        ("Sheffield City Council", "FOIA", "ENG"),
        ("Glasgow City Council", None, "SCT"),
        ("Anyone", "FOISA", "SCT"),
        ("Belfast City Council", "FOIA", "NIR"),
        ("Cardiff Council", "EIR", "WLS"),
        (None, None, "ENG"),
    ],
)
def test_nation_of_an_authority(authority, law, nation):
    assert nation_of(authority, law) == nation
