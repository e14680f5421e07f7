"""The unit of work's write-behind: new claims and the packs, timers and notifications beside
them wait in the unit of work and are written by one hook, before whatever reads or changes
their tables, however it is written (ORM, Core on the session's connection, a query that knows
nothing of write-behind, textual SQL), and at commit; once each, and not at all after a
rollback. Writing them early must not cost statements: an addClaim-like unit of work keeps its
count."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, exists, func, insert, select, text, update
from sqlalchemy.orm import Session

from gateway.service.unit_of_work import Database, UnitOfWork
from gateway.store.db import make_engine
from gateway.store.models import (
    Claim,
    ClaimPack,
    ClaimTimer,
    Hospital,
    JournalEntry,
    Notification,
    Organisation,
)
from tests.integration.test_unit_of_work import _database, _new_claim, unsaved_claim

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
TABLES = {"claims": Claim, "packs": ClaimPack, "timers": ClaimTimer, "notifications": Notification}


def _pending_claim(uow: UnitOfWork) -> Claim:
    """A new claim with one pack, one timer and one notification, none of them written yet."""
    claim = _new_claim(uow)  # a timer and a notification
    uow.claims.add_pack(
        claim_id=claim.id,
        kind="CNF",
        number=1,
        xml="<x/>",
        sha256="0" * 64,
        created_at=AT,
        organisation_id="CR1",
    )
    return claim


def _claim(reference: str) -> Claim:
    """A claim of CR1 to COMP1, not yet added."""
    return unsaved_claim(reference, "G-2", AT)


def _committed_counts(database: Database) -> dict[str, int]:
    with database.engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for name, model in TABLES.items()
        }


@contextmanager
def _statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    seen: list[str] = []

    def _seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", _seen)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", _seen)


class _NewRepository:
    """A repository method written after write-behind, knowing nothing of it."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def timer_kinds(self, claim_id: int) -> list[str]:
        timers = ClaimTimer.__table__
        query = select(timers.c.kind).where(timers.c.claim_id == claim_id)
        return list(self.session.connection().execute(query).scalars())

    def notified_claims(self, user_id: str) -> list[str]:
        """Claims with a notification for ``user_id``: a join and a subquery."""
        noticed = exists().where(
            Notification.application_id == Claim.application_id, Notification.user_id == user_id
        )
        return list(self.session.scalars(select(Claim.application_id).where(noticed)))

    def pack_count(self) -> int:
        return int(self.session.execute(text("SELECT count(*) FROM claim_packs")).scalar_one())


def test_pending_rows_are_seen_by_an_orm_select(database_url: str) -> None:
    database = _database(database_url)
    with database.unit_of_work() as uow:
        claim = _pending_claim(uow)
        assert uow.session.scalars(select(Claim)).all() == [claim]  # the same object
        assert [p.kind for p in uow.session.scalars(select(ClaimPack))] == ["CNF"]
        assert [t.rule for t in uow.session.scalars(select(ClaimTimer))] == ["D2"]
        assert [n.guid for n in uow.session.scalars(select(Notification))] == ["N-1"]
        assert uow.session.get(Claim, claim.id) is claim
    database.dispose()


def test_pending_rows_are_seen_by_core_statements_on_the_connection(database_url: str) -> None:
    database = _database(database_url)
    with database.unit_of_work() as uow:
        claim = _pending_claim(uow)
        conn = uow.session.connection()
        for model in TABLES.values():
            count = select(func.count()).select_from(model.__table__)  # type: ignore[arg-type]
            assert conn.execute(count).scalar_one() == 1, model
        # a Core UPDATE changes the pending rows (they are written before it runs)
        timers = ClaimTimer.__table__
        done = conn.execute(update(timers).where(timers.c.claim_id == claim.id).values(rule="D3"))
        assert done.rowcount == 1
        uow.commit()
    with database.engine.connect() as conn:
        assert conn.execute(select(ClaimTimer.rule)).scalars().all() == ["D3"]
    database.dispose()


def test_a_new_repository_query_sees_pending_rows_without_asking(database_url: str) -> None:
    database = _database(database_url)
    with database.unit_of_work() as uow:
        new = _NewRepository(uow.session)
        claim = _pending_claim(uow)
        assert new.timer_kinds(claim.id) == ["TIMEOUT"]
        assert new.notified_claims("u1") == [claim.application_id]
        uow.claims.add_pack(
            claim_id=claim.id,
            kind="RESPONSE",
            number=2,
            xml="<y/>",
            sha256="1" * 64,
            created_at=AT,
            organisation_id="COMP1",
        )
        assert new.pack_count() == 2  # textual SQL naming the table
    database.dispose()


def test_a_rollback_leaves_nothing(database_url: str) -> None:
    database = _database(database_url)
    with database.unit_of_work() as uow:
        _pending_claim(uow)
        assert len(uow.session.scalars(select(ClaimPack)).all()) == 1  # written, not committed
        # rows added after the read, still pending when the transaction rolls back
        uow.claims.add_notification(
            guid="N-2",
            user_id="u1",
            application_id="0" * 16,
            created_at=AT,
            message="late",
            machine=False,
        )
        uow.session.rollback()
        uow.commit()  # nothing left to write: the rollback dropped what was pending
    assert _committed_counts(database) == dict.fromkeys(TABLES, 0)
    database.dispose()


def test_commit_writes_everything_once(database_url: str) -> None:
    database = _database(database_url)
    with database.unit_of_work() as uow:
        claim = _pending_claim(uow)
        uow.claims.notifications("u1", AT, False)  # a read writes what is pending ...
        uow.flush()  # ... then nothing is left for a flush ...
        uow.claims.add_timer(claim_id=claim.id, kind="WARN", rule="D2", fire_at=AT, guid="G-1")
        uow.commit()  # ... and the commit writes only the timer added since
        uow.commit()  # a second commit has nothing to write
    assert _committed_counts(database) == {"claims": 1, "packs": 1, "timers": 2, "notifications": 1}
    database.dispose()


def test_a_flush_of_a_changed_claim_writes_a_pending_claim_first(database_url: str) -> None:
    database = _database(database_url)
    with database.unit_of_work() as uow:
        first = _pending_claim(uow)
        uow.commit()
    with database.unit_of_work() as uow:
        loaded = uow.claims.get(first.application_id)
        assert loaded is not None
        loaded.phase = "LiabilityDecision"  # an UPDATE of claims waits in the ORM
        second = _claim("R-2")
        uow.claims.add(second)
        assert second.id != first.id
        # an ORM query autoflushes the UPDATE; the pending claim joins the session before it
        phases = uow.session.execute(select(Claim.id, Claim.phase).order_by(Claim.id)).all()
        assert [tuple(row) for row in phases] == [
            (first.id, "LiabilityDecision"),
            (second.id, "ClaimSubmitted"),
        ]
        uow.commit()
    assert _committed_counts(database)["claims"] == 2
    database.dispose()


def test_two_claims_added_in_one_unit_of_work_get_their_own_ids(database_url: str) -> None:
    database = _database(database_url)
    with database.unit_of_work() as uow:
        first = _pending_claim(uow)
        second = _claim("R-2")
        uow.claims.add(second)  # SQLite reads the next id from claims: the first is written
        assert second.id == first.id + 1
        uow.commit()
    assert _committed_counts(database)["claims"] == 2
    database.dispose()


def journal_row(
    correlation: str, at: datetime = AT, **entry_values: Any
) -> tuple[dict[str, object], dict[str, object]]:
    """A journal entry (every column but its id) and its stored message, as the service writes
    them; ``entry_values`` replace the entry's defaults."""
    entry: dict[str, object] = {c.key: None for c in JournalEntry.__table__.columns}
    del entry["id"]
    entry.update(
        at=at,
        correlation_id=correlation,
        endpoint="rta",
        operation="addClaim",
        outcome="Ok",
        duration_ms=1,
        request_bytes=1,
        response_bytes=1,
    )
    entry.update(entry_values)
    message = {
        "correlation_id": correlation,
        "received_at": at,
        "expires_at": at,
        "endpoint": entry["endpoint"],
        "body": b"<r/>",
        "truncated": False,
    }
    return entry, message


def _journal(uow: UnitOfWork, correlation: str) -> None:
    uow.journal.append(*journal_row(correlation))


def test_an_add_claim_unit_of_work_keeps_its_statement_count(database_url: str) -> None:
    database = _database(database_url)
    with database.unit_of_work() as uow:
        uow.organisations.add(
            Organisation(organisation_id="COMP1", kind="COMP", name="Insurer", created_at=AT)
        )
        uow.commit()
    with _statements(database) as seen, database.unit_of_work() as uow:
        assert uow.organisations.summary("COMP1") is not None
        claim = _claim("R-1")
        uow.claims.add(claim)  # its id, from the database
        claim.deadline_rule = "D2"  # set after add: part of the claim's INSERT, no UPDATE
        uow.claims.add_pack(
            claim_id=claim.id,
            kind="CNF",
            number=1,
            xml="<x/>",
            sha256="0" * 64,
            created_at=AT,
            organisation_id="CR1",
        )
        for warning in (None, 2, 1):
            uow.claims.add_timer(
                claim_id=claim.id, kind="WARN", rule="D2", fire_at=AT, guid="G-2", days_left=warning
            )
        for guid in ("N-1", "N-2"):  # two notify calls, each reading its recipients first
            assert [u.user_id for u in uow.users.reachable_of("CR1")] == ["u1"]
            uow.claims.add_notification(
                guid=guid,
                user_id="u1",
                application_id=claim.application_id,
                created_at=AT,
                message="m",
                machine=True,
            )
        _journal(uow, "C-1")
        uow.commit()
    verbs = [" ".join(s.split()[:3]) if s.startswith("INSERT") else s.split()[0] for s in seen]
    journal = (
        ["WITH"]
        if database.engine.dialect.name == "postgresql"
        else ["INSERT INTO journal", "INSERT INTO message_store"]
    )
    next_id = "SELECT" if database.engine.dialect.name == "postgresql" else "UPDATE"
    assert verbs == [
        "SELECT",  # the organisation
        next_id,  # the claim's id: nextval, or SQLite's counter row (it never goes back)
        "SELECT",  # recipients
        "SELECT",  # recipients
        *journal,
        "INSERT INTO claims",  # once, at commit, as the claim then stood
        "INSERT INTO claim_packs",
        "INSERT INTO claim_timers",  # one executemany per table
        "INSERT INTO notifications",
    ]
    with database.engine.connect() as conn:
        assert conn.execute(select(Claim.deadline_rule)).scalar_one() == "D2"
    assert _committed_counts(database) == {"claims": 1, "packs": 1, "timers": 3, "notifications": 2}
    database.dispose()


def test_every_new_database_of_a_process_commits_what_is_pending(sqlite_url: str) -> None:
    """Engines and session factories come and go in a process (tests, the CLI): each new one
    must write its pending rows at commit, even where it takes the address of a collected one
    (SQLAlchemy's event registry keys targets by id(); hooks listened for per engine or factory
    were once taken as already there, and a commit then dropped the pending rows)."""
    statement = insert(Hospital.__table__)
    rounds = 40
    for number in range(rounds):
        database = Database(make_engine(sqlite_url))
        with database.unit_of_work() as uow:
            uow.writes.add_row(statement, {"name": f"Hospital {number}", "post_code": None})
            uow.commit()
        database.dispose()
        del database, uow
        gc.collect()
    database = Database(make_engine(sqlite_url))
    with database.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Hospital)) == rounds
    database.dispose()
