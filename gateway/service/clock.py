"""The server's notion of now: the real clock, or a sandbox clock that integrators can move."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


def as_utc(moment: datetime) -> datetime:
    """``moment`` with its zone; SQLite hands back naive datetimes, and everything stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests: stands still until moved."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment
