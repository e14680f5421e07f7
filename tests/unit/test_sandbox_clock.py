"""The sandbox clock: moving now by business or calendar days at the same London time of day,
parsing ``clock set``, and the shared offset read through a short cache."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import london
from gateway.service.clock import FixedClock
from gateway.service.sandbox import (
    SandboxClock,
    advance_business_days,
    advance_days,
    offset_for,
    parse_moment,
    read_offset,
    write_offset,
)
from gateway.service.unit_of_work import Database
from gateway.store.db import make_engine

# 2026: Good Friday 3 April, Easter Monday 6 April, early May 4 May; BST from 29 March.
CALENDAR = BusinessCalendar(
    {
        date(2026, 4, 3): "Good Friday",
        date(2026, 4, 6): "Easter Monday",
        date(2026, 5, 4): "Early May bank holiday",
    },
    {2026},
)


def london_at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=london())  # type: ignore[misc]


def test_business_days_skip_weekends_and_bank_holidays() -> None:
    thursday = london_at(2026, 4, 2, 14, 30)
    moved = advance_business_days(thursday, CALENDAR, 1)
    assert moved == london_at(2026, 4, 7, 14, 30)  # Good Friday, weekend, Easter Monday skipped
    assert advance_business_days(thursday, CALENDAR, 0) == thursday
    friday = london_at(2026, 5, 1, 9, 0)
    assert advance_business_days(friday, CALENDAR, 2) == london_at(2026, 5, 6, 9, 0)


def test_a_weekend_day_counts_from_the_next_business_day() -> None:
    saturday = london_at(2026, 1, 10, 23, 59)
    assert advance_business_days(saturday, CALENDAR, 1) == london_at(2026, 1, 12, 23, 59)


def test_the_london_time_of_day_survives_the_clock_change() -> None:
    before = london_at(2026, 3, 27, 10, 0)  # Friday, GMT
    after = advance_business_days(before, CALENDAR, 1)  # Monday 30 March, BST
    assert after.astimezone(london()).strftime("%Y-%m-%d %H:%M %Z") == "2026-03-30 10:00 BST"
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(days=3, hours=-1)
    assert offset_for(after, before.astimezone(UTC)) == (3 * 24 - 1) * 3600
    utc_input = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)
    assert advance_days(utc_input, 7).astimezone(london()).hour == 10


def test_calendar_days_either_way() -> None:
    start = london_at(2026, 12, 31, 23, 30)
    assert advance_days(start, 1) == london_at(2027, 1, 1, 23, 30)
    assert advance_days(start, -31) == london_at(2026, 11, 30, 23, 30)


def test_set_parses_dates_and_minutes_in_london() -> None:
    current = london_at(2026, 11, 24, 8, 15)
    assert parse_moment("2027-07-01", current) == london_at(2027, 7, 1, 8, 15)
    assert parse_moment("2027-07-01T00:00", current) == london_at(2027, 7, 1, 0, 0)
    assert parse_moment("2027-07-01T00:00", current).utcoffset() == timedelta(hours=1)
    for bad in ("2027-7-1", "2027-07-01T25:00", "tomorrow", "2027-07-01T00:00:00"):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            parse_moment(bad, current)


def test_offset_is_target_minus_real_now() -> None:
    real = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert offset_for(real + timedelta(days=2, seconds=5), real) == 2 * 86400 + 5
    assert offset_for(real, real) == 0


def test_the_clock_reads_the_shared_offset_through_its_cache(sqlite_url: str) -> None:
    database = Database(make_engine(sqlite_url))
    try:
        real = FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
        clock = SandboxClock(database, real, cache_seconds=3600)
        assert clock.now() == real.moment
        with database.unit_of_work() as uow:
            write_offset(uow, 86400.5)
            uow.commit()
        assert clock.now() == real.moment  # cached
        clock.invalidate()
        assert clock.now() == real.moment + timedelta(days=1, seconds=0.5)
        other = SandboxClock(database, real, cache_seconds=0)  # another process, same database
        assert other.now() == clock.now()
        with database.unit_of_work() as uow:
            write_offset(uow, 0)  # reset removes the setting
            uow.commit()
        with database.unit_of_work() as uow:
            assert read_offset(uow) == 0.0
        assert other.now() == real.moment
    finally:
        database.dispose()
