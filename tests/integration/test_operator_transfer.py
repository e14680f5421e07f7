"""Bulk transfer (security.md 6.5) on SQLite and PostgreSQL: 1,000 active claims seeded through
the store, one submitted through addClaim and one in an end phase, moved from COMP001 to a new
compensator COMP004 by the operator function; then, through the service layer as any request:
the receiver's worklist shows them with unchanged GUIDs and phases, the old compensator no
longer sees them, the CR side has a notice per claim, getClaim's TransfersList records the move,
the end-phase claim is skipped and reported, and a second run transfers nothing. A CR transfer
by the CLI takes every active claim of the law firm."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import func, select

from gateway.app import Components
from gateway.cli import main as gateway_main
from gateway.domain.deadlines import london_date
from gateway.service import messages as m
from gateway.service.admin import (
    OrganisationSpec,
    UserSpec,
    enable_user,
    ensure_organisation,
    ensure_user,
)
from gateway.service.claims.workflow import new_guid
from gateway.service.operator import Operator, OperatorRefused
from gateway.service.operator.transfer import TransferFailed, TransferOrder, transfer
from gateway.store.models import Claim, ClaimTransfer, JournalEntry, Notification
from tests.conftest import MovableClock
from tests.harness import Harness

CLAIMS = 1000
NEW_INSURER = OrganisationSpec("COMP004", "COMP", "Merged Insurance plc", "I")
NEW_A2A = ("comp4-a2a", "Topaz-Lynx-2026!")


@pytest.fixture
def world(gateway: Components, clock: MovableClock) -> Iterator[Harness]:
    now = clock.now()
    with gateway.database.unit_of_work() as uow:
        ensure_organisation(uow, NEW_INSURER, now)
        for spec, password in (
            (UserSpec("comp4-rta-tl", "COMP004", "Tess", "Merged", "COMP_RTA_TL"), None),
            (UserSpec(NEW_A2A[0], "COMP004", "A2A", "System", "A2A"), NEW_A2A[1]),
        ):
            if password is None:
                ensure_user(uow, gateway.auth, spec, now)
            else:
                ensure_user(uow, gateway.auth, spec, now, password, password_expired=False)
            enable_user(uow, spec.user_id, now)
        uow.commit()
    harness = Harness(gateway, clock)
    request = m.GetToken(user_id=NEW_A2A[0], user_as_id="comp4-rta-tl", password=NEW_A2A[1])
    harness.tokens["comp4-rta-tl"] = harness.ok("getToken", request).access_token
    yield harness


def _seed(components: Components, count: int, clock: MovableClock) -> list[str]:
    """``count`` RTA claims of CR00001 at COMP001 awaiting its liability decision, through the
    store in one transaction (the write-behind inserts them in bulk)."""
    now = clock.now() - timedelta(days=3)
    ids = []
    with components.database.unit_of_work() as uow:
        for n in range(count):
            claim = Claim(
                service="rta",
                release="R7",
                version_major=7,
                version_minor=0,
                phase="LiabilityDecision",
                guid=new_guid(),
                ended=False,
                gdpr_deleted=False,
                cr_org_id="CR00001",
                comp_org_id="COMP001",
                comp_branch_id="002",
                accepting_branch_id="002",
                insurer_type="I",
                cr_reference=f"BULK-{n}",
                cr_reference_key=f"bulk-{n}",
                comp_allocated_user="comp-rta-ch",
                comp_lock_user="comp-rta-ch",
                comp_lock_at=now,
                created_at=now,
                updated_at=now,
                sent_date=london_date(now),
                dispatched_at=now,
            )
            uow.claims.add(claim)
            ids.append(claim.application_id)
        uow.commit()
    return ids


def test_a_thousand_claims_move_to_the_new_compensator(
    world: Harness, gateway: Components, clock: MovableClock
) -> None:
    submitted = world.submit("BULK-SUBMITTED")
    exited = world.step(
        "exitProcess", world.submit("BULK-ENDED"), "cr-rta-ch", exit_reason_code="5"
    )
    ended = world.step("acknowledgeExitProcess", exited, "comp-rta-ch")
    assert ended.phase == "ExitProcessEnd"
    seeded = _seed(gateway, CLAIMS, clock)
    before = {c.application_id: (c.guid, c.phase) for c in _claims(gateway, seeded)}
    wanted = [submitted.application_id, *seeded, ended.application_id]

    calls: list[tuple[int, int]] = []
    started = time.perf_counter()
    report = transfer(
        gateway,
        Operator.platform(),
        TransferOrder("COMP001", "COMP004", "merger of the insurers", wanted, batch_size=250),
        lambda done, total: calls.append((done, total)),
    )
    seconds = time.perf_counter() - started
    print(f"\nbulk transfer of {CLAIMS + 1} claims: {seconds:.2f} s")  # the figure in the note
    assert sorted(report.done) == sorted([submitted.application_id, *seeded])
    assert len(report.skipped) == 1
    assert report.skipped[0][0] == ended.application_id
    assert "end phase ExitProcessEnd" in report.skipped[0][1]
    assert report.batches == 5 and calls[-1] == (len(wanted), len(wanted))

    # the receiver's worklist: every claim, GUID and phase unchanged, at its Central Point
    listed = world.ok("getClaimsList", m.GetClaimsList(), as_="comp4-rta-tl").claims_list
    shown = {c.application_id: (c.activity_engine_guid, c.phase_cache_id) for c in listed}
    assert {k: shown[k] for k in before} == before
    assert submitted.application_id in shown
    for claim in _claims(gateway, seeded):
        assert (claim.comp_branch_id, claim.comp_allocated_user, claim.comp_lock_user) == (
            "001",
            None,
            None,
        )
    # the old compensator no longer sees them
    old = world.ok("getClaimsList", m.GetClaimsList(), as_="comp-rta-tl").claims_list
    assert not {c.application_id for c in old} & set(shown)
    lost = world.refused(
        "getClaimsStatus", m.GetClaimsStatus(application_id=seeded[0]), as_="comp-rta-ch"
    )
    assert lost.key == "CLAIM_NOT_FOUND"
    # the law firm (counterparty) and the receiver are told, once per claim
    text = "transferred to Merged Insurance plc"
    assert _notices(gateway, "cr-rta-ch", text) == CLAIMS + 1
    assert _notices(gateway, "comp4-rta-tl", text) == CLAIMS + 1
    # the Data document records the move
    data = world.ok(
        "getClaim", m.GetClaim(application_id=submitted.application_id), as_="comp4-rta-tl"
    ).value
    transfers = etree.fromstring(data.encode()).find("ApplicationData/TransfersList")
    assert transfers is not None and transfers.get("Transferred") == "1"
    (row,) = transfers.findall("Transfer")
    assert row.get("TransferID") == report.transfer_id
    assert "COMP001" in row.get("TransferDesc", "") and "COMP004" in row.get("TransferDesc", "")
    with gateway.database.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ClaimTransfer)) == CLAIMS + 1
        journaled = uow.session.scalar(
            select(func.count())
            .select_from(JournalEntry)
            .where(JournalEntry.operation == "BULK_TRANSFER", JournalEntry.actor == "OPERATOR")
        )
        assert journaled == CLAIMS + 1

    again = transfer(
        gateway, Operator.platform(), TransferOrder("COMP001", "COMP004", "again", wanted)
    )
    assert again.done == []
    assert {why for _, why in again.skipped} >= {"already at COMP004"}
    assert _notices(gateway, "cr-rta-ch", text) == CLAIMS + 1


def test_orders_that_cannot_be_carried_out_change_nothing(
    world: Harness, gateway: Components
) -> None:
    claim = world.submit("BULK-REFUSED")
    platform = Operator.platform()
    for order in (
        TransferOrder("COMP001", "CR00001", "wrong type", [claim.application_id]),
        TransferOrder("COMP001", "COMP001", "itself", [claim.application_id]),
        TransferOrder("COMP001", "COMP404", "unknown", [claim.application_id]),
        TransferOrder("COMP001", "COMP004", "   ", [claim.application_id]),
    ):
        with pytest.raises(OperatorRefused):
            transfer(gateway, platform, order)
    with gateway.database.unit_of_work() as uow:
        user = Operator.user(uow, "comp-rta-tl")
    with pytest.raises(OperatorRefused):
        transfer(gateway, user, TransferOrder("COMP001", "COMP004", "x", [claim.application_id]))
    assert _claims(gateway, [claim.application_id])[0].comp_org_id == "COMP001"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_cli_transfers_every_active_claim_of_a_law_firm(
    world: Harness, gateway: Components, capsys: pytest.CaptureFixture[str]
) -> None:
    with gateway.database.unit_of_work() as uow:
        ensure_organisation(
            uow, OrganisationSpec("CR00005", "CR", "New Firm LLP"), world.clock.now()
        )
        uow.commit()
    first, second = world.submit("CLI-1"), world.submit("CLI-2")
    url = gateway.settings.database_url
    argv = ["--database-url", url, "admin", "transfer", "--from", "CR00001", "--to", "CR00005"]
    assert gateway_main([*argv, "--all", "--reason", "firm merger"]) == 0
    out = capsys.readouterr().out
    assert "2 transferred, 0 skipped" in out
    assert {
        c.cr_org_id for c in _claims(gateway, [first.application_id, second.application_id])
    } == {"CR00005"}
    assert gateway_main([*argv, "--all", "--reason", "firm merger"]) == 0
    assert "0 transferred, 0 skipped" in capsys.readouterr().out
    assert gateway_main([*argv, "--reason", "neither claims nor --all"]) == 2


def _claims(components: Components, application_ids: list[str]) -> list[Claim]:
    with components.database.unit_of_work() as uow:
        rows = list(
            uow.session.scalars(select(Claim).where(Claim.application_id.in_(application_ids)))
        )
        for row in rows:
            uow.session.expunge(row)
        return rows


def _notices(components: Components, user_id: str, text: str) -> int:
    with components.database.unit_of_work() as uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == user_id, Notification.message.contains(text))
            )
            or 0
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failed_batch_stops_the_run_and_the_same_order_finishes_it(
    world: Harness, gateway: Components, clock: MovableClock
) -> None:
    seeded = _seed(gateway, 30, clock)

    def receiver_active(active: bool) -> None:
        with gateway.database.unit_of_work() as uow:
            org = uow.organisations.get("COMP004")
            assert org is not None
            org.active = active
            uow.commit()

    order = TransferOrder("COMP001", "COMP004", "merger", seeded, batch_size=10)
    with pytest.raises(TransferFailed) as failed:
        transfer(gateway, Operator.platform(), order, lambda done, total: receiver_active(False))
    report = failed.value.report
    assert report.done == seeded[:10] and report.batches == 1
    assert "batch 2 rolled back" in (report.failed or "")
    assert {c.comp_org_id for c in _claims(gateway, seeded[10:])} == {"COMP001"}
    receiver_active(True)
    rest = transfer(gateway, Operator.platform(), order)
    assert rest.done == seeded[10:]
    assert [why for _, why in rest.skipped] == ["already at COMP004"] * 10
