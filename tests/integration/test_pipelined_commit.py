"""The commit of a unit of work on PostgreSQL: the rows the write-behind holds, the journal
entry and the COMMIT go to the server in one round trip (libpq's pipeline mode), counted here on
the wire with libpq's own protocol trace. A statement that fails in the pipeline fails the
commit and leaves nothing. On SQLite the same unit of work commits as before."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gateway.service.unit_of_work import Database, UnitOfWork
from gateway.store.models import Claim, ClaimPack, ClaimTimer, JournalEntry, Notification
from tests.conftest import fresh_database
from tests.integration.test_unit_of_work import _database, _new_claim
from tests.integration.test_write_behind import _journal, _pending_claim

TABLES = (Claim, ClaimPack, ClaimTimer, Notification, JournalEntry)


@contextmanager
def _round_trips(uow: UnitOfWork) -> Iterator[list[str]]:
    """The messages the client sends that the server answers at once (a Sync ends a batch of
    extended-protocol messages, a Query is a simple query): one each per round trip. Filled in
    when the block ends."""
    found: list[str] = []
    driver = uow.session.connection().connection.driver_connection
    assert driver is not None
    pgconn = driver.pgconn
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "trace"
        with path.open("w") as out:
            pgconn.trace(out.fileno())
            try:
                yield found
            finally:
                pgconn.untrace()
        for line in path.read_text().splitlines():
            fields = line.split("\t")
            if "F" in fields and ("Sync" in fields or "Query" in fields):
                found.append(fields[fields.index("F") + 2])


def _counts(database: Database) -> list[int]:
    with database.engine.connect() as conn:
        return [conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES]


def test_pending_rows_the_journal_entry_and_the_commit_are_one_round_trip(
    postgres_url: str,
) -> None:
    database = _database(postgres_url)
    with database.unit_of_work() as uow:
        _pending_claim(uow)  # a claim, a pack, a timer and a notification, all pending
        with _round_trips(uow) as trips:
            uow.commit(last=lambda: _journal(uow, "C-1"))
    assert trips == ["Sync"]  # five INSERT statements (one an executemany) and COMMIT
    assert _counts(database) == [1, 1, 1, 1, 1]
    database.dispose()


def test_a_changed_row_is_flushed_before_and_the_rest_still_goes_together(
    postgres_url: str,
) -> None:
    database = _database(postgres_url)
    with database.unit_of_work() as uow:
        _new_claim(uow)
        uow.commit()
    with database.unit_of_work() as uow:
        claim = uow.session.scalars(select(Claim)).one()
        claim.phase = "ClaimEnded"  # an ORM change: its UPDATE checks the row it matched
        uow.claims.add_timer(
            claim_id=claim.id, kind="TIMEOUT", rule="D3", fire_at=claim.created_at, guid="G-2"
        )
        with _round_trips(uow) as trips:
            uow.commit(last=lambda: _journal(uow, "C-2"))
    # the pending timer first (a pipeline of its own: the change may point at it), the UPDATE,
    # then the journal entry and COMMIT
    assert trips == ["Sync", "Sync", "Sync"]
    assert _counts(database) == [1, 0, 2, 1, 1]
    with database.engine.connect() as conn:
        assert conn.execute(select(Claim.phase)).scalar_one() == "ClaimEnded"
    database.dispose()


def test_a_statement_failing_in_the_pipeline_fails_the_commit_and_leaves_nothing(
    postgres_url: str,
) -> None:
    database = _database(postgres_url)
    with database.unit_of_work() as uow:
        _journal(uow, "C-1")
        uow.commit()
    before = _counts(database)
    with pytest.raises(IntegrityError), database.unit_of_work() as uow:
        _new_claim(uow)
        uow.commit(last=lambda: _journal(uow, "C-1"))  # the same correlation id again
    assert _counts(database) == before  # neither the claim nor its rows
    with database.unit_of_work() as uow:  # the pool's connection is usable again
        _journal(uow, "C-3")
        uow.commit()
    assert _counts(database)[-1] == before[-1] + 1
    database.dispose()


def test_sqlite_commits_the_same_unit_of_work(sqlite_url: str) -> None:
    database = _database(sqlite_url)
    with database.unit_of_work() as uow:
        _new_claim(uow)
        uow.commit(last=lambda: _journal(uow, "C-1"))
    assert _counts(database) == [1, 0, 1, 1, 1]
    database.dispose()


@pytest.fixture
def postgres_url(postgres_server: str, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database("postgres", tmp_path)
