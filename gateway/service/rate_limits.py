"""Rate limits (security.md section 7): requests per A2A user, failed logins per source address.

``GatewayService`` asks ``RateLimits`` twice per request: before any password is checked (a
source address that failed to log in too often is refused), and right after authentication (an
A2A user over its rate is refused). Both refusals are ``RateLimited`` (``RATE_LIMITED`` in-band,
journaled like any refusal), raised before the operation's handler does any work.

Each limit is a *sliding window*: at most ``limit`` hits in any ``seconds``, estimated from two
fixed windows as ``previous * (share of the previous window still inside the sliding one) +
current``. A fixed window alone lets twice the rate through across a window boundary; the
estimate lets through at most ``limit`` per fixed window and smooths the boundary (it is exact
when the previous window's hits were spread evenly). A refused request is not counted, so a
client that keeps sending too fast is still served at the limit's rate.

Where the counters live is ``Counters``'s business: in the database when it is PostgreSQL
(``gateway.store.rate_counters``: every process and host shares them), in the process when it is
SQLite (``MemoryCounters``). The embedded SQLite deployment is one host whose gunicorn workers
each count alone, so it serves up to ``workers`` times the configured rate; counting in the
SQLite file instead would queue every request, reads included, behind the one writer lock, which
costs far more than the limit protects.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from gateway.config import Settings
from gateway.errors import RateLimited
from gateway.service.unit_of_work import Database
from gateway.store.rate_counters import PostgresCounters

#: Refusals that count as a failed login towards the per-address limit: a wrong password or an
#: unknown user id, a locked account (its answer is what a name probe looks for), a refresh
#: token that is not valid.
FAILED_LOGIN_KEYS = frozenset({"AUTH_LOGIN_FAILED", "AUTH_ACCOUNT_LOCKED", "AUTH_REFRESH_INVALID"})


class Counters(Protocol):
    """Sliding-window hit counters by key (see the module)."""

    def take(self, key: str, limit: int, seconds: int) -> bool:
        """Count one hit of ``key`` if that keeps it within ``limit`` per ``seconds``."""
        ...

    def add(self, key: str, seconds: int) -> None:
        """Count one hit of ``key``, whatever its level."""
        ...

    def level(self, key: str, seconds: int) -> float:
        """The hits of ``key`` in the sliding window ending now."""
        ...


def sliding(previous: int, current: int, elapsed: float) -> float:
    """The sliding-window estimate, ``elapsed`` being the share of the current window gone."""
    return previous * max(0.0, 1.0 - elapsed) + current


class MemoryCounters:
    """``Counters`` in this process (SQLite deployments; tests). ``clock`` gives seconds."""

    #: Past this many keys, those no longer counting are dropped when a new one comes.
    PRUNE_ABOVE = 10_000

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        #: key: window number, hits, previous window's hits, window length
        self._rows: dict[str, tuple[int, int, int, int]] = {}

    def _rolled(self, key: str, seconds: int) -> tuple[int, int, int, float]:
        position = self._clock() / seconds
        window = math.floor(position)
        row_window, hits, previous, _ = self._rows.get(key, (window, 0, 0, seconds))
        if row_window < window:
            previous = hits if row_window == window - 1 else 0
            hits = 0
        return window, hits, previous, position - window

    def take(self, key: str, limit: int, seconds: int) -> bool:
        with self._lock:
            window, hits, previous, elapsed = self._rolled(key, seconds)
            if sliding(previous, hits, elapsed) + 1 > limit:
                return False
            self._store(key, (window, hits + 1, previous, seconds))
            return True

    def add(self, key: str, seconds: int) -> None:
        with self._lock:
            window, hits, previous, _ = self._rolled(key, seconds)
            self._store(key, (window, hits + 1, previous, seconds))

    def level(self, key: str, seconds: int) -> float:
        with self._lock:
            _, hits, previous, elapsed = self._rolled(key, seconds)
            return sliding(previous, hits, elapsed)

    def _store(self, key: str, row: tuple[int, int, int, int]) -> None:
        if key not in self._rows and len(self._rows) >= self.PRUNE_ABOVE:
            now = self._clock()
            self._rows = {  # a key counts nothing once two of its windows have passed
                k: r for k, r in self._rows.items() if r[0] >= math.floor(now / r[3]) - 1
            }
        self._rows[key] = row


class RateLimits:
    """The limits of the settings over some ``Counters``; ``0`` turns a limit off."""

    def __init__(self, settings: Settings, counters: Counters) -> None:
        self.settings = settings
        self.counters = counters

    def admit(self, user_id: str) -> None:
        """Count a request of the A2A user ``user_id``, or refuse it over the rate."""
        s = self.settings
        if s.rate_limit_per_user <= 0:
            return
        if not self.counters.take(f"user:{user_id}", s.rate_limit_per_user, s.rate_limit_seconds):
            raise RateLimited(
                f"more than {s.rate_limit_per_user} requests in {s.rate_limit_seconds} s "
                f"from A2A user {user_id}",
                limit="user",
            )

    def check_logins_from(self, address: str | None) -> None:
        """Refuse a login from ``address`` while its failed logins are at the limit."""
        s = self.settings
        if address is None or s.failed_logins_per_address <= 0:
            return
        level = self.counters.level(f"login-from:{address}", s.failed_logins_seconds)
        if level >= s.failed_logins_per_address:
            raise RateLimited(
                f"more than {s.failed_logins_per_address} failed logins in "
                f"{s.failed_logins_seconds} s from this address",
                limit="failed-logins",
            )

    def count_failed_login(self, address: str) -> None:
        if self.settings.failed_logins_per_address > 0:
            self.counters.add(f"login-from:{address}", self.settings.failed_logins_seconds)


def rate_limits_for(settings: Settings, database: Database) -> RateLimits:
    """Counters in PostgreSQL when the database is, otherwise in this process (see the module)."""
    if database.engine.dialect.name == "postgresql":
        return RateLimits(settings, PostgresCounters(database.engine))
    return RateLimits(settings, MemoryCounters())
