"""The sandbox clock (lifecycle.md 5.2: test deployments may run on a fixed clock offset).

In a deployment flagged ``sandbox`` the server's notion of now is the real time plus an offset kept
in ``system_settings`` under ``OFFSET_KEY`` (seconds, a decimal string), so that every worker
process on every host, and the timeout worker, agree on it. ``SandboxClock`` reads the offset at
most once per ``cache_seconds``; ``gateway clock ...`` moves it. Production never reads it.

The arithmetic is pure: ``advance_business_days``, ``advance_days`` and ``parse_moment`` work on
Europe/London wall-clock times and keep the time of day across a move (summer time included).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Final

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import london, london_date
from gateway.service.clock import Clock, SystemClock
from gateway.service.unit_of_work import Database, UnitOfWork
from gateway.store.models import SystemSetting

OFFSET_KEY: Final = "sandbox.clock_offset_seconds"


# ---------------------------------------------------------------------------------- arithmetic
def _same_wall_time(moment: datetime, day: date) -> datetime:
    """``day`` at the Europe/London time of day of ``moment`` (aware, in Europe/London)."""
    local = moment.astimezone(london())
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=london())


def advance_business_days(moment: datetime, calendar: BusinessCalendar, n: int) -> datetime:
    """The N-th business day after ``moment``'s London date, at the same London time of day."""
    return _same_wall_time(moment, calendar.add_business_days(london_date(moment), n))


def advance_days(moment: datetime, n: int) -> datetime:
    """``n`` calendar days after ``moment`` (negative: before), at the same London time of day."""
    return _same_wall_time(moment, london_date(moment) + timedelta(days=n))


def parse_moment(text: str, current: datetime) -> datetime:
    """``YYYY-MM-DD`` (at ``current``'s London time of day) or ``YYYY-MM-DDTHH:MM`` (London)."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            return _same_wall_time(current, date.fromisoformat(raw))
        if len(raw) == 16 and raw[10] in "T ":
            return datetime.fromisoformat(raw.replace(" ", "T")).replace(tzinfo=london())
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM (Europe/London)")


def offset_for(target: datetime, real_now: datetime) -> float:
    """The offset (seconds) that makes the sandbox clock read ``target`` at ``real_now``."""
    return (target - real_now).total_seconds()


# ---------------------------------------------------------------------------------- storage
def read_offset(uow: UnitOfWork) -> float:
    row = uow.session.get(SystemSetting, OFFSET_KEY)
    if row is None:
        return 0.0
    try:
        return float(row.value)
    except ValueError:
        return 0.0


def write_offset(uow: UnitOfWork, seconds: float) -> None:
    """Store the offset (the caller commits). Zero removes the setting."""
    row = uow.session.get(SystemSetting, OFFSET_KEY)
    if seconds == 0:
        if row is not None:
            uow.session.delete(row)
        return
    value = f"{seconds:.6f}"
    if row is None:
        uow.session.add(SystemSetting(key=OFFSET_KEY, value=value))
    else:
        row.value = value


# ---------------------------------------------------------------------------------- the clock
class SandboxClock:
    """Real time plus the stored offset, re-read at most every ``cache_seconds``.

    ``now()`` opens its own short unit of work when the cache is stale: never call it while the
    same process holds a unit of work on SQLite (the writer lock is per process).
    """

    def __init__(
        self, database: Database, real: Clock | None = None, cache_seconds: float = 1.0
    ) -> None:
        self.database = database
        self.real = real or SystemClock()
        self.cache_seconds = cache_seconds
        self._offset = 0.0
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def offset(self) -> float:
        with self._lock:
            stamp = time.monotonic()
            if self._read_at is None or stamp - self._read_at >= self.cache_seconds:
                with self.database.unit_of_work() as uow:
                    self._offset = read_offset(uow)
                self._read_at = stamp
            return self._offset

    def invalidate(self) -> None:
        with self._lock:
            self._read_at = None

    def now(self) -> datetime:
        return self.real.now().astimezone(UTC) + timedelta(seconds=self.offset())
