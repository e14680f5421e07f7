"""EL/PL Stage 1 deadlines (lifecycle.md 3.1, 5.1-5.4) on hand-counted dates around the holidays.

D1 (acknowledgement, 1 BD from the CNF sent date or a reassignment), D2 (liability decision: EL
and ELD 30 BD, PL 40 BD, from the acknowledgement date, or from the D1 date when the claim was
acknowledged after it or not at all), D15 (earnings information, 20 BD from the admission, EL and
ELD only), what the EL/PL Stage 1 phases do with them on entry, and the D1/D2 warnings.

Every expected date below is written literally and was counted by hand on a printed calendar; the
comment of each case shows the count ("BD n" is the n-th business day after the start, which never
counts itself). The England and Wales bank holidays these counts skip:

* 2026: Good Friday 3 Apr, Easter Monday 6 Apr; early May 4 May; spring 25 May; summer 31 Aug;
  Christmas Fri 25 Dec; Boxing Day Sat 26 Dec, substitute Mon 28 Dec.
* 2027: Fri 1 Jan; Good Friday 26 Mar, Easter Monday 29 Mar; early May 3 May; spring 31 May;
  summer 30 Aug; Christmas Sat 25 Dec and Boxing Day Sun 26 Dec, substitutes Mon 27 and Tue 28 Dec.
* 2028: New Year's Day Sat 1 Jan, substitute Mon 3 Jan.

British Summer Time: 29 Mar - 25 Oct 2026, 28 Mar - 31 Oct 2027.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import (
    DAYS_LEFT,
    TIME_LIMIT_REACHED,
    Deadline,
    acknowledgement_deadline,
    earnings_information_deadline,
    liability_deadline,
    liability_start,
    warning_dates,
)
from gateway.domain.lifecycle import NEW
from gateway.domain.phase_deadlines import (
    Action,
    EntryDecision,
    EntryFacts,
    Start,
    deadline_for_entry,
)
from gateway.domain.services import Service

CAL = BusinessCalendar()  # the statutory England and Wales calendar, no imported data
ELPL = Service.ELPL

SUB = "ClaimSubmitted"
ACK = "ClaimAcknowledged"
LIAB = "LiabilityDecision"
ADMITTED = "LiabilityAdmitted"
ADMITTED_CHILD = "LiabilityAdmittedForChild"


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
    # The precondition of every hand count below: these weekdays are not business days.
    for day in HOLIDAYS:
        assert day.weekday() < 5, day
        assert not CAL.is_business_day(day), day
    for day in (d(2026, 12, 24), d(2026, 12, 29), d(2027, 12, 24), d(2027, 12, 29), d(2028, 1, 4)):
        assert CAL.is_business_day(day), day


# ---------------------------------------------------------------------------------- D1
@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Fri 24 Apr 2026; 25/26 weekend; BD 1 Mon 27 Apr.
        pytest.param(d(2026, 4, 24), d(2026, 4, 27), id="D1 CNF sent on a Friday"),
        # Fri 22 May 2026; 23/24 weekend, 25 spring holiday; BD 1 Tue 26 May.
        pytest.param(
            d(2026, 5, 22), d(2026, 5, 26), id="D1 CNF sent on the Friday before spring 2026"
        ),
        # Sat 2 May 2026; Sun 3, Mon 4 early May holiday; BD 1 Tue 5 May.
        pytest.param(
            d(2026, 5, 2), d(2026, 5, 5), id="D1 CNF sent on the Saturday before early May 2026"
        ),
        # Sat 26 Dec 2026 (Boxing Day); Sun 27, Mon 28 substitute; BD 1 Tue 29 Dec.
        pytest.param(d(2026, 12, 26), d(2026, 12, 29), id="D1 CNF sent on Boxing Day 2026 (Sat)"),
        # Maundy Thursday 2 Apr 2026; Good Friday 3, weekend, Easter Monday 6; BD 1 Tue 7 Apr.
        pytest.param(d(2026, 4, 2), d(2026, 4, 7), id="D1 CNF sent on Maundy Thursday 2026"),
        # Thu 24 Dec 2026; Christmas Fri 25, weekend, Mon 28 substitute; BD 1 Tue 29 Dec.
        pytest.param(d(2026, 12, 24), d(2026, 12, 29), id="D1 CNF sent on Christmas Eve 2026"),
        # Fri 24 Dec 2027; 25/26 weekend, Mon 27 and Tue 28 substitutes; BD 1 Wed 29 Dec.
        pytest.param(d(2027, 12, 24), d(2027, 12, 29), id="D1 CNF sent on Christmas Eve 2027"),
        # Fri 31 Dec 2027; Sat 1 Jan, Sun 2, Mon 3 substitute; BD 1 Tue 4 Jan 2028.
        pytest.param(d(2027, 12, 31), d(2028, 1, 4), id="D1 CNF sent on New Year's Eve 2027"),
        # Fri 27 Aug 2027; 28/29 weekend, 30 summer holiday; BD 1 Tue 31 Aug.
        pytest.param(
            d(2027, 8, 27), d(2027, 8, 31), id="D1 CNF sent the Friday before summer 2027"
        ),
        # Good Friday 26 Mar 2027 itself; weekend, Easter Monday 29; BD 1 Tue 30 Mar.
        pytest.param(d(2027, 3, 26), d(2027, 3, 30), id="D1 CNF sent on Good Friday 2027"),
    ],
)
def test_acknowledgement_deadline_from_the_cnf_sent_date(start: date, expected: date) -> None:
    assert acknowledgement_deadline(CAL, start) == Deadline("D1", expected)


@pytest.mark.parametrize(
    ("reassigned_on", "expected"),
    [
        # Maundy Thursday 25 Mar 2027; Good Friday, weekend, Easter Monday; BD 1 Tue 30 Mar.
        pytest.param(d(2027, 3, 25), d(2027, 3, 30), id="D1 reassigned on Maundy Thursday 2027"),
        # Fri 28 May 2027; weekend, 31 spring holiday; BD 1 Tue 1 Jun.
        pytest.param(d(2027, 5, 28), d(2027, 6, 1), id="D1 reassigned before spring 2027"),
    ],
)
def test_acknowledgement_deadline_from_a_reassignment(reassigned_on: date, expected: date) -> None:
    assert acknowledgement_deadline(CAL, reassigned_on) == Deadline("D1", expected)


# ---------------------------------------------------------------------------------- D2
@pytest.mark.parametrize(
    ("sent", "claim_type", "acknowledged_on", "start", "due"),
    [
        # Sent and acknowledged Maundy Thursday 2 Apr 2026 (D1 Tue 7 Apr): from 2 Apr.
        # Easter skipped; BD 7-10 Apr (4), 13-17 (9), 20-24 (14), 27-30 (18), Fri 1 May (19);
        # 4 May early May; 5-8 (23), 11-15 (28), 18 (29), Tue 19 May (30).
        pytest.param(
            d(2026, 4, 2), "EL", d(2026, 4, 2), d(2026, 4, 2), d(2026, 5, 19),
            id="D2 EL acknowledged on the sent date, Easter 2026",
        ),
        # As above to BD 30 Tue 19 May; 20, 21, 22 (33); 25 spring; 26-29 (37), 1, 2 (39),
        # Wed 3 Jun (40).
        pytest.param(
            d(2026, 4, 2), "PL", d(2026, 4, 2), d(2026, 4, 2), d(2026, 6, 3),
            id="D2 PL acknowledged on the sent date, Easter 2026",
        ),
        # Acknowledged on the D1 date Tue 7 Apr 2026: from 7 Apr. BD 8-10 (3), 13-17 (8),
        # 20-24 (13), 27-30 (17), 1 May (18); 4 May; 5-8 (22), 11-15 (27), 18, 19 (29),
        # Wed 20 May (30).
        pytest.param(
            d(2026, 4, 2), "ELD", d(2026, 4, 7), d(2026, 4, 7), d(2026, 5, 20),
            id="D2 ELD acknowledged on the D1 date, Easter 2026",
        ),
        # Acknowledged Wed 8 Apr, the day after D1: from the D1 date Tue 7 Apr. BD 30 Wed 20 May
        # as above; 21, 22 (32); 25 spring; 26-29 (36), 1-3 Jun (39), Thu 4 Jun (40).
        pytest.param(
            d(2026, 4, 2), "PL", d(2026, 4, 8), d(2026, 4, 7), d(2026, 6, 4),
            id="D2 PL acknowledged the day after D1, Easter 2026",
        ),
        # Never acknowledged: from the D1 date Tue 7 Apr 2026, BD 30 Wed 20 May as above.
        pytest.param(
            d(2026, 4, 2), "EL", None, d(2026, 4, 7), d(2026, 5, 20),
            id="D2 EL never acknowledged, Easter 2026",
        ),
        # Sent and acknowledged Sat 19 Dec 2026 (D1 Mon 21 Dec): from the Saturday.
        # BD 21-24 Dec (4); 25 Christmas, 28 substitute; 29-31 (7); 1 Jan; 4-8 Jan (12),
        # 11-15 (17), 18-22 (22), 25-29 (27), 1, 2 Feb (29), Wed 3 Feb 2027 (30).
        pytest.param(
            d(2026, 12, 19), "EL", d(2026, 12, 19), d(2026, 12, 19), d(2027, 2, 3),
            id="D2 EL acknowledged on a Saturday sent date, Christmas 2026",
        ),
        # Never acknowledged: from the D1 date Mon 21 Dec 2026. BD 22-24 (3); Christmas;
        # 29-31 (6); 1 Jan; 4-8 (11), 11-15 (16), 18-22 (21), 25-29 (26), 1-3 Feb (29),
        # Thu 4 Feb 2027 (30).
        pytest.param(
            d(2026, 12, 19), "ELD", None, d(2026, 12, 21), d(2027, 2, 4),
            id="D2 ELD never acknowledged, sent on a Saturday, Christmas 2026",
        ),
        # Acknowledged on the D1 date Mon 21 Dec 2026: BD 30 Thu 4 Feb as above; Fri 5 (31),
        # 8-12 (36), 15-17 (39), Thu 18 Feb 2027 (40).
        pytest.param(
            d(2026, 12, 19), "PL", d(2026, 12, 21), d(2026, 12, 21), d(2027, 2, 18),
            id="D2 PL acknowledged on the D1 date, Christmas 2026",
        ),
        # Sent and acknowledged Fri 19 Nov 2027: BD 22-26 (5), 29, 30 (7), 1-3 Dec (10),
        # 6-10 (15), 13-17 (20), 20-24 (25); 27/28 substitutes; 29-31 (28); 3 Jan substitute;
        # 4 (29), Wed 5 Jan 2028 (30).
        pytest.param(
            d(2027, 11, 19), "EL", d(2027, 11, 19), d(2027, 11, 19), d(2028, 1, 5),
            id="D2 EL acknowledged on the sent date, Christmas 2027 and New Year 2028",
        ),
        # Sent and acknowledged Fri 24 Dec 2027 (D1 Wed 29 Dec): 25-28 weekend and substitutes;
        # BD 29-31 (3); 3 Jan; 4-7 (7), 10-14 (12), 17-21 (17), 24-28 (22), 31 Jan (23),
        # 1-4 Feb (27), 7-11 (32), 14-18 (37), 21, 22 (39), Wed 23 Feb 2028 (40).
        pytest.param(
            d(2027, 12, 24), "PL", d(2027, 12, 24), d(2027, 12, 24), d(2028, 2, 23),
            id="D2 PL acknowledged on Christmas Eve 2027",
        ),
        # Acknowledged Thu 30 Dec 2027, the day after D1 Wed 29 Dec: from 29 Dec. BD 30, 31 (2);
        # 3 Jan; 4-7 (6), 10-14 (11), 17-21 (16), 24-28 (21), 31 Jan (22), 1-4 Feb (26),
        # 7-9 (29), Thu 10 Feb 2028 (30).
        pytest.param(
            d(2027, 12, 24), "EL", d(2027, 12, 30), d(2027, 12, 29), d(2028, 2, 10),
            id="D2 EL acknowledged the day after D1, Christmas 2027",
        ),
        # Sent Mon 19 Jul 2027, acknowledged on the D1 date Tue 20 Jul: BD 21-23 (3),
        # 26-30 (8), 2-6 Aug (13), 9-13 (18), 16-20 (23), 23-27 (28); 30 summer holiday;
        # 31 (29), Wed 1 Sep 2027 (30).
        pytest.param(
            d(2027, 7, 19), "ELD", d(2027, 7, 20), d(2027, 7, 20), d(2027, 9, 1),
            id="D2 ELD acknowledged on the D1 date, summer 2027",
        ),
        # Sent and acknowledged Fri 27 Aug 2027 (D1 Tue 31 Aug): 30 Aug summer; BD 31 (1),
        # 1-3 Sep (4), 6-10 (9), 13-17 (14), 20-24 (19), 27-30 (23), 1 Oct (24), 4-8 (29),
        # Mon 11 Oct 2027 (30).
        pytest.param(
            d(2027, 8, 27), "EL", d(2027, 8, 27), d(2027, 8, 27), d(2027, 10, 11),
            id="D2 EL acknowledged on the sent date before summer 2027",
        ),
        # Acknowledged Wed 1 Sep, the day after D1 Tue 31 Aug: from 31 Aug. BD 1-3 Sep (3),
        # 6-10 (8), 13-17 (13), 20-24 (18), 27-30 (22), 1 Oct (23), 4-8 (28), 11 (29),
        # Tue 12 Oct 2027 (30).
        pytest.param(
            d(2027, 8, 27), "ELD", d(2027, 9, 1), d(2027, 8, 31), d(2027, 10, 12),
            id="D2 ELD acknowledged the day after D1, summer 2027",
        ),
    ],
)  # fmt: skip
def test_liability_deadline(
    sent: date, claim_type: str, acknowledged_on: date | None, start: date, due: date
) -> None:
    assert liability_start(CAL, sent, acknowledged_on) == start
    decision = liability_deadline(CAL, ELPL, sent, claim_type, acknowledged_on=acknowledged_on)
    assert decision == Deadline("D2", due)


# ---------------------------------------------------------------------------------- D15
@pytest.mark.parametrize(
    ("admitted_on", "claim_type", "expected"),
    [
        # Wed 22 Dec 2027: BD 23, 24 (2); 27/28 substitutes; 29-31 (5); 3 Jan substitute;
        # 4-7 (9), 10-14 (14), 17-21 (19), Mon 24 Jan 2028 (20).
        pytest.param(
            d(2027, 12, 22), "EL", Deadline("D15", d(2028, 1, 24)),
            id="D15 EL admitted over Christmas 2027 and New Year 2028",
        ),
        # Mon 23 Mar 2026: BD 24-27 (4), 30, 31 (6), 1, 2 Apr (8); Easter; 7-10 (12), 13-17 (17),
        # 20, 21 (19), Wed 22 Apr (20).
        pytest.param(
            d(2026, 3, 23), "ELD", Deadline("D15", d(2026, 4, 22)),
            id="D15 ELD admitted over Easter 2026",
        ),
        # Thu 30 Apr 2026: BD Fri 1 May (1); 4 May early May; 5-8 (5), 11-15 (10), 18-22 (15);
        # 25 spring; 26-29 (19), Mon 1 Jun (20).
        pytest.param(
            d(2026, 4, 30), "EL", Deadline("D15", d(2026, 6, 1)),
            id="D15 EL admitted over early May and spring 2026",
        ),
        # Fri 7 May 2027: BD 10-14 (5), 17-21 (10), 24-28 (15); 31 spring; 1-4 Jun (19),
        # Mon 7 Jun (20).
        pytest.param(
            d(2027, 5, 7), "ELD", Deadline("D15", d(2027, 6, 7)),
            id="D15 ELD admitted over spring 2027",
        ),
        pytest.param(d(2027, 5, 7), "PL", None, id="D15 none for PL"),
    ],
)  # fmt: skip
def test_earnings_information_deadline(
    admitted_on: date, claim_type: str, expected: Deadline | None
) -> None:
    assert earnings_information_deadline(CAL, admitted_on, claim_type) == expected


# ---------------------------------------------------------------------------------- on entry
def facts(
    phase: str,
    source: str,
    entered_on: date,
    claim_type: str,
    running: Deadline | None = None,
    sent: date | None = None,
    acknowledged: date | None = None,
) -> EntryFacts:
    dates = {Start.CNF_SENT: sent} if sent else {}
    dates |= {Start.ACKNOWLEDGED: acknowledged} if acknowledged else {}
    return EntryFacts(
        service=ELPL,
        phase=phase,
        source=source,
        entered_on=entered_on,
        claim_type=claim_type,
        running=running,
        dates=dates,
    )


# D2 of the cases above, running into the entries below.
D2_EL_EASTER_2026 = Deadline("D2", d(2026, 5, 20))  # sent 2 Apr 2026, from D1 7 Apr
D2_PL_EASTER_2026 = Deadline("D2", d(2026, 6, 4))  # sent 2 Apr 2026, from D1 7 Apr
D2_EL_XMAS_2026 = Deadline("D2", d(2027, 2, 3))  # sent and acknowledged Sat 19 Dec 2026
D2_EL_XMAS_2027 = Deadline("D2", d(2028, 2, 10))  # sent 24 Dec 2027, from D1 29 Dec
D2_EL_NOV_2027 = Deadline("D2", d(2028, 1, 5))  # sent and acknowledged 19 Nov 2027


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # The CNF sent Maundy Thursday 2 Apr 2026: D1 Tue 7 Apr (information), D2 armed from it:
        # EL 30 BD = Wed 20 May 2026 (counted in test_liability_deadline).
        pytest.param(
            facts(SUB, NEW, d(2026, 4, 2), "EL", sent=d(2026, 4, 2)),
            EntryDecision(Action.ARM, D2_EL_EASTER_2026, (Deadline("D1", d(2026, 4, 7)),)),
            id="entry ClaimSubmitted EL from new, Easter 2026",
        ),
        # The CNF sent Fri 24 Dec 2027: D1 Wed 29 Dec; PL 40 BD from it: BD 30 Thu 10 Feb 2028
        # (test_liability_deadline); Fri 11 (31), 14-18 (36), 21-23 (39), Thu 24 Feb 2028 (40).
        pytest.param(
            facts(SUB, NEW, d(2027, 12, 24), "PL", sent=d(2027, 12, 24)),
            EntryDecision(
                Action.ARM, Deadline("D2", d(2028, 2, 24)), (Deadline("D1", d(2027, 12, 29)),)
            ),
            id="entry ClaimSubmitted PL from new, Christmas Eve 2027",
        ),
        # Acknowledged on the sent date 2 Apr 2026, on time: D2 re-armed from 2 Apr, one BD
        # earlier than the running one from D1: Tue 19 May 2026.
        pytest.param(
            facts(ACK, SUB, d(2026, 4, 2), "EL", D2_EL_EASTER_2026, d(2026, 4, 2), d(2026, 4, 2)),
            EntryDecision(Action.ARM, Deadline("D2", d(2026, 5, 19))),
            id="entry ClaimAcknowledged EL on the sent date re-arms D2",
        ),
        # Acknowledged on the D1 date Tue 7 Apr 2026: the same count as from D1, kept.
        pytest.param(
            facts(ACK, SUB, d(2026, 4, 7), "EL", D2_EL_EASTER_2026, d(2026, 4, 2), d(2026, 4, 7)),
            EntryDecision(Action.KEEP, D2_EL_EASTER_2026),
            id="entry ClaimAcknowledged EL on the D1 date keeps D2",
        ),
        # Acknowledged late, Wed 8 Apr 2026: D2 stays counted from D1, Thu 4 Jun (PL).
        pytest.param(
            facts(ACK, SUB, d(2026, 4, 8), "PL", D2_PL_EASTER_2026, d(2026, 4, 2), d(2026, 4, 8)),
            EntryDecision(Action.KEEP, D2_PL_EASTER_2026),
            id="entry ClaimAcknowledged PL late keeps D2 from D1",
        ),
        # Reassigned Thu 24 Dec 2026: D2 (Wed 3 Feb 2027) continues; a new D1 from the
        # reassignment: Christmas Fri 25, weekend, Mon 28 substitute; BD 1 Tue 29 Dec 2026.
        pytest.param(
            facts(
                SUB, ACK, d(2026, 12, 24), "EL", D2_EL_XMAS_2026, d(2026, 12, 19), d(2026, 12, 19)
            ),
            EntryDecision(Action.KEEP, D2_EL_XMAS_2026, (Deadline("D1", d(2026, 12, 29)),)),
            id="entry ClaimSubmitted EL reassigned on Christmas Eve 2026",
        ),
        # Acknowledged again Tue 29 Dec 2026 by the new compensator: D2 still counts from the first
        # acknowledgement (Sat 19 Dec), so Wed 3 Feb 2027 is kept (5.4: reassignment keeps D2).
        pytest.param(
            facts(
                ACK, SUB, d(2026, 12, 29), "EL", D2_EL_XMAS_2026, d(2026, 12, 19), d(2026, 12, 19)
            ),
            EntryDecision(Action.KEEP, D2_EL_XMAS_2026),
            id="entry ClaimAcknowledged EL after a reassignment keeps D2",
        ),
        # Accepted Mon 10 Jan 2028: D2 (Thu 10 Feb 2028) continues.
        pytest.param(
            facts(
                LIAB, ACK, d(2028, 1, 10), "EL", D2_EL_XMAS_2027, d(2027, 12, 24), d(2027, 12, 30)
            ),
            EntryDecision(Action.KEEP, D2_EL_XMAS_2027),
            id="entry LiabilityDecision EL keeps D2",
        ),
        # Admitted Wed 22 Dec 2027: D2 cancelled, D15 Mon 24 Jan 2028 (test_earnings_...).
        pytest.param(
            facts(ADMITTED, LIAB, d(2027, 12, 22), "EL", D2_EL_NOV_2027),
            EntryDecision(Action.CANCEL, None, (Deadline("D15", d(2028, 1, 24)),)),
            id="entry LiabilityAdmitted EL records D15 over Christmas 2027",
        ),
        # Admitted Thu 30 Apr 2026: D2 cancelled, D15 Mon 1 Jun 2026 (test_earnings_...).
        pytest.param(
            facts(ADMITTED, LIAB, d(2026, 4, 30), "ELD", D2_EL_EASTER_2026),
            EntryDecision(Action.CANCEL, None, (Deadline("D15", d(2026, 6, 1)),)),
            id="entry LiabilityAdmitted ELD records D15 over early May 2026",
        ),
        pytest.param(
            facts(ADMITTED_CHILD, LIAB, d(2026, 4, 30), "ELD", D2_EL_EASTER_2026),
            EntryDecision(Action.CANCEL, None, (Deadline("D15", d(2026, 6, 1)),)),
            id="entry LiabilityAdmittedForChild ELD records D15",
        ),
        # PL: no D15, nothing recorded.
        pytest.param(
            facts(ADMITTED, LIAB, d(2026, 5, 12), "PL", D2_PL_EASTER_2026),
            EntryDecision(Action.CANCEL, None, ()),
            id="entry LiabilityAdmitted PL records nothing",
        ),
    ],
)  # fmt: skip
def test_stage1_entry(entry: EntryFacts, expected: EntryDecision) -> None:
    assert deadline_for_entry(entry, CAL) == expected


# ---------------------------------------------------------------------------------- warnings
@pytest.mark.parametrize(
    ("due", "days_left_on", "days_left_at", "limit_on", "limit_at"),
    [
        # D2 Wed 1 Sep 2027: 5 BD before: Tue 31 Aug (1); 30 Aug summer; Fri 27 (2), Thu 26 (3),
        # Wed 25 (4), Tue 24 Aug (5): 00:00 BST = Mon 23 Aug 23:00 UTC. Time limit Thu 2 Sep
        # 00:00 BST = Wed 1 Sep 23:00 UTC.
        pytest.param(
            d(2027, 9, 1), d(2027, 8, 24), datetime(2027, 8, 23, 23, 0, tzinfo=UTC),
            d(2027, 9, 2), datetime(2027, 9, 1, 23, 0, tzinfo=UTC),
            id="warnings D2 across the summer holiday 2027 (BST)",
        ),
        # D2 Wed 5 Jan 2028: Tue 4 (1); Mon 3 substitute; Fri 31 Dec (2), Thu 30 (3), Wed 29 (4);
        # 27/28 substitutes, weekend; Fri 24 Dec 2027 (5): 00:00 GMT = 00:00 UTC. Time limit
        # Thu 6 Jan 2028 00:00 GMT.
        pytest.param(
            d(2028, 1, 5), d(2027, 12, 24), datetime(2027, 12, 24, 0, 0, tzinfo=UTC),
            d(2028, 1, 6), datetime(2028, 1, 6, 0, 0, tzinfo=UTC),
            id="warnings D2 across Christmas 2027 and New Year 2028 (GMT)",
        ),
        # D2 Tue 12 Oct 2027: Mon 11 (1), Fri 8 (2), Thu 7 (3), Wed 6 (4), Tue 5 Oct (5):
        # 00:00 BST = Mon 4 Oct 23:00 UTC. Time limit Wed 13 Oct 00:00 BST = Tue 12 Oct 23:00 UTC.
        pytest.param(
            d(2027, 10, 12), d(2027, 10, 5), datetime(2027, 10, 4, 23, 0, tzinfo=UTC),
            d(2027, 10, 13), datetime(2027, 10, 12, 23, 0, tzinfo=UTC),
            id="warnings D2 in October 2027 (BST)",
        ),
        # D2 Thu 4 Feb 2027: Wed 3 (1), Tue 2 (2), Mon 1 Feb (3), Fri 29 (4), Thu 28 Jan (5):
        # 00:00 GMT. Time limit Fri 5 Feb 00:00 GMT.
        pytest.param(
            d(2027, 2, 4), d(2027, 1, 28), datetime(2027, 1, 28, 0, 0, tzinfo=UTC),
            d(2027, 2, 5), datetime(2027, 2, 5, 0, 0, tzinfo=UTC),
            id="warnings D2 in February 2027 (GMT)",
        ),
    ],
)  # fmt: skip
def test_liability_warnings(
    due: date, days_left_on: date, days_left_at: datetime, limit_on: date, limit_at: datetime
) -> None:
    warnings = warning_dates(CAL, due, "D2")
    assert [(w.rule, w.kind, w.on, w.days_left) for w in warnings] == [
        ("D2", DAYS_LEFT, days_left_on, 5),
        ("D2", TIME_LIMIT_REACHED, limit_on, None),
    ]
    assert [w.at for w in warnings] == [days_left_at, limit_at]


@pytest.mark.parametrize(
    ("due", "limit_on", "limit_at"),
    [
        # D1 Tue 7 Apr 2026: time limit Wed 8 Apr 00:00 BST = Tue 7 Apr 23:00 UTC.
        pytest.param(
            d(2026, 4, 7), d(2026, 4, 8), datetime(2026, 4, 7, 23, 0, tzinfo=UTC),
            id="warnings D1 after Easter 2026 (BST)",
        ),
        # D1 Tue 29 Dec 2026: time limit Wed 30 Dec 00:00 GMT.
        pytest.param(
            d(2026, 12, 29), d(2026, 12, 30), datetime(2026, 12, 30, 0, 0, tzinfo=UTC),
            id="warnings D1 after Christmas 2026 (GMT)",
        ),
    ],
)  # fmt: skip
def test_acknowledgement_warnings_only_time_limit_reached(
    due: date, limit_on: date, limit_at: datetime
) -> None:
    warnings = warning_dates(CAL, due, "D1")
    assert [(w.rule, w.kind, w.on, w.days_left) for w in warnings] == [
        ("D1", TIME_LIMIT_REACHED, limit_on, None)
    ]
    assert warnings[0].at == limit_at
