"""The England and Wales business-day calendar (lifecycle.md 5.1 and 5.2).

A business day is a Europe/London calendar date that is neither a Saturday, a Sunday nor a bank
holiday. Bank holidays imported by an administrator (the gov.uk ``bank-holidays.json`` data set,
division ``england-and-wales``; see ``parse_govuk_bank_holidays``) are authoritative for the years
they cover. For a year without imported data the statutory holidays are computed with the
``holidays`` package (``UnitedKingdom(subdiv="ENG")``: New Year's Day, Good Friday, Easter Monday,
early May, spring and summer bank holidays, Christmas Day, Boxing Day, substitute days and the
one-off days it knows). Good Friday and Christmas Day are never business days, whatever a file says.

"N BD from event E" is the N-th business day *after* the calendar date of E: the day of E never
counts. The calendar holds no clock and does no I/O; loading the table is the caller's business.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import cache
from types import MappingProxyType

import holidays as holidays_pkg

DIVISION = "england-and-wales"
_DAY = timedelta(days=1)


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    day += 1
    return date(year, month, day)


def good_friday(year: int) -> date:
    return easter_sunday(year) - 2 * _DAY


def statutory_holidays(year: int) -> dict[date, str]:
    """England and Wales bank holidays of ``year`` as computed by the ``holidays`` package.

    Corrected to the spec: Good Friday and Christmas Day are always included.
    """
    return dict(_statutory(year))


@cache
def _statutory(year: int) -> tuple[tuple[date, str], ...]:
    # Computing a year costs about a millisecond and never changes: once per process.
    # country_holidays("GB") is holidays.UnitedKingdom; this entry point is the typed one.
    computed = holidays_pkg.country_holidays("GB", subdiv="ENG", years=year)
    found: dict[date, str] = {day: str(name) for day, name in computed.items()}
    found.setdefault(good_friday(year), "Good Friday")
    found.setdefault(date(year, 12, 25), "Christmas Day")
    return tuple(sorted(found.items()))


class BusinessCalendar:
    """Business days in England and Wales: imported dates where covered, statutory elsewhere."""

    def __init__(
        self,
        holidays: Mapping[date, str] | Iterable[date] = (),
        covered_years: set[int] | None = None,
    ) -> None:
        if isinstance(holidays, Mapping):
            imported = {day: str(name) for day, name in holidays.items()}
        else:
            imported = dict.fromkeys(holidays, "Bank holiday")
        self._imported: Mapping[date, str] = MappingProxyType(imported)
        self.covered_years: frozenset[int] = frozenset(
            {day.year for day in imported} if covered_years is None else covered_years
        )
        self._years: dict[int, Mapping[date, str]] = {}

    # ------------------------------------------------------------------------------ holidays
    def is_covered(self, year: int) -> bool:
        """True when imported data is authoritative for ``year``."""
        return year in self.covered_years

    def holidays_in(self, year: int) -> Mapping[date, str]:
        """The bank holidays of ``year`` (imported when covered, statutory otherwise)."""
        if year not in self._years:
            if self.is_covered(year):
                found = {d: n for d, n in self._imported.items() if d.year == year}
                found.setdefault(good_friday(year), "Good Friday")
                found.setdefault(date(year, 12, 25), "Christmas Day")
            else:
                found = statutory_holidays(year)
            self._years[year] = MappingProxyType(found)
        return self._years[year]

    def holiday_name(self, day: date) -> str | None:
        return self.holidays_in(day.year).get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays_in(day.year)

    # ------------------------------------------------------------------------------ counting
    def add_business_days(self, start: date, n: int) -> date:
        """The ``n``-th business day after ``start`` (``start`` itself never counts)."""
        if n < 0:
            raise ValueError(f"business days to add must be >= 0, got {n}")
        day = start
        while n:
            day += _DAY
            if self.is_business_day(day):
                n -= 1
        return day

    def business_days_before(self, deadline: date, n: int) -> date:
        """The business day that is ``n`` business days before ``deadline`` (not counting it)."""
        if n < 0:
            raise ValueError(f"business days to subtract must be >= 0, got {n}")
        day = deadline
        while n:
            day -= _DAY
            if self.is_business_day(day):
                n -= 1
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """How many business days lie after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += _DAY
            count += self.is_business_day(day)
        return count

    # ------------------------------------------------------------------------------ coverage
    def uncovered_years(self, upcoming: Iterable[int]) -> list[int]:
        """Years of ``upcoming`` without imported data (they fall back to the statutory rules)."""
        return sorted({year for year in upcoming if not self.is_covered(year)})

    def years_to_warn(self, today: date, lead_days: int = 90) -> list[int]:
        """Uncovered years that have started or start within ``lead_days`` (the admin warning)."""
        return self.uncovered_years(range(today.year, (today + timedelta(lead_days)).year + 1))


def parse_govuk_bank_holidays(json_text: str | bytes) -> list[tuple[date, str]]:
    """The ``england-and-wales`` events of a gov.uk ``bank-holidays.json``, sorted by date.

    Raises ``ValueError`` with a message naming what is wrong when the file is malformed.
    """
    try:
        document = json.loads(json_text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"bank holidays file is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ValueError("bank holidays file: top level must be a JSON object of divisions")
    division = document.get(DIVISION)
    if not isinstance(division, dict):
        raise ValueError(f"bank holidays file: no {DIVISION!r} division object")
    if division.get("division", DIVISION) != DIVISION:
        raise ValueError(f"bank holidays file: division name is {division.get('division')!r}")
    events = division.get("events")
    if not isinstance(events, list):
        raise ValueError(f"bank holidays file: {DIVISION!r} has no 'events' list")
    found: dict[date, str] = {}
    for index, event in enumerate(events):
        day, title = _event(index, event)
        if day in found:
            raise ValueError(f"bank holidays file: event {index}: duplicate date {day}")
        found[day] = title
    return sorted(found.items())


def _event(index: int, event: object) -> tuple[date, str]:
    where = f"bank holidays file: {DIVISION} event {index}"
    if not isinstance(event, dict):
        raise ValueError(f"{where}: not an object")
    title, raw = event.get("title"), event.get("date")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"{where}: 'title' missing or empty")
    if not isinstance(raw, str):
        raise ValueError(f"{where}: 'date' missing")
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw), title.strip()
    except ValueError:
        raise ValueError(f"{where}: 'date' {raw!r} is not a yyyy-mm-dd date") from None
