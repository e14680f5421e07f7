"""The unit of work: one database transaction per request, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import write_behind
from gateway.store.db import SNAPSHOT_OPTION, WriterLock
from gateway.store.documents import DocumentRepository
from gateway.store.driver import driver_error
from gateway.store.repositories import (
    CalendarRepository,
    ClaimRepository,
    HospitalRepository,
    JournalRepository,
    OrganisationRepository,
    TokenRepository,
    UserRepository,
)


class UnitOfWork:
    """Opens a session and its repositories; ``commit()`` makes the work durable.

    Leaving the ``with`` block without ``commit()`` (an exception, a refusal) rolls everything back.

    A unit of work that ``reads_first`` begins as a read snapshot that does not queue for the
    SQLite writer lock: a request authenticates there, and a read-only operation reads there.
    ``start_writing()`` takes the lock (for a writing operation's handler, or for a read-only
    operation's journal entry) and runs the writes deferred with ``write_later``. On PostgreSQL
    both parts are one transaction; on SQLite the snapshot ends and an IMMEDIATE transaction
    begins, so whatever the handler reads and writes is still one transaction.

    A unit of work that is ``read_only`` as well (a read-only operation's request) reads on
    PostgreSQL in autocommit, with no BEGIN and no COMMIT: under READ COMMITTED each statement
    sees its own snapshot inside a transaction too, so its reads see exactly what they would
    have seen. ``start_writing()`` then stays in autocommit when nothing was deferred: the one
    write left is the journal entry, a single statement (its entry and its stored message in
    one ``INSERT ... WITH``), atomic and durable by itself. A deferred write (the caller's hourly
    activity stamp) begins a transaction for itself and the journal entry, as before.

    The unit of work owns the session's write-behind (``writes``): the rows its repositories
    add cheaply (new claims, and their packs, timers and notifications) wait there, and the
    hook installed by ``Database`` writes them before any statement that reads or changes their
    tables, before a flush of their tables' objects, and at ``commit()``; a rollback drops them.
    Repositories hand rows over and query as usual; none of them writes pending rows itself.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        writer: WriterLock,
        read_factory: sessionmaker[Session] | None = None,
        write_bind: Engine | None = None,
        autocommit_reads: bool = False,
    ) -> None:
        self._autocommit_reads = autocommit_reads  # read_factory's sessions are in autocommit
        self._factory = session_factory
        self._write_bind = write_bind
        self._writer = writer
        self._read_factory = read_factory  # None: write from the start
        self._deferred: list[Callable[[], None]] = []
        self._locked = False

    def __enter__(self) -> UnitOfWork:
        if self._read_factory is None:
            self._writer.__enter__()
            self._locked = True
            self._open(self._factory)
        else:
            self._open(self._read_factory)
        return self

    def _open(self, factory: sessionmaker[Session]) -> None:
        self.session = factory()
        self.writes = write_behind.WriteBehind(self.session)
        self.organisations = OrganisationRepository(self.session)
        self.users = UserRepository(self.session)
        self.tokens = TokenRepository(self.session)
        self.journal = JournalRepository(self.session)
        self.hospitals = HospitalRepository(self.session)
        self.claims = ClaimRepository(self.session, self.writes)
        self.calendar = CalendarRepository(self.session)
        self.documents = DocumentRepository(self.session, self.writes)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
            self.session.close()
        finally:
            if self._locked:
                self._locked = False
                self._writer.__exit__()

    def write_later(self, write: Callable[[], None]) -> None:
        """Run ``write`` now, or, in a unit of work that reads first, when it starts writing."""
        if self._read_factory is None:
            write()
        else:
            self._deferred.append(write)

    def start_writing(self) -> None:
        """End the reading part: from here on the unit of work may write (see the class)."""
        if self._read_factory is None:
            return
        session = self.session
        if any(session.is_modified(o) for o in session.dirty) or session.new or session.deleted:
            raise RuntimeError("a read-only operation changed objects; use write_later")
        if self._writer.path is not None:  # SQLite: leave the snapshot, queue for the lock
            session.commit()
            self._writer.__enter__()
            self._locked = True
            session.bind = self._write_bind  # the next transaction begins IMMEDIATE
        elif self._autocommit_reads:
            if not self._deferred:
                return  # the journal entry alone: one statement, in autocommit (see the class)
            session.commit()
            session.bind = self._write_bind  # a transaction for the deferred writes and the entry
        self._read_factory = None
        deferred, self._deferred = self._deferred, []
        for write in deferred:
            write()

    def commit(self, last: Callable[[], None] | None = None) -> None:
        """Make the work durable; ``last`` (a request's journal entry) is written after
        everything else, just before the COMMIT.

        On PostgreSQL, in a transaction, the rows the write-behind holds, ``last`` and the
        COMMIT go to the server together in libpq's pipeline mode: one round trip, where each
        was one before (an addClaim's claim, pack, document, timers, notifications, journal
        entry and COMMIT were seven). The ORM's own changes are flushed first, outside the
        pipeline (their UPDATEs check the rows they matched), and, as before, after the rows
        the write-behind held when commit began (a changed row may point at one of them): those
        then go in a pipeline of their own. A statement that fails in the pipeline fails the
        COMMIT, which raises SQLAlchemy's error for it; nothing is committed. Elsewhere (SQLite,
        autocommit) this is ``last`` and then the session's commit."""
        session = self.session
        driver = self._pipelining_driver()
        if driver is None:
            if last is not None:
                last()
            session.commit()  # the write-behind's hook writes what is pending first
            return
        conn = session.connection()
        try:
            if session.new or session.dirty or session.deleted:
                if self.writes.pending:
                    with driver.pipeline():
                        self.writes.write(conn)
                session.flush()
            with driver.pipeline():
                self.writes.write(conn)
                if last is not None:
                    last()
                # Queued as a statement: psycopg's commit() would sync here, and the end of
                # the pipeline syncs again (two round trips where one carries everything).
                driver.execute("COMMIT")
        except driver.Error as exc:
            raise driver_error(conn, exc, "COMMIT", None) from exc
        session.commit()  # SQLAlchemy's side of it: the server's transaction has ended

    def _pipelining_driver(self) -> Any:
        """The psycopg connection of this unit of work's PostgreSQL transaction (begun here if
        nothing has begun it: psycopg sends the BEGIN with the first statement, in the
        pipeline), or None."""
        session = self.session
        if session.get_bind().dialect.name != "postgresql":
            return None
        driver = session.connection().connection.driver_connection
        return None if driver is None or driver.autocommit else driver

    #: Errors a database raises when a transaction lost a race (deadlock victim, lock timeout):
    #: nothing was committed and the work may be retried.
    RETRYABLE: tuple[type[Exception], ...] = (OperationalError, DBAPIError)

    def flush(self) -> None:
        """Write everything now: the ORM's changes, then what the write-behind holds."""
        self.session.flush()
        self.writes.write()


class Database:
    """The engine and session factory of one process, built from the settings' URL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite begins these with a plain BEGIN (a read snapshot), not BEGIN IMMEDIATE.
        self.read_sessions = sessionmaker(
            engine.execution_options(**{SNAPSHOT_OPTION: True}), expire_on_commit=False
        )
        # PostgreSQL: a read-only request's reads, in autocommit (see ``UnitOfWork``).
        self.autocommit_sessions = sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )
        write_behind.install()
        self.writer = WriterLock(str(engine.url))

    def unit_of_work(self, *, reads_first: bool = False, read_only: bool = False) -> UnitOfWork:
        """A unit of work; ``reads_first`` to begin from a read snapshot, ``read_only`` (with
        it) when the only write will be the journal entry (see ``UnitOfWork``)."""
        autocommit = reads_first and read_only and self.engine.dialect.name == "postgresql"
        reads = self.autocommit_sessions if autocommit else self.read_sessions
        return UnitOfWork(
            self.sessions, self.writer, reads if reads_first else None, self.engine, autocommit
        )

    def dispose(self) -> None:
        self.engine.dispose()
        self.writer.close()
