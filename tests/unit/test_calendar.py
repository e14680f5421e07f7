"""The England and Wales business-day calendar, with imported gov.uk data and without.

Every expected date below was counted by hand from the published England and Wales bank holidays
(listed in ``GOVUK``), never computed with the code under test.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from gateway.domain.calendar import (
    BusinessCalendar,
    easter_sunday,
    good_friday,
    parse_govuk_bank_holidays,
)

#: The gov.uk England and Wales bank holidays 2020-2028 (substitute and one-off days included).
EW_DATES = {
    2020: ["01-01", "04-10", "04-13", "05-08", "05-25", "08-31", "12-25", "12-28"],
    2021: ["01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"],
    2022: ["01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19", "12-26",
           "12-27"],
    2023: ["01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"],
    2024: ["01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"],
    2025: ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"],
    2026: ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"],
    2027: ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"],
    2028: ["01-03", "04-14", "04-17", "05-01", "05-29", "08-28", "12-25", "12-26"],
}  # fmt: skip
TITLES = {
    "2022-06-03": "Platinum Jubilee bank holiday",
    "2022-09-19": "Bank Holiday for the State Funeral of Queen Elizabeth II",
    "2023-05-08": "Bank holiday for the coronation of King Charles III",
}
GOVUK = json.dumps(
    {
        "england-and-wales": {
            "division": "england-and-wales",
            "events": [
                {
                    "title": TITLES.get(f"{year}-{md}", "Bank holiday"),
                    "date": f"{year}-{md}",
                    "notes": "",
                    "bunting": True,
                }
                for year, days in EW_DATES.items()
                for md in days
            ],
        },
        "scotland": {
            "division": "scotland",
            "events": [
                {"title": "2nd January", "date": "2026-01-02", "notes": "", "bunting": True},
                {"title": "St Andrew's Day", "date": "2026-11-30", "notes": "", "bunting": True},
            ],
        },
    }
)

IMPORTED = BusinessCalendar(dict(parse_govuk_bank_holidays(GOVUK)))
STATUTORY = BusinessCalendar()
CALENDARS = pytest.mark.parametrize(
    "calendar", [IMPORTED, STATUTORY], ids=["imported", "statutory"]
)

# (start, N, N-th business day after start), counted by hand.
CASES = [
    # Easter
    (date(2026, 4, 2), 1, date(2026, 4, 7)),  # Thu before Good Friday 3 Apr, Easter Monday 6 Apr
    (date(2026, 4, 1), 2, date(2026, 4, 7)),
    (date(2026, 4, 2), 5, date(2026, 4, 13)),
    (date(2026, 4, 3), 1, date(2026, 4, 7)),  # from Good Friday
    (date(2026, 3, 23), 15, date(2026, 4, 15)),  # D2 across Easter
    (date(2025, 4, 17), 3, date(2025, 4, 24)),
    (date(2025, 4, 14), 10, date(2025, 4, 30)),  # D5 across Easter 2025
    (date(2024, 3, 27), 2, date(2024, 4, 2)),
    (date(2027, 3, 25), 1, date(2027, 3, 30)),
    # Christmas and New Year
    (date(2026, 12, 24), 1, date(2026, 12, 29)),  # 28 Dec 2026: Boxing Day substitute
    (date(2026, 12, 23), 5, date(2027, 1, 4)),
    (date(2026, 12, 26), 1, date(2026, 12, 29)),  # from a Saturday holiday
    (date(2026, 12, 28), 3, date(2026, 12, 31)),  # from a substitute day
    (date(2026, 12, 31), 1, date(2027, 1, 4)),
    (date(2027, 12, 24), 1, date(2027, 12, 29)),  # 27 and 28 Dec 2027 both substitutes
    (date(2027, 12, 23), 3, date(2027, 12, 30)),
    (date(2027, 12, 30), 2, date(2028, 1, 4)),  # 3 Jan 2028: New Year substitute
    (date(2025, 12, 24), 1, date(2025, 12, 29)),
    (date(2025, 12, 15), 15, date(2026, 1, 8)),  # D2 across Christmas 2025
    (date(2022, 12, 23), 1, date(2022, 12, 28)),  # 27 Dec 2022: Christmas substitute
    (date(2022, 12, 30), 1, date(2023, 1, 3)),  # 2 Jan 2023: New Year substitute
    (date(2021, 12, 24), 2, date(2021, 12, 30)),
    (date(2026, 11, 24), 30, date(2027, 1, 8)),  # EL D2 across Christmas 2026
    (date(2027, 11, 24), 35, date(2028, 1, 17)),  # D9 across Christmas 2027
    # May bank holidays and one-off days
    (date(2026, 5, 1), 1, date(2026, 5, 5)),
    (date(2026, 5, 22), 2, date(2026, 5, 27)),
    (date(2026, 4, 15), 35, date(2026, 6, 5)),  # D9 across both May holidays
    (date(2023, 5, 5), 1, date(2023, 5, 9)),  # 8 May 2023: Coronation
    (date(2023, 4, 27), 10, date(2023, 5, 15)),  # D5: early May and Coronation
    (date(2022, 6, 1), 1, date(2022, 6, 6)),  # 2 Jun spring holiday, 3 Jun Platinum Jubilee
    (date(2022, 5, 23), 15, date(2022, 6, 15)),  # D8; 30 May 2022 was a working day
    (date(2022, 9, 16), 1, date(2022, 9, 20)),  # 19 Sep 2022: State Funeral
    (date(2022, 8, 22), 30, date(2022, 10, 5)),  # D3: summer holiday and State Funeral
    (date(2020, 5, 7), 1, date(2020, 5, 11)),  # 8 May 2020: early May moved to VE day
    (date(2027, 3, 1), 40, date(2027, 4, 28)),  # PL D2 across Easter 2027
    # from a weekend or a holiday
    (date(2026, 6, 6), 1, date(2026, 6, 8)),
    (date(2026, 6, 7), 10, date(2026, 6, 19)),
    (date(2026, 8, 29), 1, date(2026, 9, 1)),  # Saturday before the summer holiday
    (date(2026, 8, 31), 15, date(2026, 9, 21)),  # from the summer holiday
    (date(2025, 12, 25), 2, date(2025, 12, 30)),  # from Christmas Day
    (date(2026, 12, 25), 0, date(2026, 12, 25)),
]

# (deadline, N, the business day N business days before it), counted by hand.
BEFORE = [
    (date(2026, 4, 15), 5, date(2026, 4, 8)),
    (date(2026, 12, 29), 3, date(2026, 12, 22)),
    (date(2027, 1, 4), 3, date(2026, 12, 29)),
    (date(2022, 6, 6), 5, date(2022, 5, 26)),
    (date(2028, 1, 4), 1, date(2027, 12, 31)),
]


def test_there_are_enough_hand_counted_cases() -> None:
    assert len(CASES) >= 30


@CALENDARS
@pytest.mark.parametrize(("start", "n", "expected"), CASES)
def test_add_business_days(calendar: BusinessCalendar, start: date, n: int, expected: date) -> None:
    assert calendar.add_business_days(start, n) == expected


@CALENDARS
@pytest.mark.parametrize(("deadline", "n", "expected"), BEFORE)
def test_business_days_before(
    calendar: BusinessCalendar, deadline: date, n: int, expected: date
) -> None:
    assert calendar.business_days_before(deadline, n) == expected


@CALENDARS
def test_business_days_between(calendar: BusinessCalendar) -> None:
    assert calendar.business_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1
    assert calendar.business_days_between(date(2026, 4, 15), date(2026, 6, 5)) == 35
    assert calendar.business_days_between(date(2026, 6, 5), date(2026, 6, 5)) == 0


@pytest.mark.parametrize("year", sorted(EW_DATES))
def test_statutory_fallback_gives_the_published_weekday_holidays(year: int) -> None:
    published = {date.fromisoformat(f"{year}-{md}") for md in EW_DATES[year]}
    computed = {d for d in STATUTORY.holidays_in(year) if d.weekday() < 5}
    assert computed == published


def test_imported_data_is_authoritative_for_covered_years() -> None:
    assert IMPORTED.covered_years == frozenset(EW_DATES)
    assert IMPORTED.is_business_day(date(2026, 1, 2))  # a Scottish holiday only
    assert IMPORTED.holiday_name(date(2022, 9, 19)) == TITLES["2022-09-19"]
    # an administrator removed Easter Monday and added a closure day
    edited = {d: n for d, n in IMPORTED.holidays_in(2026).items() if d != date(2026, 4, 6)}
    edited[date(2026, 6, 15)] = "Closure"
    calendar = BusinessCalendar(edited)
    assert calendar.is_business_day(date(2026, 4, 6))
    assert not calendar.is_business_day(date(2026, 6, 15))
    assert calendar.add_business_days(date(2026, 4, 2), 1) == date(2026, 4, 6)
    assert not calendar.is_covered(2027)  # falls back to the statutory holidays
    assert not calendar.is_business_day(date(2027, 3, 29))


def test_good_friday_and_christmas_day_are_never_business_days() -> None:
    calendar = BusinessCalendar([date(2026, 5, 4)], covered_years={2026})
    assert not calendar.is_business_day(date(2026, 4, 3))
    assert not calendar.is_business_day(date(2026, 12, 25))
    assert calendar.is_business_day(date(2026, 4, 6))  # not imported: a business day
    assert not calendar.is_business_day(date(2026, 5, 4))
    assert calendar.holiday_name(date(2026, 5, 4)) == "Bank holiday"


def test_uncovered_years_and_the_admin_warning() -> None:
    assert IMPORTED.uncovered_years(range(2027, 2031)) == [2029, 2030]
    assert STATUTORY.uncovered_years([2026]) == [2026]
    assert IMPORTED.years_to_warn(date(2028, 10, 2)) == []  # 90 days later is 31 Dec 2028
    assert IMPORTED.years_to_warn(date(2028, 10, 3)) == [2029]


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
     (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)), (2008, date(2008, 3, 23)),
     (2285, date(2285, 3, 22))],
)  # fmt: skip
def test_easter(year: int, sunday: date) -> None:
    assert easter_sunday(year) == sunday
    assert good_friday(year).weekday() == 4


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        STATUTORY.add_business_days(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        STATUTORY.business_days_before(date(2026, 1, 5), -1)


def test_parse_govuk_bank_holidays() -> None:
    parsed = parse_govuk_bank_holidays(GOVUK.encode())
    assert len(parsed) == sum(len(days) for days in EW_DATES.values())
    assert parsed[0] == (date(2020, 1, 1), "Bank holiday")
    assert (date(2022, 6, 3), TITLES["2022-06-03"]) in parsed
    assert parsed == sorted(parsed)
    assert date(2026, 11, 30) not in dict(parsed)


def _with_events(events: object) -> str:
    return json.dumps({"england-and-wales": {"division": "england-and-wales", "events": events}})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "top level"),
        (json.dumps({"scotland": {"events": []}}), "no 'england-and-wales' division"),
        (json.dumps({"england-and-wales": {"division": "scotland", "events": []}}), "division"),
        (json.dumps({"england-and-wales": {"division": "england-and-wales"}}), "'events' list"),
        (_with_events(["2026-12-25"]), "event 0: not an object"),
        (_with_events([{"date": "2026-12-25"}]), "'title'"),
        (_with_events([{"title": "Christmas Day"}]), "'date' missing"),
        (_with_events([{"title": "Christmas", "date": "25/12/2026"}]), "yyyy-mm-dd"),
        (_with_events([{"title": "Christmas", "date": "2026-02-30"}]), "yyyy-mm-dd"),
        (_with_events([{"title": "X", "date": "2026-12-25"}, {"title": "Y", "date": "2026-12-25"}]),
         "duplicate"),
    ],
)  # fmt: skip
def test_a_malformed_file_is_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_govuk_bank_holidays(text)
