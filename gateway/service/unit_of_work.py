"""The unit of work: one database transaction per request, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from gateway.store.db import WriterLock
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
    """

    def __init__(self, session_factory: sessionmaker[Session], writer: WriterLock) -> None:
        self._factory = session_factory
        self._writer = writer

    def __enter__(self) -> UnitOfWork:
        self._writer.__enter__()
        self.session = self._factory()
        self.organisations = OrganisationRepository(self.session)
        self.users = UserRepository(self.session)
        self.tokens = TokenRepository(self.session)
        self.journal = JournalRepository(self.session)
        self.hospitals = HospitalRepository(self.session)
        self.claims = ClaimRepository(self.session)
        self.calendar = CalendarRepository(self.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.session.rollback()
            self.session.close()
        finally:
            self._writer.__exit__()

    def commit(self) -> None:
        self.session.commit()

    #: Errors a database raises when a transaction lost a race (deadlock victim, lock timeout):
    #: nothing was committed and the work may be retried.
    RETRYABLE: tuple[type[Exception], ...] = (OperationalError, DBAPIError)

    def flush(self) -> None:
        self.session.flush()


class Database:
    """The engine and session factory of one process, built from the settings' URL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.writer = WriterLock(str(engine.url))

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.writer)

    def dispose(self) -> None:
        self.engine.dispose()
        self.writer.close()
