"""``gateway serve`` exactly as shipped, but each worker profiled: the worker class is a
``BufferedWorker`` that runs cProfile on its event loop and on each request thread, and counts the
SQL statements, transactions begun and commits of every engine. At exit a worker writes
``$PROFILE_OUT/<pid>.pstats`` (the request threads' profile), ``<pid>.loop.pstats`` (the event
loop's) and ``<pid>.json`` (the counts). ``bench_layers.py`` starts it with one worker and one
thread, so the profile is the time of one request after another.

    PROFILE_OUT=DIR GATEWAY_WORKERS=1 GATEWAY_THREADS=1 python bench/profiled_serve.py
"""

from __future__ import annotations

import cProfile
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from gateway import serve
from gateway.buffered_worker import BufferedWorker
from gateway.config import Settings

COUNTS = {"statements": 0, "begins": 0, "commits": 0, "rollbacks": 0, "round_trips": 0}


def _count_sql() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def bump(key: str) -> Any:
        def listener(*_args: Any, **_kw: Any) -> None:
            COUNTS[key] += 1

        return listener

    def transaction_end(key: str) -> Any:
        def listener(conn: Any) -> None:
            # an autocommit connection (the rate counters) ends no transaction of the server's
            if not getattr(conn.connection.dbapi_connection, "autocommit", False):
                COUNTS[key] += 1

        return listener

    event.listen(Engine, "before_cursor_execute", bump("statements"))
    event.listen(Engine, "begin", bump("begins"))
    event.listen(Engine, "commit", transaction_end("commits"))
    event.listen(Engine, "rollback", transaction_end("rollbacks"))
    _count_round_trips()


def _count_round_trips() -> None:
    """PostgreSQL: the times the worker waits for the server, as psycopg talks to it.

    A statement outside a pipeline is one round trip, and the BEGIN psycopg sends before the
    first statement of a transaction is one more; a COMMIT or ROLLBACK is one when the server
    still has a transaction to end (after a pipelined commit, SQLAlchemy's own commit sends
    nothing); a pipeline (``UnitOfWork.commit``) is one, whatever it carries; a rate counter's
    statement (its own connection, outside SQLAlchemy) is one."""
    import psycopg
    from psycopg import pq
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from gateway.store import rate_counters

    def driver(conn: Any) -> Any:
        return conn.connection.dbapi_connection

    def statement(conn: Any, *_args: Any) -> None:
        pgconn = getattr(driver(conn), "pgconn", None)
        if pgconn is None or pgconn.pipeline_status != pq.PipelineStatus.OFF:
            return
        COUNTS["round_trips"] += 1
        idle = pgconn.transaction_status == pq.TransactionStatus.IDLE
        if idle and not driver(conn).autocommit:
            COUNTS["round_trips"] += 1  # psycopg's BEGIN

    def ending(conn: Any) -> None:
        pgconn = getattr(driver(conn), "pgconn", None)
        if pgconn is not None and pgconn.transaction_status != pq.TransactionStatus.IDLE:
            COUNTS["round_trips"] += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", ending)
    event.listen(Engine, "rollback", ending)

    pipeline = psycopg.Connection.pipeline

    def counted_pipeline(self: Any) -> Any:
        COUNTS["round_trips"] += 1
        return pipeline(self)

    psycopg.Connection.pipeline = counted_pipeline  # type: ignore[method-assign]
    run = rate_counters._Connections.run

    def counted_run(self: Any, sql: str, params: Any) -> Any:
        COUNTS["round_trips"] += 1
        return run(self, sql, params)

    rate_counters._Connections.run = counted_run  # type: ignore[method-assign]


class ProfiledWorker(BufferedWorker):
    def run(self) -> None:
        _count_sql()
        self.profiles: list[cProfile.Profile] = []
        self.local = threading.local()
        loop = cProfile.Profile()
        loop.enable()
        try:
            super().run()
        finally:
            loop.disable()
            out = Path(os.environ["PROFILE_OUT"])
            loop.dump_stats(out / f"{os.getpid()}.loop.pstats")
            import pstats

            if self.profiles:
                stats = pstats.Stats(self.profiles[0])
                for more in self.profiles[1:]:
                    stats.add(more)
                stats.dump_stats(out / f"{os.getpid()}.pstats")
            (out / f"{os.getpid()}.json").write_text(json.dumps(COUNTS))

    def handle(self, conn: Any) -> Any:
        profile = getattr(self.local, "profile", None)
        if profile is None:
            profile = self.local.profile = cProfile.Profile()
            self.profiles.append(profile)
        profile.enable()
        try:
            return super().handle(conn)
        finally:
            profile.disable()


def main() -> int:
    original = serve._Gunicorn.load_config

    def load_config(self: Any) -> None:
        original(self)
        self.cfg.set("worker_class", "profiled_serve.ProfiledWorker")

    serve._Gunicorn.load_config = load_config  # type: ignore[method-assign]
    return serve.serve(Settings.load(os.environ))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
