"""Rate counters in PostgreSQL, shared by every gateway process and host on one database.

One row of ``rate_limits`` per key (``user:<id>``, ``login-from:<address>``) holds the hits of the
current fixed window and of the one before; the limit is judged on the sliding estimate
``previous * (share of the previous window still inside the sliding one) + current``
(``gateway.service.rate_limits`` describes it). Each call is one statement in autocommit, on
a connection of the counters' own (``_Connections``), not the request's: the row is locked only
for that statement, never for a request's duration, and a request that is refused or rolled
back afterwards keeps its count.

The counters run on every request, so they skip SQLAlchemy's per-statement machinery: their
connections are the engine's (opened by its pool, then detached from it) kept in autocommit,
and the statements are compiled once and run as server-side prepared statements on the driver.
That saves a pool checkout and its liveness ping, the isolation-level switches and the result
processing of every count (about 0.35 ms of a request's time, see ``docs/capacity.md``).

Windows are numbered by the database's clock (``statement_timestamp()``), so every host agrees
on them whatever their own clocks say. An ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` is
atomic: of any number of concurrent callers, exactly as many are counted as the limit allows.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from typing import Any

import psycopg
from sqlalchemy import Engine, event, text
from sqlalchemy.sql.elements import TextClause

#: The window the statement runs in: ``x`` is the time in windows since the epoch. Evaluating it
#: also turns ``synchronous_commit`` off for the statement's own transaction (``set_config``
#: with ``is_local``): a count is visible to every other process as soon as the statement ends,
#: but its commit does not wait for the WAL to reach the disk. A crash of the database may
#: forget the last fraction of a second of counts (a few requests more are let through after a
#: database crash); in exchange no request waits for a second disk flush, and the key's row is
#: not locked while one is made (every request of an A2A user updates the same row).
_NOW = (
    "(SELECT extract(epoch FROM statement_timestamp()) / :seconds AS x, "
    "set_config('synchronous_commit', 'off', true) AS asynchronous) AS n"
)
#: The row's hits rolled forward to the window of ``EXCLUDED`` (the caller's): a row already in
#: a later window (a statement that began a moment earlier committed later) counts as current.
_SAME = "c.window_index >= EXCLUDED.window_index"
_PREVIOUS = (
    f"CASE WHEN {_SAME} THEN c.previous_hits "
    "WHEN c.window_index = EXCLUDED.window_index - 1 THEN c.hits ELSE 0 END"
)
_CURRENT = f"CASE WHEN {_SAME} THEN c.hits ELSE 0 END"
_UPSERT = f"""
INSERT INTO rate_limits AS c (key, window_index, hits, previous_hits, stale_after)
SELECT :key, floor(n.x)::bigint, 1, 0, to_timestamp(((floor(n.x) + 2) * :seconds)::float8)
FROM {_NOW}
ON CONFLICT (key) DO UPDATE SET
    window_index = GREATEST(c.window_index, EXCLUDED.window_index),
    previous_hits = {_PREVIOUS},
    hits = {_CURRENT} + 1,
    stale_after = GREATEST(c.stale_after, EXCLUDED.stale_after)
"""
_TAKE = text(
    _UPSERT
    + f"""WHERE ({_PREVIOUS}) * GREATEST(0, 1 - (extract(epoch FROM statement_timestamp())
        / :seconds - EXCLUDED.window_index)) + ({_CURRENT}) + 1 <= :limit
RETURNING c.hits"""
)
_ADD = text(_UPSERT)
_LEVEL = text(
    f"""SELECT CASE
        WHEN c.window_index >= floor(n.x) THEN c.previous_hits * (1 - (n.x - floor(n.x))) + c.hits
        WHEN c.window_index = floor(n.x) - 1 THEN c.hits * (1 - (n.x - floor(n.x)))
        ELSE 0 END
    FROM rate_limits AS c, {_NOW} WHERE c.key = :key"""
)
_PURGE = text("DELETE FROM rate_limits WHERE stale_after < statement_timestamp()")
#: Rows of keys no longer counting (an address that failed once) are deleted every this many
#: calls of a process: a cheap indexed delete, no sweeper needed.
PURGE_EVERY = 1000


class _Connections:
    """Driver connections in autocommit for the counters' statements, each used by one thread at a
    time and kept for the next; as many as threads have counted at once (usually one or two).

    Each is opened by the engine's pool (its liveness ping and connect events included) and
    detached from it, so the request's sessions keep the whole pool. A statement that fails on a
    broken connection (a database restart, a terminated backend) is run once more on a new one;
    the engine's ``dispose()`` closes them all.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._free: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())
        weakref.finalize(self, _close_all, self._free)  # a process's counters are not disposed

    def run(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row of ``sql`` (None if it returns none)."""
        for attempt in (1, 2):
            conn = self._take()
            try:
                cursor = conn.execute(sql, params, prepare=True)
                row = cursor.fetchone() if cursor.description else None
            except psycopg.OperationalError:
                conn.close()
                if attempt == 2 or not conn.broken:
                    raise
                continue
            except BaseException:
                conn.close()
                raise
            with self._lock:
                self._free.append(conn)
            return row
        raise AssertionError("unreachable")

    def _take(self) -> psycopg.Connection[Any]:
        with self._lock:
            while self._free:
                kept = self._free.pop()
                if not kept.closed:
                    return kept
        pooled = self._engine.raw_connection()
        conn: psycopg.Connection[Any] = pooled.driver_connection  # type: ignore[assignment]
        pooled.detach()
        conn.rollback()  # whatever the checkout began (no round trip when nothing did)
        conn.autocommit = True
        return conn

    def close(self) -> None:
        with self._lock:
            free, self._free[:] = list(self._free), []
        _close_all(free)


def _close_all(connections: list[psycopg.Connection[Any]]) -> None:
    for conn in connections:
        conn.close()


def _driver_sql(engine: Engine, statement: TextClause) -> str:
    """``statement`` as the driver takes it (named parameters in pyformat)."""
    return str(statement.compile(dialect=engine.dialect))


class PostgresCounters:
    """``gateway.service.rate_limits.Counters`` in the ``rate_limits`` table."""

    def __init__(self, engine: Engine) -> None:
        self._connections = _Connections(engine)
        self._take_sql = _driver_sql(engine, _TAKE)
        self._add_sql = _driver_sql(engine, _ADD)
        self._level_sql = _driver_sql(engine, _LEVEL)
        self._purge_sql = _driver_sql(engine, _PURGE)
        self._calls = itertools.count(1)

    def take(self, key: str, limit: int, seconds: int) -> bool:
        self._purge_now_and_then()
        row = self._connections.run(
            self._take_sql, {"key": key, "limit": limit, "seconds": seconds}
        )
        return row is not None

    def add(self, key: str, seconds: int) -> None:
        self._purge_now_and_then()
        self._connections.run(self._add_sql, {"key": key, "seconds": seconds})

    def level(self, key: str, seconds: int) -> float:
        row = self._connections.run(self._level_sql, {"key": key, "seconds": seconds})
        return float(row[0] or 0) if row else 0.0

    def close(self) -> None:
        """Close the counters' connections (the engine's ``dispose()`` does it too)."""
        self._connections.close()

    def _purge_now_and_then(self) -> None:
        if next(self._calls) % PURGE_EVERY == 0:
            self._connections.run(self._purge_sql, {})
