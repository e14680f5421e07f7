"""Rate limits shared by every process: the PostgreSQL counters stay exact under concurrent
callers, and 200 requests in one second from one A2A user through ``gateway serve`` are served
at most at the configured rate (50 a second, security.md section 7), the rest answered
``RATE_LIMITED`` and journaled: with 2 workers, and with 2 gateway processes on one PostgreSQL
database. On SQLite each worker counts alone (README "Rate limits"), which the last case shows.

Window boundaries: the counters number their windows by the database's clock, in whole
``rate_limit_seconds`` since the epoch, and let through at most the limit per window. The burst
starts just after a boundary and is paced over one second; if the servers need longer to answer,
it reaches into the next window, so the bound asserted is the limit times the windows between
the first request sent and the last answer received (read on this host's clock, the database's).
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from gateway.app import build
from gateway.store.db import make_engine
from gateway.store.models import JournalEntry
from gateway.store.rate_counters import PostgresCounters
from tests.conftest import (
    TIMING_GROUP,
    GunicornServer,
    MovableClock,
    fresh_database,
    seeded,
    start_gunicorn,
)
from tests.conftest import test_settings as settings_for
from tests.wire import envelope, get_token, post

pytestmark = [pytest.mark.slow, TIMING_GROUP]

LIMIT = 50  # the spec's rate, the default of rate_limit_per_user
BURST = 200
CLIENTS = 16


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    yield from fresh_database("postgres", tmp_path)


def test_postgres_counters_are_exact_under_concurrent_callers(pg_url: str) -> None:
    engines = [make_engine(pg_url) for _ in range(2)]  # as two processes would
    counters = [PostgresCounters(engine) for engine in engines]
    try:
        with ThreadPoolExecutor(8) as pool:
            taken = list(pool.map(lambda n: counters[n % 2].take("user:x", 100, 60), range(300)))
        assert taken.count(True) == 100
        for n in range(5):
            counters[n % 2].add("login-from:192.0.2.1", 600)
        assert counters[0].level("login-from:192.0.2.1", 600) == 5
    finally:
        for engine in engines:
            engine.dispose()


def test_postgres_counters_survive_terminated_connections(pg_url: str) -> None:
    """The counters keep their own connections outside the pool: a terminated one (a failover)
    is replaced on the next count, and the engine's dispose() closes them."""
    engine, admin = make_engine(pg_url), make_engine(pg_url)
    others = text(
        "SELECT count(pg_terminate_backend(pid)) FILTER (WHERE :kill), count(*) "
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    counters = PostgresCounters(engine)
    try:
        assert counters.take("user:y", 100, 60)
        with admin.connect() as conn:
            assert conn.execute(others, {"kill": True}).one()[0] >= 1
        assert counters.take("user:y", 100, 60)
        assert counters.level("user:y", 60) == 2
        engine.dispose()
        with admin.connect() as conn:
            assert conn.execute(others, {"kill": False}).one()[1] == 0
    finally:
        engine.dispose()
        admin.dispose()


# ------------------------------------------------------------------------- 200 in a second
@dataclass
class Burst:
    outcomes: Counter[str]
    windows: int
    seconds: float


def burst(urls: list[str], token: str) -> Burst:
    """``BURST`` requests paced over one second from one A2A user, spread over ``urls``; it
    starts 20 ms after a whole second of the clock (a window boundary)."""
    body = envelope("getSystemProcessVersion", f"<accessToken>{token}</accessToken>")
    start = math.floor(time.time()) + 1.02
    order = itertools.count()
    lock = threading.Lock()
    outcomes: Counter[str] = Counter()
    ends: list[float] = []

    def client() -> None:
        while True:
            with lock:
                n = next(order)
            if n >= BURST:
                return
            time.sleep(max(0.0, start + n / BURST - time.time()))  # pacing, not readiness
            result = post(urls[n % len(urls)], body).result()
            with lock:
                outcomes[result["code"] + ":" + result["details"].split(":")[0]] += 1
                ends.append(time.time())

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    last = max(ends)
    return Burst(outcomes, math.floor(last) - math.floor(start) + 1, last - start)


def world(kind: str, tmp_path: Path) -> Iterator[str]:
    for url in fresh_database(kind, tmp_path):
        seeded(url, MovableClock()).database.dispose()
        yield url


@pytest.mark.parametrize(
    ("kind", "processes", "workers", "counting_alone"),
    [
        pytest.param("postgres", 1, 2, 1, id="postgres-2-workers", marks=pytest.mark.postgres),
        pytest.param("postgres", 2, 2, 1, id="postgres-2-processes", marks=pytest.mark.postgres),
        pytest.param("sqlite", 1, 2, 2, id="sqlite-2-workers"),
    ],
)
def test_two_hundred_requests_in_a_second_from_one_a2a_user(
    kind: str, processes: int, workers: int, counting_alone: int, tmp_path: Path
) -> None:
    for url in world(kind, tmp_path):
        servers: list[GunicornServer] = []
        try:
            servers.extend(  # one by one: those started are stopped if a later one fails
                start_gunicorn(
                    url,
                    tmp_path / f"serve{n}.log",
                    workers=workers,
                    GATEWAY_RATE_LIMIT_PER_USER=str(LIMIT),
                    GATEWAY_RATE_LIMIT_SECONDS="1",
                )
                for n in range(processes)
            )
            token = get_token(servers[0].url, "cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!")
            result = burst([s.url for s in servers], token.result()["accessToken"])
        finally:
            for server in servers:
                server.stop()
        served, refused = result.outcomes["Ok:"], result.outcomes["Failure:RATE_LIMITED"]
        print(
            f"\n{kind}, {processes} process(es) x {workers} workers: {served} served, "
            f"{refused} RATE_LIMITED of {BURST} in {result.seconds:.2f} s "
            f"({result.windows} window(s))"
        )
        assert served + refused == BURST, result.outcomes
        assert LIMIT <= served <= LIMIT * result.windows * counting_alone, result
        components = build(settings_for(url), MovableClock())
        try:
            with components.database.unit_of_work() as uow:
                journaled = uow.session.scalar(
                    select(func.count()).where(
                        JournalEntry.operation == "getSystemProcessVersion",
                        JournalEntry.error_key == "RATE_LIMITED",
                        JournalEntry.user_id == "cr-a2a",
                    )
                )
        finally:
            components.database.dispose()
        assert journaled == refused
