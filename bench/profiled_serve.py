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

COUNTS = {"statements": 0, "begins": 0, "commits": 0, "rollbacks": 0}


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
