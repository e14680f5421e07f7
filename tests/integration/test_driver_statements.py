"""The request frame's statements on the driver (``gateway.store.driver``), a read-only request's
unit of work in autocommit on PostgreSQL, and pooled PostgreSQL connections whose server has
gone: found without a ping, replaced without an error."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, insert, select, text

from gateway.service.unit_of_work import Database
from gateway.store import operator_queries
from gateway.store.driver import DriverStatement
from gateway.store.models import Claim, StoredMessage, Token, TokenFamily, User
from gateway.store.repositories import _ACCESS_QUERY
from tests.conftest import fresh_database
from tests.integration.test_unit_of_work import _database
from tests.integration.test_write_behind import journal_row

AT = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def pg_database_url(tmp_path: Path) -> Iterator[str]:
    yield from fresh_database("postgres", tmp_path)


def _seed_token(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.tokens.add_family(
            TokenFamily(
                family_id="F1", user_id="u1", as_user_id="u1", client_id="c-1", created_at=AT
            )
        )
        uow.tokens.add(Token(token_hash="h" * 64, family_id="F1", kind="access", expires_at=AT))
        uow.commit()


def _journal_row(correlation: str) -> tuple[dict[str, Any], dict[str, Any]]:
    entry, message = journal_row(
        correlation,
        AT,
        endpoint="/PIP.WSTK/PIPWSTK",
        operation="getSystemProcessVersion",
        request_bytes=10,
        response_bytes=20,
    )
    return entry, {**message, "expires_at": AT + timedelta(days=30)}


def test_driver_rows_are_the_rows_sqlalchemy_gives(database_url: str) -> None:
    """Same values and types as SQLAlchemy's own execution: SQLite's text dates come back as
    datetimes, its integers as booleans, through the same result processors."""
    database = _database(database_url)
    _seed_token(database)
    with database.unit_of_work() as uow:
        by_sqlalchemy = [
            tuple(row) for row in uow.session.execute(_ACCESS_QUERY, {"token_hash": "h" * 64}).all()
        ]
        by_driver = DriverStatement(_ACCESS_QUERY).rows(uow.session, {"token_hash": "h" * 64})
        assert by_driver == by_sqlalchemy and len(by_driver) == 1
        assert [type(v) for v in by_driver[0]] == [type(v) for v in by_sqlalchemy[0]]
        assert any(isinstance(v, datetime) for v in by_driver[0])
        assert any(isinstance(v, bool) for v in by_driver[0])
        assert DriverStatement(_ACCESS_QUERY).rows(uow.session, {"token_hash": "x"}) == []
    database.dispose()


def test_the_journal_entry_written_on_the_driver_reads_back_through_the_orm(
    database_url: str,
) -> None:
    database = _database(database_url)
    with database.unit_of_work() as uow:
        uow.journal.append(*_journal_row("C-1"))
        uow.commit()
    with database.unit_of_work() as uow:
        entry = uow.journal.by_correlation("C-1")
        stored = uow.journal.message("C-1")
        assert entry is not None and stored is not None
        assert entry.at.replace(tzinfo=UTC) == AT  # microseconds kept, as the ORM writes them
        assert (entry.operation, entry.outcome, entry.response_bytes) == (
            "getSystemProcessVersion",
            "Ok",
            20,
        )
        assert stored.body == b"<r/>" and stored.truncated is False
        assert stored.expires_at.replace(tzinfo=UTC) == AT + timedelta(days=30)
    database.dispose()


def test_statement_listeners_see_driver_statements(database_url: str) -> None:
    database = _database(database_url)
    seen: list[str] = []

    def _seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split()[0])

    event.listen(database.engine, "before_cursor_execute", _seen)
    with database.unit_of_work() as uow:
        operator_queries.settings_with_prefix(uow.session, "release.")
        uow.journal.append(*_journal_row("C-2"))
        uow.commit()
    postgres = database.engine.dialect.name == "postgresql"
    assert seen == (["SELECT", "WITH"] if postgres else ["SELECT", "INSERT", "INSERT"])
    database.dispose()


def test_settings_prefix_is_a_prefix_not_a_pattern(database_url: str) -> None:
    database = _database(database_url)
    with database.unit_of_work() as uow:
        for key in ("release.rta.current", "releaseXrta", "release.rta_x", "other"):
            operator_queries.put_setting(uow.session, key, "1")
        uow.commit()
    with database.unit_of_work() as uow:
        found = operator_queries.settings_with_prefix(uow.session, "release.rta_")
        assert found == {"release.rta_x": "1"}  # "_" is a character, not a wildcard
        found = operator_queries.settings_with_prefix(uow.session, "release.")
        assert set(found) == {"release.rta.current", "release.rta_x"}
    database.dispose()


def test_a_driver_statement_may_not_touch_the_write_behind_tables() -> None:
    with pytest.raises(ValueError, match="claims"):
        DriverStatement(select(Claim.id))
    DriverStatement(insert(StoredMessage.__table__))  # type: ignore[arg-type]


@pytest.mark.postgres
def test_a_read_only_unit_reads_and_journals_in_autocommit(pg_database_url: str) -> None:
    """No BEGIN and no COMMIT: every statement is its own transaction, and the journal entry (one
    statement) is durable by itself. A deferred write gets a transaction, with the entry."""
    database = _database(pg_database_url)
    with database.unit_of_work(reads_first=True, read_only=True) as uow:
        driver: Any = uow.session.connection().connection.driver_connection
        assert driver.autocommit is True
        uow.start_writing()
        uow.journal.append(*_journal_row("C-3"))
        # committed before commit(): the unit's own statement was its transaction
        with database.engine.connect() as other:
            found = other.execute(
                text("SELECT count(*) FROM journal WHERE correlation_id = 'C-3'")
            ).scalar_one()
            assert found == 1
        uow.commit()
    at = datetime(2026, 4, 1, tzinfo=UTC)
    with database.unit_of_work(reads_first=True, read_only=True) as uow:
        uow.write_later(lambda: uow.users.touch("u1", at))
        uow.start_writing()
        driver = uow.session.connection().connection.driver_connection
        assert driver.autocommit is False  # a transaction for the deferred write and the entry
        uow.journal.append(*_journal_row("C-4"))
        # left without commit(): neither the deferred write nor the entry stays
    with database.engine.connect() as conn:
        assert conn.execute(select(User.last_auth_at).where(User.user_id == "u1")).scalar() is None
        assert (
            conn.execute(
                text("SELECT count(*) FROM journal WHERE correlation_id = 'C-4'")
            ).scalar_one()
            == 0
        )
    # a writing request's unit of work is one transaction from its first statement
    with database.unit_of_work(reads_first=True) as uow:
        driver = uow.session.connection().connection.driver_connection
        assert driver.autocommit is False
    database.dispose()


@pytest.mark.postgres
def test_a_pooled_connection_whose_server_went_is_replaced_without_an_error(
    pg_database_url: str,
) -> None:
    database = _database(pg_database_url)
    with database.unit_of_work() as uow:  # one connection into the pool
        before = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = create_engine(pg_database_url, isolation_level="AUTOCOMMIT")
    with killer.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before}).scalar()
        # pg_terminate_backend only signals: wait until the backend has gone (closed its end)
        gone = text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid")
        deadline = time.monotonic() + 5
        while not conn.execute(gone, {"pid": before}).scalar() and time.monotonic() < deadline:
            time.sleep(0.01)
    killer.dispose()
    for _ in range(3):  # every pooled connection is tried; none fails
        with database.unit_of_work() as uow:
            pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            assert pid != before
    database.dispose()
