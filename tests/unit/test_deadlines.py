"""Deadlines D1-D15: the table against the spec, and the functions on hand-counted dates.

Expected dates are counted by hand from the England and Wales bank holidays (see test_calendar).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import (
    DAYS_LEFT,
    DEADLINES,
    TIME_LIMIT_REACHED,
    TIMEOUT_TYPES,
    Deadline,
    DeadlineWarning,
    acknowledgement_deadline,
    additional_damages_deadline,
    agreed_extension,
    cpp_response_deadline,
    deadline_continues,
    earnings_information_deadline,
    interim_deadline,
    interim_extension_allowed,
    late_offer,
    liability_deadline,
    london,
    london_date,
    payment_deadline,
    rule_deadline,
    rules_for_phase,
    s2sp_initial,
    s2sp_total,
    stage1_costs_deadline,
    timeout_instant,
    warning_dates,
)
from gateway.domain.lifecycle import LIFECYCLES, TIMEOUT
from gateway.domain.services import Service

CAL = BusinessCalendar()  # statutory England and Wales holidays


def spec_table(spec: Path, name: str, heading: str) -> list[list[str]]:
    lines = (spec / name).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[2:]


# ---------------------------------------------------------------------------------- the table
def test_business_day_counts_match_lifecycle_5_3(spec: Path) -> None:
    rows = spec_table(spec, "lifecycle.md", "### 5.3 Deadline table")
    assert [r[0] for r in rows] == list(DEADLINES)
    for rule_id, _step, rta, elpl, *_ in rows:
        rule = DEADLINES[rule_id]
        number = re.match(r"\+?(\d+)", rta)
        assert rule.business_days.get("RTA") == (int(number.group(1)) if number else None)
        if "PL:" in elpl:
            assert elpl == "EL and ELD: 30; PL: 40"
            assert {k: rule.business_days[k] for k in ("EL", "ELD", "PL")} == {
                "EL": 30,
                "ELD": 30,
                "PL": 40,
            }
        else:
            number = re.match(r"\+?(\d+)", elpl)
            for claim_type in ("EL", "ELD", "PL"):
                if claim_type in rule.business_days:
                    assert number and rule.business_days[claim_type] == int(number.group(1))
            assert bool(number) == any(k in rule.business_days for k in ("EL", "ELD", "PL"))


def test_warnings_match_lifecycle_5_3(spec: Path) -> None:
    for rule_id, *_, warnings in spec_table(spec, "lifecycle.md", "### 5.3 Deadline table"):
        rule = DEADLINES[rule_id]
        days = tuple(int(n) for n in re.findall(r"(\d+) days left", warnings))
        assert rule.warnings == days or rule_id == "D11", rule_id
        assert rule.time_limit_reached == ("time limit reached" in warnings or rule_id == "D11")


def test_timeout_type_codes_match_payloads_7(spec: Path) -> None:
    rows = spec_table(spec, "payloads.md", "**`TimeOutType` codes (decided):**")
    assert {r[0].strip("`") for r in rows} == set(TIMEOUT_TYPES)
    used = {code: rule.id for rule in DEADLINES.values() for code in rule.timeout_types.values()}
    assert set(used) == set(TIMEOUT_TYPES)
    for code, description in rows:
        assert description.startswith(used[code.strip("`")] + " "), code


@pytest.mark.parametrize("service", list(Service))
def test_phase_deadlines_and_timeouts_agree_with_the_rules(service: Service) -> None:
    lifecycle = LIFECYCLES[service]
    for phase in lifecycle.phases:
        for rule_id in phase.deadline_on_entry or ():
            rule = DEADLINES[rule_id]
            assert rule.information_only or phase.id in rule.phases, (phase.id, rule_id)
        timed = rules_for_phase(phase.id)
        assert bool(timed) == (lifecycle.timeout(phase.id) is not None), phase.id
    for rule in DEADLINES.values():
        for phase_id in rule.phases & {p.id for p in lifecycle.phases}:
            assert lifecycle.rows(phase_id, TIMEOUT), (rule.id, phase_id)


def test_deadline_continues() -> None:
    assert deadline_continues("D2", "ClaimSubmitted", "Article75Decision")
    assert deadline_continues("D2", "Article75Decision", "LiabilityDecision")
    assert not deadline_continues("D2", "ClaimSubmitted", "AcknowledgeRejectedClaim")
    counter = "Stage2SettlementPackCounterOfferNeeded"
    assert deadline_continues("D9", "Stage2SettlementPackAgreementDecision", counter)
    assert deadline_continues("D11", "Stage2SettlementPackAgreementDecision", counter)
    assert not deadline_continues(
        "D11", "Stage2SettlementPackDecision", "Stage2SettlementPackAgreementDecision"
    )
    assert not deadline_continues("D8", "Stage2SettlementPackDecision", "Stage21Payment")
    assert not deadline_continues("D4", "LiabilityAdmitted", "Stage1Payment")


def test_rule_lookups() -> None:
    assert DEADLINES["D2"].days(Service.ELPL, "PL") == 40
    assert DEADLINES["D2"].days(Service.RTA) == 15
    assert DEADLINES["D15"].applies_to(Service.ELPL, "ELD")
    assert not DEADLINES["D15"].applies_to(Service.ELPL, "PL")
    with pytest.raises(ValueError, match="D3 does not apply"):
        DEADLINES["D3"].days(Service.ELPL, "EL")
    with pytest.raises(ValueError, match="claim type"):
        DEADLINES["D2"].days(Service.ELPL)
    assert [r.id for r in rules_for_phase("InterimPaymentDecision")] == ["D5", "D6", "D7"]
    assert DEADLINES["D11"].timeout_type("Stage2SettlementPackCounterOfferByCR") == "35"
    assert Deadline("D2", date(2026, 4, 15)).timeout_type("LiabilityDecision") == "11"
    assert DEADLINES["D4"].information_only and not DEADLINES["D13"].information_only


# ---------------------------------------------------------------------------------- liability
def test_rta_liability() -> None:
    assert liability_deadline(CAL, Service.RTA, date(2026, 3, 23)) == Deadline(
        "D2", date(2026, 4, 15)
    )
    mib = liability_deadline(CAL, Service.RTA, date(2022, 8, 22), mib_or_art75=True)
    assert mib == Deadline("D3", date(2022, 10, 5))


def test_elpl_liability_counts_from_the_acknowledgement_or_the_d1_date() -> None:
    sent = date(2026, 11, 23)  # Monday; D1 is Tuesday 24 Nov
    assert acknowledgement_deadline(CAL, sent) == Deadline("D1", date(2026, 11, 24))
    on_time = liability_deadline(CAL, Service.ELPL, sent, "EL", acknowledged_on=date(2026, 11, 24))
    assert on_time == Deadline("D2", date(2027, 1, 8))
    same_day = liability_deadline(CAL, Service.ELPL, sent, "ELD", acknowledged_on=sent)
    assert same_day.due == date(2027, 1, 7)
    late = liability_deadline(CAL, Service.ELPL, sent, "EL", acknowledged_on=date(2026, 11, 26))
    assert late.due == date(2027, 1, 8)
    assert liability_deadline(CAL, Service.ELPL, sent, "EL").due == date(2027, 1, 8)
    assert liability_deadline(CAL, Service.ELPL, sent, "PL").due == date(2027, 1, 22)
    with pytest.raises(ValueError):
        liability_deadline(CAL, Service.ELPL, sent, "EL", mib_or_art75=True)
    with pytest.raises(ValueError):
        liability_deadline(CAL, Service.ELPL, sent, "EL", acknowledged_on=date(2026, 11, 20))


# ---------------------------------------------------------------------------------- stage 2
def test_interim_deadlines() -> None:
    isp = date(2023, 4, 27)
    assert interim_deadline(CAL, isp, Decimal("1000.00")) == Deadline("D5", date(2023, 5, 15))
    assert interim_deadline(CAL, isp, Decimal("1000.01")) == Deadline("D6", date(2023, 5, 22))
    assert interim_deadline(CAL, isp, 2500, extended=True) == Deadline("D7", date(2023, 6, 13))
    with pytest.raises(ValueError):
        interim_deadline(CAL, isp, 1000, extended=True)
    assert interim_extension_allowed(Decimal("1000.01"), already_extended=False)
    assert not interim_extension_allowed(Decimal("1000.01"), already_extended=True)
    assert not interim_extension_allowed(1000, already_extended=False)


def test_settlement_pack_periods() -> None:
    assert s2sp_initial(CAL, date(2022, 5, 23)) == Deadline("D8", date(2022, 6, 15))
    assert s2sp_total(CAL, date(2026, 4, 15)) == Deadline("D9", date(2026, 6, 5))


@pytest.mark.parametrize(
    ("offer", "end", "expected"),
    [
        # period ends Friday 5 Jun 2026; its last 5 BD are Mon 1 - Fri 5 Jun
        (date(2026, 5, 28), date(2026, 6, 5), (date(2026, 6, 5), False)),
        (date(2026, 5, 29), date(2026, 6, 5), (date(2026, 6, 5), False)),  # 6th-last BD
        (date(2026, 5, 30), date(2026, 6, 5), (date(2026, 6, 5), False)),  # Saturday before
        (date(2026, 5, 31), date(2026, 6, 5), (date(2026, 6, 5), False)),  # Sunday before
        (date(2026, 6, 1), date(2026, 6, 5), (date(2026, 6, 8), True)),  # 5th-last BD
        (date(2026, 6, 3), date(2026, 6, 5), (date(2026, 6, 10), True)),
        (date(2026, 6, 5), date(2026, 6, 5), (date(2026, 6, 12), True)),  # the last day
        # period ends Wed 27 May 2026; Mon 25 May is the spring holiday: last 5 BD 20-27 May
        (date(2026, 5, 19), date(2026, 5, 27), (date(2026, 5, 27), False)),
        (date(2026, 5, 20), date(2026, 5, 27), (date(2026, 5, 28), True)),
        (date(2026, 5, 23), date(2026, 5, 27), (date(2026, 6, 1), True)),  # a Saturday inside
        (date(2026, 5, 25), date(2026, 5, 27), (date(2026, 6, 1), True)),  # on the holiday
        # period moved by an agreed extension to Tue 29 Dec 2026 (25 and 28 Dec holidays)
        # (last 5 BD: 21-24 and 29 Dec)
        (date(2026, 12, 18), date(2026, 12, 29), (date(2026, 12, 29), False)),
        (date(2026, 12, 21), date(2026, 12, 29), (date(2026, 12, 30), True)),
        (date(2026, 12, 22), date(2026, 12, 29), (date(2026, 12, 31), True)),
        (date(2026, 12, 25), date(2026, 12, 29), (date(2027, 1, 5), True)),
    ],
)
def test_late_offer_rule(offer: date, end: date, expected: tuple[date, bool]) -> None:
    assert late_offer(CAL, offer, end) == expected


def test_agreed_extension() -> None:
    current = date(2026, 6, 5)
    assert agreed_extension(CAL, current, date(2026, 6, 8)) == Deadline("D11", date(2026, 6, 8))
    for bad in (current, date(2026, 6, 1), date(2026, 6, 6), date(2026, 8, 31)):
        with pytest.raises(ValueError):
            agreed_extension(CAL, current, bad)


def test_other_deadlines() -> None:
    assert stage1_costs_deadline(CAL, date(2025, 4, 14)) == Deadline("D4", date(2025, 4, 30))
    assert payment_deadline(CAL, date(2025, 12, 24)).due == date(2026, 1, 12)
    assert cpp_response_deadline(CAL, date(2027, 12, 23)) == Deadline("D13", date(2028, 1, 4))
    assert additional_damages_deadline(CAL, date(2025, 12, 15)).due == date(2026, 1, 8)
    assert earnings_information_deadline(CAL, date(2026, 8, 31), "PL") is None
    eld = earnings_information_deadline(CAL, date(2026, 8, 31), "ELD")
    assert eld == Deadline("D15", date(2026, 9, 28))
    assert rule_deadline(CAL, "D2", date(2027, 3, 1), Service.ELPL, "PL").due == date(2027, 4, 28)


# ---------------------------------------------------------------------------------- instants
def test_timeout_instant_is_london_midnight_of_the_next_day() -> None:
    winter = timeout_instant(date(2026, 3, 28))  # clocks go forward on 29 Mar 2026 at 01:00
    assert winter == datetime(2026, 3, 29, tzinfo=london())
    assert winter.utcoffset() == timedelta(0)
    summer = timeout_instant(date(2026, 10, 24))  # clocks go back on 25 Oct 2026 at 02:00
    assert summer.utcoffset() == timedelta(hours=1)
    assert summer == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    new_year = timeout_instant(date(2026, 12, 31))
    assert (new_year.year, new_year.month, new_year.day, new_year.hour) == (2027, 1, 1, 0)
    assert Deadline("D13", date(2026, 12, 31)).timeout_at == new_year


def test_london_date() -> None:
    assert london_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert london_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)
    with pytest.raises(ValueError):
        london_date(datetime(2026, 1, 1))


def test_warning_dates() -> None:
    liability = warning_dates(CAL, date(2026, 4, 15), "D2")
    assert liability == [
        DeadlineWarning("D2", DAYS_LEFT, date(2026, 4, 8), 5),
        DeadlineWarning("D2", TIME_LIMIT_REACHED, date(2026, 4, 16)),
    ]
    assert liability[0].at == datetime(2026, 4, 7, 23, 0, tzinfo=UTC)  # 00:00 BST
    s2sp = warning_dates(CAL, date(2026, 12, 29), DEADLINES["D8"])
    assert [(w.kind, w.on) for w in s2sp] == [
        (DAYS_LEFT, date(2026, 12, 22)),
        (TIME_LIMIT_REACHED, date(2026, 12, 30)),
    ]
    assert s2sp[1].at == timeout_instant(date(2026, 12, 29))
    assert warning_dates(CAL, date(2026, 4, 15), "D4") == []
    assert [w.kind for w in warning_dates(CAL, date(2026, 4, 15), "D13")] == [TIME_LIMIT_REACHED]
    assert [w.kind for w in warning_dates(CAL, date(2026, 11, 24), "D1")] == [TIME_LIMIT_REACHED]
    late = warning_dates(CAL, date(2026, 12, 29), "D10", armed_on=date(2026, 12, 22))
    assert [w.kind for w in late] == [TIME_LIMIT_REACHED]
