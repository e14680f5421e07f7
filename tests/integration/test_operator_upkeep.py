"""Upkeep through the operator functions, with requests run in process as from the wire (the
harness, SQLite): releases closed to new claims and the current release, accounts extended and
deleted, the Insurer Index, the same group / TPA links that reassignToAnotherCM checks, and the
calendar warning. Each is journaled and idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree
from sqlalchemy import func, select

from gateway.domain.services import Service
from gateway.service import messages as m
from gateway.service.admin import AdminError, UserSpec, disable_user, ensure_user
from gateway.service.operator import Operator, OperatorRefused, releases, system_entry, upkeep
from gateway.store.models import FormerUser, JournalEntry, StoredMessage, User
from tests.harness import Harness

PLATFORM = Operator.platform()


def _journaled(harness: Harness, operation: str) -> int:
    with harness.components.database.unit_of_work() as uow:
        query = select(func.count()).select_from(JournalEntry)
        return int(uow.session.scalar(query.where(JournalEntry.operation == operation)) or 0)


def _as(harness: Harness, user_id: str) -> Operator:
    with harness.components.database.unit_of_work() as uow:
        return Operator.user(uow, user_id)


def _do(harness: Harness, work: object, *args: object) -> str:
    c = harness.components
    with c.database.unit_of_work() as uow:
        result = work(uow, c.settings, *args)  # type: ignore[operator]
        uow.commit()
    return str(result)


# ----------------------------------------------------------------------------------- releases
def test_a_closed_release_refuses_new_claims_and_serves_its_own(harness: Harness) -> None:
    now = harness.clock.now()
    existing = harness.submit("REL-EXISTING")
    said = _do(harness, releases.set_closed, PLATFORM, Service.RTA, "R7", True, now)
    assert said == "rta R7: closed to new claims"
    again = _do(harness, releases.set_closed, PLATFORM, Service.RTA, "R7", True, now)
    assert again == "rta R7 is already closed to new claims"
    assert _journaled(harness, "RELEASE_CONFIGURATION") == 1

    refusal = harness.refused(
        "addClaim", m.AddClaim(claim_xml=harness_cnf("REL-NEW")), as_="cr-rta-ch"
    )
    assert refusal.key == "BUSINESS_RULE"
    assert "release RTA R7 is closed to new claims" in str(refusal)
    accepted = harness.step(
        "acceptClaim", existing, "comp-rta-ch", insurer_claim_reference_number="REL-1"
    )
    assert accepted.phase == "Article75Decision"  # the R7 claim goes on

    _do(harness, releases.set_current, PLATFORM, Service.RTA, "R6", now)
    version = harness.ok("getSystemProcessVersion", as_="cr-rta-ch").system_process_version
    assert (version.version_major, version.version_minor) == (6, 0)
    older = harness.submit("REL-R6", release="R6")
    with harness.components.database.unit_of_work() as uow:
        claim = uow.claims.get(older.application_id)
        assert claim is not None and claim.release == "R6"
    _do(harness, releases.set_closed, PLATFORM, Service.RTA, "R7", False, now)
    _do(harness, releases.set_current, PLATFORM, Service.RTA, "R7", now)
    assert harness.submit("REL-OPEN-AGAIN").phase == "ClaimSubmitted"
    with pytest.raises(OperatorRefused):
        _do(harness, releases.set_current, PLATFORM, Service.RTA, "R9", now)
    with pytest.raises(OperatorRefused):
        _do(harness, releases.set_closed, _as(harness, "cr-admin"), Service.RTA, "R6", True, now)


def harness_cnf(reference: str) -> str:
    from tests.e2e.claims import cnf

    return cnf(reference)


# ----------------------------------------------------------------------------------- accounts
def test_accounts_are_extended_by_their_administrators(harness: Harness) -> None:
    now = harness.clock.now()
    said = _do(harness, upkeep.extend_account, PLATFORM, "cr-rta-ch", now, date(2031, 1, 31))
    assert said == "user cr-rta-ch: expires 2031-01-31"
    assert "unchanged" in _do(
        harness, upkeep.extend_account, PLATFORM, "cr-rta-ch", now, date(2030, 1, 1)
    )
    admin = _as(harness, "cr-admin")
    assert "2033-02-28" in _do(
        harness, upkeep.extend_account, admin, "cr-rta-tl", now, date(2033, 2, 28)
    )
    for operator, user in (
        (_as(harness, "comp-admin"), "cr-rta-ch"),
        (_as(harness, "cr-rta-tl"), "cr-rta-ch"),
    ):
        with pytest.raises(OperatorRefused):
            _do(harness, upkeep.extend_account, operator, user, now, None)
    assert _journaled(harness, "ACCOUNT_EXTEND") == 2


def test_accounts_disabled_for_a_year_go_unless_a_claim_refers_to_them(harness: Harness) -> None:
    c, now = harness.components, harness.clock.now()
    claim = harness.submit("ACCOUNTS")
    with c.database.unit_of_work() as uow:
        for user_id in ("cr-old", "cr-held", "cr-recent", "cr-idle"):
            spec = UserSpec(user_id, "CR00001", "Former", "User", "CR_RTA_CH")
            ensure_user(uow, c.auth, spec, now - timedelta(days=800))
            user = uow.users.get(user_id)
            assert user is not None
            user.last_auth_at = now - timedelta(days=10)
        disable_user(uow, "cr-old", now - timedelta(days=400))
        disable_user(uow, "cr-held", now - timedelta(days=400))
        disable_user(uow, "cr-recent", now - timedelta(days=100))
        idle = uow.users.get("cr-idle")
        assert idle is not None
        idle.last_auth_at = now - timedelta(days=500)  # inactive since 410 days: disabled
        stored = uow.claims.get(claim.application_id)
        assert stored is not None
        stored.cr_allocated_user = "cr-held"
        uow.commit()

    with c.database.unit_of_work() as uow:
        dry = upkeep.delete_stale_accounts(uow, c.settings, PLATFORM, now, dry_run=True)
        uow.commit()
    assert sorted(dry.done) == ["cr-idle", "cr-old"]
    assert dry.skipped == [("cr-held", "a claim refers to it: kept disabled")]
    with c.database.unit_of_work() as uow:
        done = upkeep.delete_stale_accounts(uow, c.settings, PLATFORM, now)
        uow.commit()
    assert sorted(done.done) == ["cr-idle", "cr-old"]
    with c.database.unit_of_work() as uow:
        left = set(uow.session.scalars(select(User.user_id)))
        former = {f.user_id: f.organisation_id for f in uow.session.scalars(select(FormerUser))}
        again = upkeep.delete_stale_accounts(uow, c.settings, PLATFORM, now)
    assert {"cr-held", "cr-recent"} <= left and not {"cr-old", "cr-idle"} & left
    assert former == {"cr-old": "CR00001", "cr-idle": "CR00001"}
    assert again.done == [] and _journaled(harness, "ACCOUNT_DELETE") == 2
    with pytest.raises(OperatorRefused):
        _do(harness, upkeep.delete_stale_accounts, _as(harness, "cr-admin"), now)
    # A deleted account's id is never given to a new account: the journal names users by id.
    with c.database.unit_of_work() as uow, pytest.raises(AdminError, match="deleted account"):
        ensure_user(uow, c.auth, UserSpec("cr-old", "CR00001", "New", "Holder", "CR_RTA_CH"), now)


# ------------------------------------------------------------------ Insurer Index and links
def test_the_insurer_index_answers_the_search(harness: Harness) -> None:
    now = harness.clock.now()
    add = (upkeep.add_index_entry, PLATFORM, "Acme Motor Direct", "Claims desk", "COMP001", now)
    assert "mapped to COMP001" in _do(harness, *add)
    assert "already mapped" in _do(harness, *add)

    def found() -> list[str]:
        request = m.SearchCompensatorsByInsurerIndex(organisation_name="Acme")
        listed = harness.ok("searchCompensatorsByInsurerIndex", request, as_="cr-rta-ch")
        return [f"{i.insurer_name}>{i.rapid_insurer_id}" for i in listed.insurer_info_list]

    assert found() == ["Acme Motor Direct>COMP001"]
    assert "removed" in _do(harness, upkeep.remove_index_entry, PLATFORM, "Acme Motor Direct", now)
    assert "not in the Insurer Index" in _do(
        harness, upkeep.remove_index_entry, PLATFORM, "Acme Motor Direct", now
    )
    assert found() == []
    with pytest.raises(OperatorRefused):
        _do(harness, upkeep.add_index_entry, PLATFORM, "Acme", "", "CR00001", now)
    assert _journaled(harness, "INSURER_INDEX") == 2


def test_reassignment_follows_the_links(harness: Harness) -> None:
    now = harness.clock.now()
    link = (upkeep.set_link, PLATFORM, "COMP001", "COMP002")
    assert _do(harness, *link, True, now) == "COMP001 and COMP002 linked"
    assert _do(harness, *link, True, now) == "COMP001 and COMP002 are already linked"
    first = harness.submit("LINK-1")
    request = m.ReassignToAnotherCM(claim_data=first.data, organisation_path="/COMP002")
    moved = harness.claimed(harness.ok("reassignToAnotherCM", request, as_="comp-rta-ch"))
    data = harness.ok(
        "getClaim", m.GetClaim(application_id=moved.application_id), as_="mib-rta-ch"
    ).value
    transfers = etree.fromstring(data.encode()).find("ApplicationData/TransfersList")
    assert transfers is not None and transfers.get("Transferred") == "1"
    assert "Reassigned from COMP001" in transfers[0].get("TransferDesc", "")

    assert _do(harness, *link, False, now) == "COMP001 and COMP002 unlinked"
    assert _do(harness, *link, False, now) == "COMP001 and COMP002 were not linked"
    second = harness.submit("LINK-2")
    request = m.ReassignToAnotherCM(claim_data=second.data, organisation_path="/COMP002")
    refusal = harness.refused("reassignToAnotherCM", request, as_="comp-rta-ch")
    assert refusal.key == "BUSINESS_RULE" and "REASSIGN-01" in str(refusal)
    assert _journaled(harness, "COMPENSATOR_LINK") == 2


# ----------------------------------------------------------------------------------- calendar
def test_the_calendar_warning_comes_90_days_before_an_uncovered_year(harness: Harness) -> None:
    c = harness.components
    with c.database.unit_of_work() as uow:
        uow.calendar.replace_years([2028], [(date(2028, 12, 25), "Christmas Day")])
        uow.commit()
    quiet = datetime(2028, 10, 2, 12, tzinfo=UTC)  # 90 days later is 31 December 2028
    due = datetime(2028, 10, 3, 12, tzinfo=UTC)
    with c.database.unit_of_work() as uow:
        assert upkeep.calendar_warnings(uow, c.settings, quiet) == []
        (warning,) = upkeep.calendar_warnings(uow, c.settings, due)
        assert "2029" in warning
        assert len(upkeep.calendar_warnings(uow, c.settings, due + timedelta(days=1))) == 1
        uow.commit()
    assert _journaled(harness, "CALENDAR_WARNING") == 1  # warned once for the year


def test_the_timeout_worker_deletes_stale_accounts_and_journals_the_calendar_warning(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """What needs no operator runs in the worker's retention pass, as actor SYSTEM."""
    from gateway.service.operator.retention import RetentionSchedule

    c, now = harness.components, harness.clock.now()
    with c.database.unit_of_work() as uow:
        spec = UserSpec("cr-gone", "CR00001", "Former", "User", "CR_RTA_CH")
        ensure_user(uow, c.auth, spec, now - timedelta(days=800))
        disable_user(uow, "cr-gone", now - timedelta(days=400))
        uow.calendar.replace_years([now.year - 1], [])  # this year is not imported: warned
        old = datetime.now(UTC) - timedelta(days=c.settings.message_retention_days + 1)
        system_entry(
            uow,
            c.settings,
            old,
            endpoint="operator",
            actor="SYSTEM",
            operation="OLD",
            service=None,
            detail="a message past its retention",
        )
        uow.commit()
    schedule = RetentionSchedule(c, 3600)
    with caplog.at_level("INFO"):
        assert schedule.maybe_run() is not None
        assert schedule.maybe_run() is None  # not again within the hour
    with c.database.unit_of_work() as uow:
        assert uow.users.get("cr-gone") is None
        actors = set(
            uow.session.scalars(
                select(JournalEntry.actor).where(
                    JournalEntry.operation.in_(["ACCOUNT_DELETE", "CALENDAR_WARNING"])
                )
            )
        )
    assert actors == {"SYSTEM"}
    assert _journaled(harness, "ACCOUNT_DELETE") == 1
    with c.database.unit_of_work() as uow:
        uncovered = upkeep.calendar_years_to_warn(uow, now)  # this year, and maybe the next
    assert now.year in uncovered and _journaled(harness, "CALENDAR_WARNING") == len(uncovered)
    assert "account cr-gone deleted" in caplog.text
    assert "1 stored messages and 0 expired tokens purged" in caplog.text
    with c.database.unit_of_work() as uow:  # the message went, its journal entry stays
        assert (
            uow.session.scalar(
                select(func.count())
                .select_from(StoredMessage)
                .where(
                    StoredMessage.correlation_id.in_(
                        select(JournalEntry.correlation_id).where(JournalEntry.operation == "OLD")
                    )
                )
            )
            == 0
        )
    assert _journaled(harness, "OLD") == 1
    assert f"no bank-holiday calendar imported for {now.year}" in caplog.text
