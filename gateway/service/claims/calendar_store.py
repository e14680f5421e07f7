"""The business-day calendar from the administrator's bank-holiday table (statutory fallback for
years it does not cover)."""

from __future__ import annotations

from gateway.domain.calendar import BusinessCalendar
from gateway.service.unit_of_work import UnitOfWork


def calendar_from_store(uow: UnitOfWork) -> BusinessCalendar:
    rows = uow.claims.holidays()
    return BusinessCalendar({r.day: r.title for r in rows}, {r.day.year for r in rows})
