"""The unit of work of a request that reads first: it reads without queueing behind SQLite
writers, writes its deferred writes only when it starts writing, and refuses ORM changes. And
the business calendar read in a unit of work follows its table at once. The rows a step adds
beside a claim are written with it, seen by later reads of the same unit, or not at all."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.service.claims.calendar_store import calendar_from_store
from gateway.service.unit_of_work import Database
from gateway.store.db import WriterLock, make_engine, upgrade
from gateway.store.models import Claim, ClaimPack, ClaimTimer, Notification, Organisation, User


def _database(url: str) -> Database:
    upgrade(url)
    database = Database(make_engine(url))
    with database.unit_of_work() as uow:
        uow.organisations.add(
            Organisation(
                organisation_id="CR1",
                kind="CR",
                name="Firm",
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        uow.flush()
        uow.users.add(
            User(
                user_id="u1",
                organisation_id="CR1",
                first_name="A",
                surname="B",
                profiles="A2A",
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        uow.commit()
    return database


def _last_auth(database: Database) -> datetime | None:
    with database.engine.connect() as conn:
        return conn.execute(select(User.last_auth_at).where(User.user_id == "u1")).scalar_one()


def test_reads_do_not_wait_for_a_writer_but_the_journal_part_does(sqlite_url: str) -> None:
    database = _database(sqlite_url)
    other = WriterLock(sqlite_url)  # another open file: another process, as far as flock knows
    other.__enter__()
    read, writing, wrote = threading.Event(), threading.Event(), threading.Event()

    def request() -> None:
        with database.unit_of_work(reads_first=True) as uow:
            assert uow.users.get("u1") is not None
            read.set()
            writing.set()
            uow.start_writing()
            uow.users.touch("u1", datetime(2026, 2, 1, tzinfo=UTC))
            uow.commit()
            wrote.set()

    worker = threading.Thread(target=request)
    worker.start()
    try:
        assert read.wait(5), "the read part queued behind the writer lock"
        assert writing.wait(5)
        assert not wrote.wait(0.3), "wrote while another writer held the lock"
    finally:
        other.__exit__()
        other.close()
    assert wrote.wait(5)
    worker.join(5)
    assert _last_auth(database) is not None
    database.dispose()


def test_writes_made_later_wait_for_start_writing(database_url: str) -> None:
    database = _database(database_url)
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with database.unit_of_work(reads_first=True) as uow:
        uow.write_later(lambda: uow.users.touch("u1", at))
        assert _last_auth(database) is None  # nothing written yet
        uow.start_writing()
        uow.commit()
    stored = _last_auth(database)
    assert stored is not None and stored.replace(tzinfo=UTC) == at
    with database.unit_of_work() as uow:  # a writing unit of work runs them at once
        uow.write_later(lambda: uow.users.touch("u1", at + timedelta(hours=2)))
        uow.commit()
    stored = _last_auth(database)
    assert stored is not None and stored.replace(tzinfo=UTC) == at + timedelta(hours=2)
    database.dispose()


def test_a_read_only_unit_refuses_orm_changes(database_url: str) -> None:
    database = _database(database_url)
    with database.unit_of_work(reads_first=True) as uow:
        user = uow.users.get("u1")
        assert user is not None
        user.first_name = "Changed"
        with pytest.raises(RuntimeError, match="write_later"):
            uow.start_writing()
    with database.unit_of_work() as uow:
        user = uow.users.get("u1")
        assert user is not None and user.first_name == "A"
    database.dispose()


def test_the_business_calendar_follows_its_table_at_once(database_url: str) -> None:
    database = _database(database_url)
    extra = date(2031, 3, 12)  # a Wednesday
    with database.unit_of_work() as uow:
        before = calendar_from_store(uow)
        assert calendar_from_store(uow) is before  # built once per table content
        uow.calendar.put(extra, "Extra bank holiday")
        uow.flush()
        after = calendar_from_store(uow)
        uow.commit()
    assert before.is_business_day(extra)
    assert not after.is_business_day(extra) and after.holiday_name(extra) == "Extra bank holiday"
    assert after.add_business_days(date(2031, 3, 11), 1) == date(2031, 3, 13)
    database.dispose()


def test_once_writing_a_sqlite_unit_holds_the_write_lock_from_its_first_read(
    sqlite_url: str,
) -> None:
    database = _database(sqlite_url)
    other = sqlite3.connect(sqlite_url.split("///", 1)[1], timeout=0, isolation_level=None)
    with database.unit_of_work(reads_first=True) as uow:
        uow.session.execute(select(User.user_id)).all()  # a snapshot: writers go on
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        uow.start_writing()
        uow.session.execute(select(User.user_id)).all()  # the handler's first read: IMMEDIATE
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.close()
    database.dispose()


def unsaved_claim(reference: str, guid: str, at: datetime) -> Claim:
    """An RTA claim of CR1 to COMP1 in ClaimSubmitted, not yet added."""
    return Claim(
        service="rta",
        release="R7",
        version_major=7,
        version_minor=0,
        phase="ClaimSubmitted",
        guid=guid,
        ended=False,
        cr_org_id="CR1",
        comp_org_id="COMP1",
        comp_branch_id="001",
        cr_reference=reference,
        cr_reference_key=reference.lower(),
        child_claim=False,
        created_at=at,
        updated_at=at,
        sent_date=at.date(),
        dispatched_at=at,
        gdpr_deleted=False,
    )


def _new_claim(uow: Any) -> Claim:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    uow.organisations.add(
        Organisation(organisation_id="COMP1", kind="COMP", name="Insurer", created_at=at)
    )
    uow.flush()
    claim = unsaved_claim("R-1", "G-1", at)
    uow.claims.add(claim)
    uow.claims.add_timer(claim_id=claim.id, kind="TIMEOUT", rule="D2", fire_at=at, guid="G-1")
    uow.claims.add_notification(
        guid="N-1",
        user_id="u1",
        application_id=claim.application_id,
        created_at=at,
        message="Claim received",
        machine=True,
    )
    return claim


def test_a_new_claim_and_its_rows_are_written_together_or_not_at_all(database_url: str) -> None:
    database = _database(database_url)
    since = datetime(2026, 1, 1, tzinfo=UTC)
    with database.unit_of_work() as uow:
        claim = _new_claim(uow)
        # a read of the table in the same unit of work sees the row added (written first)
        assert [n.guid for n in uow.claims.notifications("u1", since, False)] == ["N-1"]
        uow.claims.add_pack(
            claim_id=claim.id,
            kind="CNF",
            number=1,
            xml="<x/>",
            sha256="0" * 64,
            created_at=since,
            organisation_id="CR1",
        )
        assert [p.kind for p in uow.claims.packs(claim.id)] == ["CNF"]
        # not committed: nothing of it stays
    with database.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Claim)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(Notification)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(ClaimPack)).scalar_one() == 0
    with database.unit_of_work() as uow:
        claim = _new_claim(uow)
        claim.insurer_type = "I"  # before the row is written: part of the INSERT
        # a read of claims writes the new claim first; it is then the session's own object,
        # and later changes to it are saved
        assert uow.claims.get(claim.application_id) is claim
        claim.phase = "LiabilityDecision"
        uow.commit()
    with database.engine.connect() as conn:
        row = conn.execute(select(Claim.phase, Claim.insurer_type, Claim.article75)).one()
        assert tuple(row) == ("LiabilityDecision", "I", None)
        timers = conn.execute(select(ClaimTimer.claim_id, ClaimTimer.kind)).all()
        assert [tuple(t) for t in timers] == [(claim.id, "TIMEOUT")]
        assert conn.execute(select(Notification.application_id)).scalars().all() == [
            claim.application_id
        ]
    database.dispose()
