"""Engines and schema migration: SQLite (WAL) by default, PostgreSQL in production."""

from __future__ import annotations

import fcntl
import os
import select
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError

#: Execution option of an engine whose SQLite transactions begin as read snapshots (plain BEGIN).
SNAPSHOT_OPTION = "gateway_snapshot"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions begin (BEGIN IMMEDIATE below).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # A million claims make index pages that do not fit SQLite's default 2 MB cache;
            # each write then re-reads them from the OS. Keep more, and map the file.
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute("PRAGMA mmap_size=268435456")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # One writer at a time, decided at BEGIN: no lock upgrades that deadlock mid-request.
            # A read-only unit of work reads from a snapshot and writes in a later transaction.
            snapshot = conn.get_execution_options().get(SNAPSHOT_OPTION)
            # Straight to the driver: this runs twice per request (read part, write part).
            conn.connection.dbapi_connection.execute("BEGIN" if snapshot else "BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkout", _refuse_dead_connection)
    return engine


def _refuse_dead_connection(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """PostgreSQL: a pooled connection whose server has gone is replaced before it is used.

    This is what ``pool_pre_ping`` is for, without its round trip on every checkout (a seventh
    of a read-only request's time): an idle connection has nothing to read, so a socket that
    is readable (the backend's goodbye after ``pg_terminate_backend``, a restart or an idle
    timeout, or the end of the stream) means a dead one. ``DisconnectionError`` makes the pool
    discard it and check out another, up to three times. A server that vanished without closing
    its end (a partitioned network) is found by the request's first statement, as it would be
    by a ping, and the pool is invalidated then."""
    try:
        fd = dbapi_conn.fileno()  # a connection the driver has closed has none: it raises
    except Exception as exc:
        raise DisconnectionError("the pooled connection is closed") from exc
    if fd < 0 or select.select([fd], [], [], 0)[0]:
        raise DisconnectionError("the server closed the connection while it was pooled")


class WriterLock:
    """Queues the processes writing one SQLite file on an exclusive ``flock``, held by a unit of
    work from before BEGIN until after COMMIT or ROLLBACK.

    SQLite's own busy handler polls with sleeps of up to 100 ms, which caps a multi-worker gateway
    at a few hundred requests per second; a blocking file lock hands over at once. PostgreSQL
    needs none of this (row locks).

    A ``flock`` belongs to the open file, which the threads of a process share: a second thread
    would "take" it at once and the first one's unlock would free it under the second. So the
    threads of one process (gateway serve runs several per worker) first take turns on a
    thread lock, and only its holder takes the file lock. The thread lock is re-entrant (a unit
    of work opened inside another, as the sandbox clock does, must not wait for itself); the
    file lock is taken by the outermost entry and released by its exit.
    """

    def __init__(self, url: str) -> None:
        path = url.split("///", 1)[-1] if url.startswith("sqlite") else ""
        self.path = Path(path + ".writer-lock") if path and path != ":memory:" else None
        self._fd: int | None = None  # a raw descriptor, kept open for the life of the process
        self._threads = threading.RLock()
        self._depth = 0  # entries of the thread holding ``_threads``

    def __enter__(self) -> WriterLock:
        if self.path is not None:
            self._threads.acquire()
            if self._depth == 0:
                try:
                    if self._fd is None:
                        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                    fcntl.flock(self._fd, fcntl.LOCK_EX)
                except BaseException:
                    self._threads.release()
                    raise
            self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            self._depth -= 1
            try:
                if self._depth == 0 and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                self._threads.release()

    def close(self) -> None:
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (``gateway db upgrade``)."""
    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
