"""Rate counters in PostgreSQL, shared by every gateway process and host on one database.

One row of ``rate_limits`` per key (``user:<id>``, ``login-from:<address>``) holds the hits of the
current fixed window and of the one before; the limit is judged on the sliding estimate
``previous * (share of the previous window still inside the sliding one) + current``
(``gateway.service.rate_limits`` describes it). Each call is one statement in autocommit, on
its own pooled connection: the row is locked only for that statement, never for a request's
duration, and a request that is refused or rolled back afterwards keeps its count.

Windows are numbered by the database's clock (``statement_timestamp()``), so every host agrees
on them whatever their own clocks say. An ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` is
atomic: of any number of concurrent callers, exactly as many are counted as the limit allows.
"""

from __future__ import annotations

import itertools

from sqlalchemy import Connection, Engine, text

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


class PostgresCounters:
    """``gateway.service.rate_limits.Counters`` in the ``rate_limits`` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._calls = itertools.count(1)

    def take(self, key: str, limit: int, seconds: int) -> bool:
        with self._engine.connect() as conn:
            self._purge_now_and_then(conn)
            row = conn.execute(_TAKE, {"key": key, "limit": limit, "seconds": seconds}).first()
        return row is not None

    def add(self, key: str, seconds: int) -> None:
        with self._engine.connect() as conn:
            self._purge_now_and_then(conn)
            conn.execute(_ADD, {"key": key, "seconds": seconds})

    def level(self, key: str, seconds: int) -> float:
        with self._engine.connect() as conn:
            value = conn.scalar(_LEVEL, {"key": key, "seconds": seconds})
        return float(value or 0)

    def _purge_now_and_then(self, conn: Connection) -> None:
        if next(self._calls) % PURGE_EVERY == 0:
            conn.execute(_PURGE)
