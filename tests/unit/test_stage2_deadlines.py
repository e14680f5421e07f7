"""Stage 2 deadlines (lifecycle.md 5.2-5.4) on hand-counted dates around the awkward holidays.

Every expected date below is written literally and was counted by hand on a printed calendar; the
comment of each case shows the count ("BD n" is the n-th business day after the start, which never
counts itself). The England and Wales bank holidays these counts skip:

* 2026: Thu 1 Jan; Good Friday 3 Apr, Easter Monday 6 Apr; early May 4 May; spring 25 May;
  summer 31 Aug; Christmas Fri 25 Dec; Boxing Day Sat 26 Dec, substitute Mon 28 Dec.
* 2027: Fri 1 Jan; Good Friday 26 Mar, Easter Monday 29 Mar; early May 3 May; spring 31 May;
  summer 30 Aug; Christmas Sat 25 Dec and Boxing Day Sun 26 Dec, substitutes Mon 27 and Tue 28 Dec.
* 2028: New Year's Day Sat 1 Jan, substitute Mon 3 Jan.

British Summer Time: 29 Mar - 25 Oct 2026, 28 Mar - 31 Oct 2027.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import (
    DAYS_LEFT,
    TIME_LIMIT_REACHED,
    Deadline,
    additional_damages_deadline,
    agreed_extension,
    cpp_response_deadline,
    interim_deadline,
    late_offer,
    london,
    payment_deadline,
    s2sp_initial,
    s2sp_total,
    timeout_instant,
    warning_dates,
)
from gateway.domain.phase_deadlines import (
    Action,
    EntryDecision,
    EntryFacts,
    Start,
    deadline_for_entry,
)
from gateway.domain.services import Service

CAL = BusinessCalendar()  # the statutory England and Wales calendar, no imported data
RTA, ELPL = Service.RTA, Service.ELPL

ISPF = "InterimSettlementPackForm"
IPD = "InterimPaymentDecision"
S21P = "Stage21Payment"
S2F = "Stage2SettlementPackForm"
S2D = "Stage2SettlementPackDecision"
AGD = "Stage2SettlementPackAgreementDecision"
COCR = "Stage2SettlementPackCounterOfferByCR"
CODEC = "Stage2SettlementPackCounterOfferDecision"
CPPF = "CourtProceedingsPackForm"
CPPD = "CourtProceedingsPackDecision"


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


# ---------------------------------------------------------------------------------- calendar
HOLIDAYS = (
    d(2026, 4, 3), d(2026, 4, 6), d(2026, 5, 4), d(2026, 5, 25), d(2026, 8, 31),
    d(2026, 12, 25), d(2026, 12, 28), d(2027, 1, 1), d(2027, 3, 26), d(2027, 3, 29),
    d(2027, 5, 3), d(2027, 5, 31), d(2027, 8, 30), d(2027, 12, 27), d(2027, 12, 28),
    d(2028, 1, 3),
)  # fmt: skip


def test_the_calendar_knows_the_holidays_the_counts_skip() -> None:
    # The precondition of every hand count below: these weekdays are not business days, and the
    # weekdays around the substitute days are.
    for day in HOLIDAYS:
        assert day.weekday() < 5, day
        assert not CAL.is_business_day(day), day
    for day in (d(2027, 12, 24), d(2027, 12, 29), d(2027, 12, 31), d(2028, 1, 4)):
        assert CAL.is_business_day(day), day
    assert not CAL.is_business_day(d(2027, 12, 25))  # Christmas Day on a Saturday


# ---------------------------------------------------------------------------------- D5, D6, D7
@pytest.mark.parametrize(
    ("isp_sent", "value", "extended", "expected"),
    [
        # BD1 Fri 27 Mar, 30, 31 Mar, 1, 2 Apr (5); 3 Apr Good Friday and 6 Apr Easter Monday
        # skipped; 7, 8, 9, 10 (9), Mon 13 Apr (10).
        pytest.param(
            d(2026, 3, 26), Decimal("1000.00"), False, Deadline("D5", d(2026, 4, 13)),
            id="D5 exactly 1000.00 over Easter 2026",
        ),
        # As above to BD10 Mon 13 Apr; 14, 15, 16, 17 (14), Mon 20 Apr (15).
        pytest.param(
            d(2026, 3, 26), Decimal("1000.01"), False, Deadline("D6", d(2026, 4, 20)),
            id="D6 1000.01 over Easter 2026",
        ),
        # BD15 Mon 20 Apr; 21-24 (19), 27-30 Apr (23), Fri 1 May (24); 4 May early May skipped;
        # 5-8 May (28), 11 (29), Tue 12 May (30).
        pytest.param(
            d(2026, 3, 26), 2500, True, Deadline("D7", d(2026, 5, 12)),
            id="D7 extension over Easter and early May 2026",
        ),
        # BD1 Thu 25 Mar; 26 Good Friday, 29 Easter Monday skipped; 30, 31 Mar, 1, 2 Apr (5);
        # 5-8 Apr (9), Fri 9 Apr (10).
        pytest.param(
            d(2027, 3, 24), 1000, False, Deadline("D5", d(2027, 4, 9)),
            id="D5 exactly 1000 over Easter 2027",
        ),
        # BD1 Fri 30 Apr; 3 May early May skipped; 4-7 May (5), 10-13 (9), Fri 14 May (10).
        pytest.param(
            d(2027, 4, 29), Decimal("900"), False, Deadline("D5", d(2027, 5, 14)),
            id="D5 900 over early May 2027",
        ),
        # BD 14-17 Dec (4), 20-23 (8), Fri 24 Dec (9); 25/26 weekend, 27/28 substitutes;
        # Wed 29 Dec (10).
        pytest.param(
            d(2027, 12, 13), Decimal("1000.00"), False, Deadline("D5", d(2027, 12, 29)),
            id="D5 exactly 1000.00 over Christmas 2027 substitute days",
        ),
        # BD10 Wed 29 Dec; 30, 31 Dec (12); 1/2 Jan weekend, 3 Jan substitute; 4, 5 (14),
        # Thu 6 Jan 2028 (15).
        pytest.param(
            d(2027, 12, 13), Decimal("1000.01"), False, Deadline("D6", d(2028, 1, 6)),
            id="D6 1000.01 over Christmas 2027 and New Year 2028 substitutes",
        ),
        # BD15 Thu 6 Jan 2028; 7 (16), 10-14 (21), 17-21 (26), 24, 25, 26 (29), Thu 27 Jan (30).
        pytest.param(
            d(2027, 12, 13), 1500, True, Deadline("D7", d(2028, 1, 27)),
            id="D7 extension over Christmas 2027 and New Year 2028",
        ),
    ],
)  # fmt: skip
def test_interim_decision_deadlines(
    isp_sent: date, value: Decimal | int, extended: bool, expected: Deadline
) -> None:
    assert interim_deadline(CAL, isp_sent, value, extended=extended) == expected


# ---------------------------------------------------------------------------------- D8, D9, D12-D14
@pytest.mark.parametrize(
    ("compute", "start", "expected"),
    [
        # BD 15-18 Dec (4), 21-24 (8); 25 Christmas, 28 Dec substitute Boxing Day; 29, 30, 31 (11);
        # 1 Jan New Year's Day; 4, 5, 6 (14), Thu 7 Jan 2027 (15).
        pytest.param(
            s2sp_initial, d(2026, 12, 14), Deadline("D8", d(2027, 1, 7)),
            id="D8 over Christmas 2026 and New Year 2027",
        ),
        # BD 22-25 Mar (4); 26 Good Friday, 29 Easter Monday; 30, 31 Mar, 1, 2 Apr (8),
        # 5-9 Apr (13), 12 (14), Tue 13 Apr (15).
        pytest.param(
            s2sp_initial, d(2027, 3, 19), Deadline("D8", d(2027, 4, 13)),
            id="D8 over Easter 2027",
        ),
        # BD 18-21 Aug (4), 24-28 (9); 31 Aug summer holiday; 1-4 Sep (13), 7 (14), Tue 8 Sep (15).
        pytest.param(
            s2sp_initial, d(2026, 8, 17), Deadline("D8", d(2026, 9, 8)),
            id="D8 over the summer bank holiday 2026",
        ),
        # BD 10-12 Feb (3), 15-19 (8), 22-26 (13), 1-5 Mar (18), 8-12 (23), 15-19 (28),
        # 22-25 (32); 26 Good Friday, 29 Easter Monday; 30, 31 Mar (34), Thu 1 Apr (35).
        pytest.param(
            s2sp_total, d(2027, 2, 9), Deadline("D9", d(2027, 4, 1)),
            id="D9 ending just after Easter 2027",
        ),
        # BD Fri 12 Mar (1), 15-19 (6), 22-25 (10); Easter; 30, 31 (12), 1, 2 Apr (14),
        # 5-9 (19), 12-16 (24), 19-23 (29), 26-30 (34); 3 May early May; Tue 4 May (35).
        pytest.param(
            s2sp_total, d(2027, 3, 11), Deadline("D9", d(2027, 5, 4)),
            id="D9 over Easter and early May 2027",
        ),
        # BD 27-30 Apr (4), Fri 1 May (5); 4 May; 5-8 (9), 11-15 (14), 18-22 (19); 25 May spring;
        # 26-29 (23), 1-5 Jun (28), 8-12 (33), 15 (34), Tue 16 Jun (35).
        pytest.param(
            s2sp_total, d(2026, 4, 24), Deadline("D9", d(2026, 6, 16)),
            id="D9 over early May and spring bank holiday 2026",
        ),
        # BD 16-19 Nov (4), 22-26 (9), 29, 30 (11), 1-3 Dec (14), 6-10 (19), 13-17 (24),
        # 20-24 (29); 27/28 substitutes; 29-31 (32); 3 Jan substitute; 4, 5 (34), Thu 6 Jan (35).
        pytest.param(
            s2sp_total, d(2027, 11, 15), Deadline("D9", d(2028, 1, 6)),
            id="D9 over Christmas 2027 and New Year 2028 substitutes",
        ),
        # BD 18-21 May (4), 24-28 (9); 31 May spring; 1-4 Jun (13), 7 (14), Tue 8 Jun (15).
        pytest.param(
            additional_damages_deadline, d(2027, 5, 17), Deadline("D12", d(2027, 6, 8)),
            id="D12 over the spring bank holiday 2027",
        ),
        # BD 23-27 Aug (5); 30 Aug summer; 31 (6), 1-3 Sep (9), 6-10 (14), Mon 13 Sep (15).
        pytest.param(
            additional_damages_deadline, d(2027, 8, 20), Deadline("D12", d(2027, 9, 13)),
            id="D12 over the summer bank holiday 2027",
        ),
        # Fri 24 Dec; 25-28 weekend and substitutes; BD 29, 30, 31 (3); 1-3 Jan; 4 (4), Wed 5 (5).
        pytest.param(
            cpp_response_deadline, d(2027, 12, 24), Deadline("D13", d(2028, 1, 5)),
            id="D13 CPP sent on Christmas Eve 2027",
        ),
        # Maundy Thursday; 3 Good Friday to 6 Easter Monday; BD 7, 8, 9, 10 (4), Mon 13 Apr (5).
        pytest.param(
            cpp_response_deadline, d(2026, 4, 2), Deadline("D13", d(2026, 4, 13)),
            id="D13 CPP sent on Maundy Thursday 2026",
        ),
        # BD 1, 2 Apr (2); Easter; 7-10 (6), 13-16 Apr (10).
        pytest.param(
            payment_deadline, d(2026, 3, 31), Deadline("D14", d(2026, 4, 16)),
            id="D14 over Easter 2026",
        ),
        # BD 23, 24 Dec (2); 27/28 substitutes; 29-31 (5); 3 Jan substitute; 4-7 (9), Mon 10 (10).
        pytest.param(
            payment_deadline, d(2027, 12, 22), Deadline("D14", d(2028, 1, 10)),
            id="D14 over Christmas 2027 and New Year 2028",
        ),
    ],
)  # fmt: skip
def test_counted_deadlines(
    compute: Callable[[BusinessCalendar, date], Deadline], start: date, expected: Deadline
) -> None:
    assert compute(CAL, start) == expected


# ---------------------------------------------------------------------------------- D10
@pytest.mark.parametrize(
    ("offer", "end", "expected_end", "late"),
    [
        # D9 ends Thu 1 Apr 2027; its last 5 BD are Wed 24, Thu 25, Tue 30, Wed 31 Mar, Thu 1 Apr.
        # Tue 23 Mar is the 6th-last BD: + BD 24, 25, 30, 31 Mar, 1 Apr = the end, not after it.
        pytest.param(
            d(2027, 3, 23), d(2027, 4, 1), d(2027, 4, 1), False,
            id="D10 not late: offer on the 6th-last BD before Easter 2027",
        ),
        # Wed 24 Mar, the 5th-last BD: + BD 25, 30, 31 Mar, 1, Fri 2 Apr.
        pytest.param(
            d(2027, 3, 24), d(2027, 4, 1), d(2027, 4, 2), True,
            id="D10 late offer on the 5th-last BD before Easter 2027",
        ),
        # + BD 30, 31 Mar, 1, 2, Mon 5 Apr (26 Good Friday and 29 Easter Monday skipped).
        pytest.param(
            d(2027, 3, 25), d(2027, 4, 1), d(2027, 4, 5), True,
            id="D10 late offer on Maundy Thursday 2027",
        ),
        # A holiday inside the window: + BD 30, 31 Mar, 1, 2, Mon 5 Apr.
        pytest.param(
            d(2027, 3, 26), d(2027, 4, 1), d(2027, 4, 5), True,
            id="D10 late offer on Good Friday 2027 inside the window",
        ),
        pytest.param(
            d(2027, 3, 27), d(2027, 4, 1), d(2027, 4, 5), True,
            id="D10 late offer on Easter Saturday 2027 inside the window",
        ),
        pytest.param(
            d(2027, 3, 29), d(2027, 4, 1), d(2027, 4, 5), True,
            id="D10 late offer on Easter Monday 2027 inside the window",
        ),
        # The last day: + BD 2, 5, 6, 7, Thu 8 Apr.
        pytest.param(
            d(2027, 4, 1), d(2027, 4, 1), d(2027, 4, 8), True,
            id="D10 late offer on the last day of D9",
        ),
        # A second late offer after the D10 end Mon 5 Apr 2027 (last 5 BD: 30, 31 Mar, 1, 2, 5 Apr):
        # Fri 2 Apr + BD 5, 6, 7, 8, Fri 9 Apr.
        pytest.param(
            d(2027, 4, 2), d(2027, 4, 5), d(2027, 4, 9), True,
            id="D10 second late offer moves a D10 end again",
        ),
        # Mon 5 Apr, the D10 end itself: + BD 6, 7, 8, 9, Mon 12 Apr.
        pytest.param(
            d(2027, 4, 5), d(2027, 4, 5), d(2027, 4, 12), True,
            id="D10 second late offer on the D10 end day",
        ),
        # Thu 25 Mar is the 6th-last BD before Mon 5 Apr: + BD 30, 31, 1, 2, 5 Apr = the end.
        pytest.param(
            d(2027, 3, 25), d(2027, 4, 5), d(2027, 4, 5), False,
            id="D10 not late: 6th-last BD before a D10 end",
        ),
        # Good Friday lies before the first of the last 5 BD (Tue 30 Mar), outside the window:
        # + BD 30, 31 Mar, 1, 2, 5 Apr = the end. (5.4 counts business days; a non-business day is
        # in the window only when it lies between two of its business days.)
        pytest.param(
            d(2027, 3, 26), d(2027, 4, 5), d(2027, 4, 5), False,
            id="D10 not late: Good Friday 2027 just before the window",
        ),
        # D9 ends Thu 6 Jan 2028; last 5 BD: Thu 30, Fri 31 Dec, Tue 4, Wed 5, Thu 6 Jan.
        # Wed 29 Dec + BD 30, 31 Dec, 4, 5, 6 Jan = the end.
        pytest.param(
            d(2027, 12, 29), d(2028, 1, 6), d(2028, 1, 6), False,
            id="D10 not late: 6th-last BD is the first day after the Christmas 2027 substitutes",
        ),
        # Thu 30 Dec + BD 31 Dec, 4, 5, 6, Fri 7 Jan.
        pytest.param(
            d(2027, 12, 30), d(2028, 1, 6), d(2028, 1, 7), True,
            id="D10 late offer on 30 Dec 2027",
        ),
        # Sat 1 Jan (New Year's Day) and Mon 3 Jan (its substitute) lie inside the window:
        # + BD 4, 5, 6, 7, Mon 10 Jan.
        pytest.param(
            d(2028, 1, 1), d(2028, 1, 6), d(2028, 1, 10), True,
            id="D10 late offer on New Year's Day 2028 (a Saturday)",
        ),
        pytest.param(
            d(2028, 1, 3), d(2028, 1, 6), d(2028, 1, 10), True,
            id="D10 late offer on the New Year 2028 substitute day",
        ),
        # An end of Thu 30 Dec 2027; last 5 BD: Wed 22, Thu 23, Fri 24, Wed 29, Thu 30 Dec.
        # Tue 21 Dec + BD 22, 23, 24, 29, 30 = the end.
        pytest.param(
            d(2027, 12, 21), d(2027, 12, 30), d(2027, 12, 30), False,
            id="D10 not late: 6th-last BD before Christmas 2027",
        ),
        # Fri 24 Dec + BD 29, 30, 31 Dec, 4, Wed 5 Jan 2028.
        pytest.param(
            d(2027, 12, 24), d(2027, 12, 30), d(2028, 1, 5), True,
            id="D10 late offer on Christmas Eve 2027",
        ),
        # Tue 28 Dec is the Boxing Day substitute, inside the window: + BD 29, 30, 31, 4, 5 Jan.
        pytest.param(
            d(2027, 12, 28), d(2027, 12, 30), d(2028, 1, 5), True,
            id="D10 late offer on the Boxing Day 2027 substitute day",
        ),
        # End Thu 3 Sep 2026; last 5 BD: Thu 27, Fri 28 Aug, Tue 1, Wed 2, Thu 3 Sep.
        # Wed 26 Aug + BD 27, 28 Aug, 1, 2, 3 Sep = the end.
        pytest.param(
            d(2026, 8, 26), d(2026, 9, 3), d(2026, 9, 3), False,
            id="D10 not late: 6th-last BD before the summer bank holiday 2026",
        ),
        # Mon 31 Aug (summer holiday, inside the window) + BD 1, 2, 3, 4, Mon 7 Sep.
        pytest.param(
            d(2026, 8, 31), d(2026, 9, 3), d(2026, 9, 7), True,
            id="D10 late offer on the summer bank holiday 2026",
        ),
    ],
)  # fmt: skip
def test_late_offer_rule(offer: date, end: date, expected_end: date, late: bool) -> None:
    assert late_offer(CAL, offer, end) == (expected_end, late)


# ---------------------------------------------------------------------------------- D11
@pytest.mark.parametrize(
    ("current", "entered"),
    [
        pytest.param(d(2027, 12, 23), d(2027, 12, 24), id="D11 Christmas Eve 2027 after Thu 23"),
        pytest.param(d(2027, 12, 23), d(2027, 12, 29), id="D11 first BD after Christmas 2027"),
        pytest.param(d(2027, 12, 29), d(2028, 1, 4), id="D11 first BD after New Year 2028"),
        pytest.param(d(2027, 3, 25), d(2027, 3, 30), id="D11 Easter Tuesday 2027"),
        pytest.param(d(2026, 4, 2), d(2026, 4, 7), id="D11 Easter Tuesday 2026"),
        pytest.param(d(2026, 5, 22), d(2026, 5, 26), id="D11 after the spring holiday 2026"),
    ],
)
def test_agreed_extension_accepted(current: date, entered: date) -> None:
    assert agreed_extension(CAL, current, entered) == Deadline("D11", entered)


@pytest.mark.parametrize(
    ("current", "entered", "reason"),
    [
        pytest.param(
            d(2027, 12, 23), d(2027, 12, 23), "not after", id="D11 refused: equal to the deadline"
        ),
        pytest.param(
            d(2027, 12, 23), d(2027, 12, 22), "not after", id="D11 refused: before the deadline"
        ),
        pytest.param(
            d(2027, 12, 23),
            d(2027, 12, 25),
            "not a business day",
            id="D11 refused: Christmas Day 2027 (Sat)",
        ),
        pytest.param(
            d(2027, 12, 23),
            d(2027, 12, 27),
            "not a business day",
            id="D11 refused: Christmas substitute 2027",
        ),
        pytest.param(
            d(2027, 12, 23),
            d(2027, 12, 28),
            "not a business day",
            id="D11 refused: Boxing Day substitute 2027",
        ),
        pytest.param(
            d(2027, 12, 29),
            d(2028, 1, 3),
            "not a business day",
            id="D11 refused: New Year substitute 2028",
        ),
        pytest.param(
            d(2027, 3, 25), d(2027, 3, 26), "not a business day", id="D11 refused: Good Friday 2027"
        ),
        pytest.param(
            d(2027, 3, 25),
            d(2027, 3, 29),
            "not a business day",
            id="D11 refused: Easter Monday 2027",
        ),
        pytest.param(
            d(2026, 4, 2), d(2026, 4, 6), "not a business day", id="D11 refused: Easter Monday 2026"
        ),
        pytest.param(
            d(2026, 8, 28),
            d(2026, 8, 31),
            "not a business day",
            id="D11 refused: summer bank holiday 2026",
        ),
        pytest.param(
            d(2026, 12, 24),
            d(2026, 12, 26),
            "not a business day",
            id="D11 refused: Boxing Day 2026 (Sat)",
        ),
    ],
)
def test_agreed_extension_refused(current: date, entered: date, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        agreed_extension(CAL, current, entered)


def test_agreed_extensions_repeat() -> None:
    # Each extension becomes the current deadline the next one must pass.
    current = d(2027, 12, 23)
    for entered in (d(2027, 12, 24), d(2027, 12, 29), d(2028, 1, 4), d(2028, 1, 5)):
        current = agreed_extension(CAL, current, entered).due
        assert current == entered
    with pytest.raises(ValueError):
        agreed_extension(CAL, current, d(2028, 1, 4))  # now earlier than the current one


# ---------------------------------------------------------------------------------- warnings
@pytest.mark.parametrize(
    ("rule", "due", "days_left_on", "days_left_at", "limit_on", "limit_at"),
    [
        # 3 BD before Thu 1 Apr 2027: Wed 31 (1), Tue 30 (2); Easter; Thu 25 Mar (3), still GMT.
        # Time limit Fri 2 Apr 00:00 BST = Thu 1 Apr 23:00 UTC.
        pytest.param(
            "D9", d(2027, 4, 1), d(2027, 3, 25), datetime(2027, 3, 25, 0, 0, tzinfo=UTC),
            d(2027, 4, 2), datetime(2027, 4, 1, 23, 0, tzinfo=UTC),
            id="warnings D9 across Easter 2027 and the clock change",
        ),
        # 3 BD before Thu 7 Jan 2027: Wed 6 (1), Tue 5 (2), Mon 4 Jan (3); GMT throughout.
        pytest.param(
            "D8", d(2027, 1, 7), d(2027, 1, 4), datetime(2027, 1, 4, 0, 0, tzinfo=UTC),
            d(2027, 1, 8), datetime(2027, 1, 8, 0, 0, tzinfo=UTC),
            id="warnings D8 after New Year 2027 (GMT)",
        ),
        # 3 BD before Wed 5 Jan 2028: Tue 4 (1); Mon 3 substitute; Fri 31 (2), Thu 30 Dec (3).
        pytest.param(
            "D10", d(2028, 1, 5), d(2027, 12, 30), datetime(2027, 12, 30, 0, 0, tzinfo=UTC),
            d(2028, 1, 6), datetime(2028, 1, 6, 0, 0, tzinfo=UTC),
            id="warnings D10 across the New Year 2028 substitute",
        ),
        # 3 BD before Tue 7 Apr 2026: Easter; Thu 2 (1), Wed 1 (2), Tue 31 Mar (3), BST.
        pytest.param(
            "D11", d(2026, 4, 7), d(2026, 3, 31), datetime(2026, 3, 30, 23, 0, tzinfo=UTC),
            d(2026, 4, 8), datetime(2026, 4, 7, 23, 0, tzinfo=UTC),
            id="warnings D11 across Easter 2026 (BST)",
        ),
        # 3 BD before Mon 20 Apr 2026: Fri 17 (1), Thu 16 (2), Wed 15 Apr (3).
        pytest.param(
            "D6", d(2026, 4, 20), d(2026, 4, 15), datetime(2026, 4, 14, 23, 0, tzinfo=UTC),
            d(2026, 4, 21), datetime(2026, 4, 20, 23, 0, tzinfo=UTC),
            id="warnings D6 after Easter 2026 (BST)",
        ),
        # 3 BD before Thu 27 Jan 2028: Wed 26 (1), Tue 25 (2), Mon 24 Jan (3).
        pytest.param(
            "D7", d(2028, 1, 27), d(2028, 1, 24), datetime(2028, 1, 24, 0, 0, tzinfo=UTC),
            d(2028, 1, 28), datetime(2028, 1, 28, 0, 0, tzinfo=UTC),
            id="warnings D7 in January 2028 (GMT)",
        ),
        # 3 BD before Tue 8 Jun 2027: Mon 7 (1), Fri 4 (2), Thu 3 Jun (3).
        pytest.param(
            "D12", d(2027, 6, 8), d(2027, 6, 3), datetime(2027, 6, 2, 23, 0, tzinfo=UTC),
            d(2027, 6, 9), datetime(2027, 6, 8, 23, 0, tzinfo=UTC),
            id="warnings D12 after the spring bank holiday 2027 (BST)",
        ),
    ],
)  # fmt: skip
def test_three_days_left_and_time_limit_reached(
    rule: str,
    due: date,
    days_left_on: date,
    days_left_at: datetime,
    limit_on: date,
    limit_at: datetime,
) -> None:
    warnings = warning_dates(CAL, due, rule)
    assert [(w.rule, w.kind, w.on, w.days_left) for w in warnings] == [
        (rule, DAYS_LEFT, days_left_on, 3),
        (rule, TIME_LIMIT_REACHED, limit_on, None),
    ]
    assert [w.at for w in warnings] == [days_left_at, limit_at]
    assert all(w.at.tzinfo is not None for w in warnings)


def test_d13_only_time_limit_reached_and_d14_no_warnings() -> None:
    d13 = warning_dates(CAL, d(2028, 1, 5), "D13")
    assert [(w.kind, w.on) for w in d13] == [(TIME_LIMIT_REACHED, d(2028, 1, 6))]
    assert d13[0].at == datetime(2028, 1, 6, 0, 0, tzinfo=UTC)
    assert warning_dates(CAL, d(2028, 1, 10), "D14") == []


@pytest.mark.parametrize(
    ("due", "instant", "offset_hours"),
    [
        # Tue 4 May 2027 ends at 00:00 BST on Wed 5 May = 23:00 UTC on the 4th.
        pytest.param(
            d(2027, 5, 4), datetime(2027, 5, 4, 23, 0, tzinfo=UTC), 1, id="timeout BST May 2027"
        ),
        # Thu 6 Jan 2028 ends at 00:00 GMT on Fri 7 Jan.
        pytest.param(
            d(2028, 1, 6), datetime(2028, 1, 7, 0, 0, tzinfo=UTC), 0, id="timeout GMT Jan 2028"
        ),
        # Thu 25 Mar 2027 ends at 00:00 GMT on Good Friday; the clocks go forward on the 28th.
        pytest.param(
            d(2027, 3, 25), datetime(2027, 3, 26, 0, 0, tzinfo=UTC), 0, id="timeout GMT Mar 2027"
        ),
        # Fri 29 Oct 2027 ends at 00:00 BST on Sat 30 Oct; the clocks go back on the 31st.
        pytest.param(
            d(2027, 10, 29), datetime(2027, 10, 29, 23, 0, tzinfo=UTC), 1, id="timeout BST Oct 2027"
        ),
    ],
)
def test_timeout_instant_is_london_midnight_after_the_deadline(
    due: date, instant: datetime, offset_hours: int
) -> None:
    at = timeout_instant(due)
    assert at == instant
    assert at.tzinfo is not None
    assert at.utcoffset() == timedelta(hours=offset_hours)
    next_day = due + timedelta(days=1)
    assert at == datetime(next_day.year, next_day.month, next_day.day, tzinfo=london())
    assert Deadline("D9", due).timeout_at == instant


# ---------------------------------------------------------------------------------- the table
def enter(service: Service, phase: str, source: str, on: date, **facts: Any) -> EntryDecision:
    if service is ELPL:  # every EL/PL claim has a type; Stage 2 counts do not depend on it
        facts.setdefault("claim_type", "EL")
    return deadline_for_entry(EntryFacts(service, phase, source, on, **facts), CAL)


def arm(rule: str, due: date, late: bool | None = None) -> EntryDecision:
    return EntryDecision(Action.ARM, Deadline(rule, due), offer_late=late)


def keep(deadline: Deadline, late: bool | None = None) -> EntryDecision:
    return EntryDecision(Action.KEEP, deadline, offer_late=late)


D9_EASTER = Deadline("D9", d(2027, 4, 1))  # from the S2SP of Tue 9 Feb 2027
D9_NEW_YEAR = Deadline("D9", d(2028, 1, 6))  # from the S2SP of Mon 15 Nov 2027
S2SP_EASTER = {Start.S2SP_SENT: d(2027, 2, 9)}


@pytest.mark.parametrize("service", [RTA, ELPL])
@pytest.mark.parametrize(
    ("phase", "source", "on", "facts", "expected"),
    [
        # Counts as in test_interim_decision_deadlines.
        pytest.param(
            IPD, ISPF, d(2026, 3, 26), {"interim_value": 900}, arm("D5", d(2026, 4, 13)),
            id="entry D5 interim 900 over Easter 2026",
        ),
        pytest.param(
            IPD, ISPF, d(2026, 3, 26), {"interim_value": 1500}, arm("D6", d(2026, 4, 20)),
            id="entry D6 interim 1500 over Easter 2026",
        ),
        pytest.param(
            IPD, ISPF, d(2027, 12, 13), {"interim_value": Decimal("1000")},
            arm("D5", d(2027, 12, 29)),
            id="entry D5 interim exactly 1000 over Christmas 2027",
        ),
        pytest.param(
            IPD, ISPF, d(2027, 12, 13), {"interim_value": Decimal("1000.01")},
            arm("D6", d(2028, 1, 6)),
            id="entry D6 interim 1000.01 over Christmas 2027",
        ),
        # The extension counts 30 BD from the ISP (13 Dec 2027), not from the day it is asked.
        pytest.param(
            IPD, IPD, d(2027, 12, 22),
            {
                "interim_value": 1500,
                "running": Deadline("D6", d(2028, 1, 6)),
                "dates": {Start.ISP_SENT: d(2027, 12, 13)},
            },
            arm("D7", d(2028, 1, 27)),
            id="entry D7 interim extension over Christmas 2027",
        ),
        # Counted as in test_counted_deadlines: 15 BD from Mon 14 Dec 2026.
        pytest.param(
            S2D, S2F, d(2026, 12, 14), {}, arm("D8", d(2027, 1, 7)),
            id="entry D8 S2SP sent 14 Dec 2026",
        ),
        # An agreed extension of the S2SP decision: Fri 8 Jan 2027, a BD after Thu 7 Jan.
        pytest.param(
            S2D, S2D, d(2027, 1, 5),
            {
                "running": Deadline("D8", d(2027, 1, 7)),
                "dates": {Start.DATE_ENTERED: d(2027, 1, 8)},
            },
            arm("D11", d(2027, 1, 8)),
            id="entry D11 replaces D8",
        ),
        # D8 from Tue 9 Feb 2027 ends Tue 2 Mar (BD 10-12 Feb, 15-19, 22-26, 1, 2 Mar); an offer
        # that day arms D9 = Thu 1 Apr 2027, and 2 Mar + 5 BD = 9 Mar is not after it.
        pytest.param(
            AGD, S2D, d(2027, 3, 2),
            {"running": Deadline("D8", d(2027, 3, 2)), "dates": S2SP_EASTER},
            arm("D9", d(2027, 4, 1), late=False),
            id="entry D9 compensator offer within D8 not late",
        ),
        # D8 extended (D11) to Maundy Thursday 25 Mar 2027; the offer that day falls in the last
        # 5 BD of D9 (Thu 1 Apr): 25 Mar + BD 30, 31 Mar, 1, 2, Mon 5 Apr.
        pytest.param(
            AGD, S2D, d(2027, 3, 25),
            {"running": Deadline("D11", d(2027, 3, 25)), "dates": S2SP_EASTER},
            arm("D10", d(2027, 4, 5), late=True),
            id="entry D10 compensator late offer on Maundy Thursday 2027",
        ),
        # The CR's counter offer against D9 Thu 1 Apr 2027: Tue 23 Mar is the 6th-last BD.
        pytest.param(
            CODEC, COCR, d(2027, 3, 23), {"running": D9_EASTER}, keep(D9_EASTER, late=False),
            id="entry CR counter offer 6th-last BD keeps D9",
        ),
        # Wed 24 Mar + BD 25, 30, 31 Mar, 1, Fri 2 Apr.
        pytest.param(
            CODEC, COCR, d(2027, 3, 24), {"running": D9_EASTER},
            arm("D10", d(2027, 4, 2), late=True),
            id="entry CR late counter offer 5th-last BD before Easter 2027",
        ),
        # Easter Saturday, inside the window: + BD 30, 31 Mar, 1, 2, Mon 5 Apr.
        pytest.param(
            CODEC, COCR, d(2027, 3, 27), {"running": D9_EASTER},
            arm("D10", d(2027, 4, 5), late=True),
            id="entry CR late counter offer on Easter Saturday 2027",
        ),
        # Against D9 Thu 6 Jan 2028: Wed 29 Dec + BD 30, 31 Dec, 4, 5, 6 Jan = the end.
        pytest.param(
            CODEC, COCR, d(2027, 12, 29), {"running": D9_NEW_YEAR},
            keep(D9_NEW_YEAR, late=False),
            id="entry CR counter offer 29 Dec 2027 keeps D9",
        ),
        # Thu 30 Dec + BD 31 Dec, 4, 5, 6, Fri 7 Jan.
        pytest.param(
            CODEC, COCR, d(2027, 12, 30), {"running": D9_NEW_YEAR},
            arm("D10", d(2028, 1, 7), late=True),
            id="entry CR late counter offer 30 Dec 2027",
        ),
        # A running D10 (Mon 5 Apr 2027): Thu 25 Mar is its 6th-last BD, so the end stays.
        pytest.param(
            CODEC, COCR, d(2027, 3, 25), {"running": Deadline("D10", d(2027, 4, 5))},
            keep(Deadline("D10", d(2027, 4, 5)), late=False),
            id="entry CR counter offer keeps a running D10",
        ),
        # A running D11 (Tue 11 Jan 2028; last 5 BD 5, 6, 7, 10, 11 Jan): Fri 7 Jan + BD 10, 11,
        # 12, 13, Fri 14 Jan.
        pytest.param(
            CODEC, COCR, d(2028, 1, 7), {"running": Deadline("D11", d(2028, 1, 11))},
            arm("D10", d(2028, 1, 14), late=True),
            id="entry CR late counter offer after an agreed extension",
        ),
        # The compensator's new offer (back into the agreement decision) on Fri 2 Apr 2027
        # against a D10 end Mon 5 Apr: + BD 5, 6, 7, 8, Fri 9 Apr.
        pytest.param(
            AGD, CODEC, d(2027, 4, 2), {"running": Deadline("D10", d(2027, 4, 5))},
            arm("D10", d(2027, 4, 9), late=True),
            id="entry compensator second late offer after a D10 end",
        ),
        # D11 replaces a running D9: Tue 11 Jan 2028 is a BD after Thu 6 Jan.
        pytest.param(
            COCR, COCR, d(2028, 1, 4),
            {"running": D9_NEW_YEAR, "dates": {Start.DATE_ENTERED: d(2028, 1, 11)}},
            arm("D11", d(2028, 1, 11)),
            id="entry D11 replaces D9 after New Year 2028",
        ),
        pytest.param(
            AGD, AGD, d(2027, 3, 31),
            {"running": D9_EASTER, "dates": {Start.DATE_ENTERED: d(2027, 4, 6)}},
            arm("D11", d(2027, 4, 6)),
            id="entry D11 replaces D9 after Easter 2027",
        ),
        # Fri 24 Dec 2027 + BD 29, 30, 31 Dec, 4, Wed 5 Jan 2028.
        pytest.param(
            CPPD, CPPF, d(2027, 12, 24), {}, arm("D13", d(2028, 1, 5)),
            id="entry D13 CPP on Christmas Eve 2027",
        ),
        # Maundy Thursday 2026 + BD 7, 8, 9, 10, Mon 13 Apr.
        pytest.param(
            CPPD, CPPF, d(2026, 4, 2), {}, arm("D13", d(2026, 4, 13)),
            id="entry D13 CPP on Maundy Thursday 2026",
        ),
        # The interim decision on Tue 31 Mar 2026 cancels D5 and records D14: BD 1, 2, 7-10,
        # 13-16 Apr.
        pytest.param(
            S21P, IPD, d(2026, 3, 31), {"running": Deadline("D5", d(2026, 4, 13))},
            EntryDecision(Action.CANCEL, None, (Deadline("D14", d(2026, 4, 16)),)),
            id="entry D14 information only after the interim decision over Easter 2026",
        ),
        # Partial acceptance Wed 22 Dec 2027: BD 23, 24, 29, 30, 31 Dec, 4, 5, 6, 7, Mon 10 Jan.
        pytest.param(
            S21P, "AcknowledgePartialPaymentDecision", d(2028, 1, 4),
            {"dates": {Start.PARTIAL_ACCEPTANCE: d(2027, 12, 22)}},
            EntryDecision(Action.CANCEL, None, (Deadline("D14", d(2028, 1, 10)),)),
            id="entry D14 information only from a partial acceptance over Christmas 2027",
        ),
        pytest.param(
            "Stage2SettlementPackAgreed", AGD, d(2027, 12, 22), {"running": D9_NEW_YEAR},
            EntryDecision(Action.CANCEL, None, (Deadline("D14", d(2028, 1, 10)),)),
            id="entry D14 information only on agreement over Christmas 2027",
        ),
    ],
)  # fmt: skip
def test_phase_entry_decisions(
    service: Service,
    phase: str,
    source: str,
    on: date,
    facts: dict[str, Any],
    expected: EntryDecision,
) -> None:
    decision = enter(service, phase, source, on, **facts)
    assert decision == expected
    if decision.deadline is not None:  # timed deadlines time out at London midnight after
        due = decision.deadline.due + timedelta(days=1)
        assert decision.deadline.timeout_at == datetime(
            due.year, due.month, due.day, tzinfo=london()
        )


def test_phase_entry_d12_rta_over_the_spring_bank_holiday_2027() -> None:
    # BD 18-21 May (4), 24-28 (9); 31 May spring; 1-4 Jun (13), 7 (14), Tue 8 Jun (15).
    decision = enter(
        RTA,
        "Stage2SettlementPackAdditionalDamagesDecision",
        "Stage2SettlementPackAdditionalDamagesForm",
        d(2027, 5, 17),
    )
    assert decision == arm("D12", d(2027, 6, 8))


@pytest.mark.parametrize("service", [RTA, ELPL])
@pytest.mark.parametrize(
    ("running", "entered", "reason"),
    [
        pytest.param(D9_NEW_YEAR, d(2028, 1, 6), "not after", id="D11 entry refused: equal to D9"),
        pytest.param(D9_NEW_YEAR, d(2028, 1, 5), "not after", id="D11 entry refused: before D9"),
        pytest.param(
            D9_NEW_YEAR, d(2028, 1, 8), "not a business day", id="D11 entry refused: a Saturday"
        ),
        pytest.param(
            Deadline("D9", d(2027, 12, 30)), d(2028, 1, 3), "not a business day",
            id="D11 entry refused: New Year 2028 substitute",
        ),
        pytest.param(
            Deadline("D9", d(2027, 12, 24)), d(2027, 12, 27), "not a business day",
            id="D11 entry refused: Christmas 2027 substitute",
        ),
        pytest.param(
            Deadline("D9", d(2027, 3, 25)), d(2027, 3, 29), "not a business day",
            id="D11 entry refused: Easter Monday 2027",
        ),
    ],
)  # fmt: skip
def test_phase_entry_d11_refused(
    service: Service, running: Deadline, entered: date, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        enter(service, COCR, COCR, d(2027, 12, 20), running=running,
              dates={Start.DATE_ENTERED: entered})  # fmt: skip
