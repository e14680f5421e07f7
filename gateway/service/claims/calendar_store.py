"""The business-day calendar from the administrator's bank-holiday table (statutory fallback for
years it does not cover)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from gateway.domain.calendar import BusinessCalendar
from gateway.service.unit_of_work import UnitOfWork


def calendar_from_store(uow: UnitOfWork) -> BusinessCalendar:
    """The calendar of the table as it is in this transaction (an edit counts at once)."""
    return _calendar(uow.calendar.holidays())


@lru_cache(maxsize=4)
def _calendar(rows: tuple[tuple[date, str], ...]) -> BusinessCalendar:
    # Built once per table content: the calendar caches what it computes.
    return BusinessCalendar(dict(rows), {day.year for day, _ in rows})
