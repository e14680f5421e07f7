"""Locks, allocation and reassignment over the wire (security.md 3.4 and 5, operations.md 4.5):
side-exclusive locks that expire, holder-only unlock, Team Leader force unlock, branch and user
allocation that never renew the GUID, and reassignment to a linked compensator."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gateway.service.admin import UserSpec, ensure_user
from gateway.store.models import JournalEntry
from tests.conftest import LiveServer, MovableClock
from tests.e2e.test_stage1_paths import Claimed, World, make_world


@pytest.fixture
def world(live: LiveServer) -> World:
    return make_world(live)


def _refused(reply: Any, key: str) -> str:
    assert reply.code == "Failure" and reply.details.startswith(key), reply
    return str(reply.details)


def _same_activity(world: World, claim: Claimed, reply: Any) -> None:
    """A phase-independent step: Ok, the phase and the GUID unchanged."""
    assert reply.code == "Ok", reply
    row = world.claim_row(claim.application_id)
    assert (row.phase, row.guid) == (claim.phase, claim.guid)
    info = getattr(reply, "claimInfo", None)
    if info is not None:
        assert (info.activityEngineGuid, info.phaseCacheId) == (claim.guid, claim.phase)


def _relogin(world: World, clock: MovableClock, seconds: float) -> None:
    clock.advance(seconds)
    world.actors.clear()  # access tokens live one hour


# ---------------------------------------------------------------------------------- locking
def test_a_lock_blocks_the_same_side_only(world: World) -> None:
    claim = world.submit("LOCK-SIDE-1")
    holder = world.actor("comp-rta-ch")
    assert holder.step("lockClaim", claim).code == "Ok"
    _same_activity(world, claim, holder.step("lockClaim", claim))  # renewing is accepted
    details = _refused(
        world.actor("comp-rta-tl").step("acceptClaim", claim, insurerClaimReferenceNumber="R-1"),
        "CLAIM_LOCKED",
    )
    assert details == "CLAIM_LOCKED: comp-rta-ch"
    _refused(world.actor("comp-rta-disp").step("lockClaim", claim), "CLAIM_LOCKED")
    _refused(
        world.actor("comp-rta-tl").step("allocateUser", claim, targetUserID="comp-rta-tl"),
        "CLAIM_LOCKED",
    )
    # reads and the counterparty are not blocked
    status = world.actor("comp-rta-tl").call("getClaimsStatus", applicationId=claim.application_id)
    assert status.code == "Ok"
    assert world.actor("cr-rta-ch").step("lockClaim", claim).code == "Ok"
    _refused(world.actor("cr-rta-tl").step("lockClaim", claim), "CLAIM_LOCKED: cr-rta-ch")
    # the holder acts; the claim stays in the compensator's worklist, so its lock stays,
    # and the CR's lock ends (the claim left the CR's worklist)
    world.advance(
        "comp-rta-ch", "acceptClaim", claim, "Article75Decision", insurerClaimReferenceNumber="R-1"
    )
    _refused(
        world.actor("comp-rta-tl").step("applyArticle75", claim, isArticle75=False), "CLAIM_LOCKED"
    )
    assert world.claim_row(claim.application_id).cr_lock_user is None
    world.advance("comp-rta-ch", "applyArticle75", claim, "LiabilityDecision", isArticle75=False)
    assert world.actor("cr-rta-ch").step("lockClaim", claim).code == "Ok"
    # moving into the CR's worklist releases the compensator's lock; the CR's stays
    world.advance("comp-rta-ch", "exitProcess", claim, "ExitProcessByCM", exitReasonCode="1")
    row = world.claim_row(claim.application_id)
    assert row.comp_lock_user is None and row.cr_lock_user == "cr-rta-ch"
    _refused(world.actor("cr-rta-tl").step("acknowledgeExitProcess", claim), "CLAIM_LOCKED")
    world.advance("cr-rta-ch", "acknowledgeExitProcess", claim, "ExitProcessEnd")
    row = world.claim_row(claim.application_id)
    assert row.cr_lock_user is None and row.comp_lock_user is None


def test_lock_needs_the_current_guid_and_a_non_end_phase(world: World) -> None:
    claim = world.submit("LOCK-GUID-1")
    stale = Claimed(claim.application_id, claim.guid, claim.phase)
    world.advance("cr-rta-ch", "exitProcess", claim, "ExitProcessByCR", exitReasonCode="5")
    reply = world.actor("comp-rta-ch").step("lockClaim", stale)
    _refused(reply, "GUID_STALE")
    world.advance("comp-rta-ch", "acknowledgeExitProcess", claim, "ExitProcessEnd")
    ended = world.actor("comp-rta-ch").step("lockClaim", claim)
    _refused(ended, "PHASE_NOT_ALLOWED")
    assert ended.message == "Operation not allowed in phase Exit Process End"
    missing = world.actor("comp-rta-ch").step(
        "lockClaim", Claimed("9999999999", claim.guid, claim.phase)
    )
    _refused(missing, "CLAIM_NOT_FOUND")
    keys = [(e.operation, e.error_key) for e in world.journal(claim.application_id)]
    assert ("lockClaim", "GUID_STALE") in keys and ("lockClaim", "PHASE_NOT_ALLOWED") in keys


def test_locks_expire_after_an_hour_without_an_operation_by_the_holder(
    world: World, clock: MovableClock
) -> None:
    claim = world.submit("LOCK-EXPIRE-1")
    assert world.actor("comp-rta-ch").step("lockClaim", claim).code == "Ok"
    _relogin(world, clock, 40 * 60)
    assert world.actor("comp-rta-ch").step("lockClaim", claim).code == "Ok"  # renews
    _relogin(world, clock, 40 * 60)
    _refused(world.actor("comp-rta-tl").step("lockClaim", claim), "CLAIM_LOCKED")
    _relogin(world, clock, 21 * 60)
    assert world.actor("comp-rta-tl").step("lockClaim", claim).code == "Ok"
    _refused(world.actor("comp-rta-ch").step("lockClaim", claim), "CLAIM_LOCKED: comp-rta-tl")


def test_a_disabled_holder_blocks_nobody(world: World) -> None:
    claim = world.submit("LOCK-DISABLED-1")
    assert world.actor("comp-rta-ch").step("lockClaim", claim).code == "Ok"
    with world.live.components.database.unit_of_work() as uow:
        user = uow.users.get("comp-rta-ch")
        assert user is not None
        user.enabled = False
        uow.commit()
    world.advance(
        "comp-rta-tl", "acceptClaim", claim, "Article75Decision", insurerClaimReferenceNumber="R-2"
    )


def test_unlock_by_the_holder_only(world: World) -> None:
    claim = world.submit("LOCK-UNLOCK-1")
    app_id = claim.application_id
    assert world.actor("comp-rta-ch").step("lockClaim", claim).code == "Ok"
    refused = world.actor("comp-rta-tl").call("unlockClaim", applicationId=app_id)
    _refused(refused, "NOT_LOCK_OWNER")
    assert refused.message == "The claim is not locked by you"
    _refused(world.actor("cr-rta-ch").call("unlockClaim", applicationId=app_id), "NOT_LOCK_OWNER")
    assert world.actor("comp-rta-ch").call("unlockClaim", applicationId=app_id).code == "Ok"
    assert world.claim_row(app_id).comp_lock_user is None
    _refused(world.actor("comp-rta-ch").call("unlockClaim", applicationId=app_id), "NOT_LOCK_OWNER")
    world.advance(
        "comp-rta-tl", "acceptClaim", claim, "Article75Decision", insurerClaimReferenceNumber="R-3"
    )
    _refused(
        world.actor("comp-rta-ch").call("unlockClaim", applicationId="12345678"), "CLAIM_NOT_FOUND"
    )


def test_force_unlock_by_a_team_leader_of_the_same_side(world: World) -> None:
    claim = world.submit("LOCK-FORCE-1")
    app_id = claim.application_id
    assert world.actor("comp-rta-ch").step("lockClaim", claim).code == "Ok"
    _refused(
        world.actor("comp-rta-disp").call("forceUnlockClaim", applicationId=app_id),
        "PROFILE_NOT_ALLOWED",
    )
    other_side = world.actor("cr-rta-tl").call("forceUnlockClaim", applicationId=app_id)
    assert other_side.code == "Ok"  # the CR side had no lock; the compensator's stays
    assert world.claim_row(app_id).comp_lock_user == "comp-rta-ch"
    reply = world.actor("comp-rta-tl").call("forceUnlockClaim", applicationId=app_id)
    assert reply.code == "Ok", reply
    row = world.claim_row(app_id)
    assert row.comp_lock_user is None and (row.phase, row.guid) == (claim.phase, claim.guid)
    told = [m for u, m in world.notifications(app_id) if u == "comp-rta-ch"]
    assert f"Claim {app_id}: your lock was released by comp-rta-tl" in told
    with world.live.components.database.unit_of_work() as uow:
        entry = uow.session.scalars(
            select(JournalEntry).where(
                JournalEntry.operation == "forceUnlockClaim",
                JournalEntry.outcome == "Ok",
                JournalEntry.as_user_id == "comp-rta-tl",
            )
        ).one()
        assert entry.application_id == app_id
    world.advance(
        "comp-rta-disp",
        "acceptClaim",
        claim,
        "Article75Decision",
        insurerClaimReferenceNumber="R-4",
    )


# ------------------------------------------------------------------------------- allocation
def test_allocate_claim_to_branch(world: World) -> None:
    claim = world.submit("ALLOC-BRANCH-1")
    _refused(
        world.actor("comp-rta-bch").step("allocateClaimToBranch", claim, branchId="002"),
        "PROFILE_NOT_ALLOWED",
    )
    _refused(
        world.actor("cr-rta-tl").step("allocateClaimToBranch", claim, branchId="002"),
        "PROFILE_NOT_ALLOWED",
    )
    _refused(
        world.actor("comp-rta-disp").step("allocateClaimToBranch", claim, branchId="/COMP002/001"),
        "BUSINESS_RULE",
    )
    _refused(
        world.actor("comp-rta-disp").step("allocateClaimToBranch", claim, branchId="007"),
        "NOT_FOUND",
    )
    _refused(
        world.actor("comp-rta-disp").step("allocateClaimToBranch", claim, branchId="two"),
        "INPUT_INVALID",
    )
    stale = Claimed(claim.application_id, "00000000-0000-0000-0000-000000000000", claim.phase)
    _refused(
        world.actor("comp-rta-disp").step("allocateClaimToBranch", stale, branchId="002"),
        "GUID_STALE",
    )
    reply = world.actor("comp-rta-disp").step("allocateClaimToBranch", claim, branchId="002")
    _same_activity(world, claim, reply)
    assert world.claim_row(claim.application_id).comp_branch_id == "002"
    entry = world.last_journal()
    assert (entry.operation, entry.outcome, entry.guid_before, entry.guid_after) == (
        "allocateClaimToBranch",
        "Ok",
        claim.guid,
        claim.guid,
    )
    reply = world.actor("comp-rta-ch").step("allocateClaimToBranch", claim, branchId="/COMP001/001")
    _same_activity(world, claim, reply)
    assert world.claim_row(claim.application_id).comp_branch_id == "001"
    world.advance("cr-rta-ch", "exitProcess", claim, "ExitProcessByCR", exitReasonCode="5")
    world.advance("comp-rta-tl", "acknowledgeExitProcess", claim, "ExitProcessEnd")
    _refused(
        world.actor("comp-rta-tl").step("allocateClaimToBranch", claim, branchId="002"),
        "PHASE_NOT_ALLOWED",
    )


def test_allocate_and_deallocate_users(world: World, clock: MovableClock) -> None:
    claim = world.submit("ALLOC-USER-1")
    app_id = claim.application_id
    with world.live.components.database.unit_of_work() as uow:
        ensure_user(
            uow,
            world.live.components.auth,
            UserSpec("comp-rta-gone", "COMP001", "Gone", "User", "COMP_RTA_CH"),
            clock.now(),
        )
        gone = uow.users.get("comp-rta-gone")
        assert gone is not None
        gone.enabled = False
        uow.commit()
    ch, tl = world.actor("comp-rta-ch"), world.actor("comp-rta-tl")
    _refused(ch.step("allocateUser", claim, targetUserID="comp-rta-tl"), "PROFILE_NOT_ALLOWED")
    _same_activity(world, claim, ch.step("allocateUser", claim, targetUserID="comp-rta-ch"))
    assert world.claim_row(app_id).comp_allocated_user == "comp-rta-ch"
    for target, key in (
        ("comp-rta-bch", "BUSINESS_RULE"),
        ("comp-rta-gone", "BUSINESS_RULE"),
        ("comp-admin", "BUSINESS_RULE"),
        ("comp-elpl-ch", "BUSINESS_RULE"),
        ("mib-rta-ch", "NOT_FOUND"),
        ("cr-rta-ch", "NOT_FOUND"),
        ("nobody", "NOT_FOUND"),
    ):
        _refused(tl.step("allocateUser", claim, targetUserID=target), key)
    # a branch claim handler only for a claim of their branch
    disp = world.actor("comp-rta-disp")
    _same_activity(world, claim, disp.step("allocateClaimToBranch", claim, branchId="002"))
    _same_activity(world, claim, tl.step("allocateUser", claim, targetUserID="comp-rta-bch"))
    assert world.claim_row(app_id).comp_allocated_user == "comp-rta-bch"
    # allocation is per side; the CR allocates its own handler
    cr = world.actor("cr-rta-ch")
    _same_activity(world, claim, cr.step("allocateUser", claim, targetUserID="cr-rta-ch"))
    _refused(cr.step("allocateUser", claim, targetUserID="comp-rta-ch"), "PROFILE_NOT_ALLOWED")
    row = world.claim_row(app_id)
    assert (row.cr_allocated_user, row.comp_allocated_user) == ("cr-rta-ch", "comp-rta-bch")
    # notices now go to the allocated users only
    world.advance(
        "comp-rta-bch",
        "acceptClaim",
        claim,
        "Article75Decision",
        insurerClaimReferenceNumber="R-5",
        notified=("cr-rta-ch",),
    )
    assert not [u for u, m in world.notifications(app_id) if u == "cr-rta-tl" and "accepted" in m]
    # deallocation: the allocated user or a Team Leader
    _refused(ch.step("deallocateUser", claim), "PROFILE_NOT_ALLOWED")
    _same_activity(world, claim, world.actor("comp-rta-bch").step("deallocateUser", claim))
    _same_activity(world, claim, tl.step("allocateUser", claim, targetUserID="comp-rta-ch"))
    _same_activity(world, claim, tl.step("deallocateUser", claim))
    _same_activity(world, claim, world.actor("cr-rta-tl").step("deallocateUser", claim))
    row = world.claim_row(app_id)
    assert (row.cr_allocated_user, row.comp_allocated_user) == (None, None)
    entries = [
        e for e in world.journal(app_id) if e.operation in ("allocateUser", "deallocateUser")
    ]
    assert entries and all(e.guid_before == e.guid_after for e in entries)


# ----------------------------------------------------------------------------- reassignment
def test_reassign_to_a_linked_compensator(world: World, clock: MovableClock) -> None:
    claim = world.submit("REASSIGN-1")
    app_id = claim.application_id
    before = world.claim_row(app_id)
    disp = world.actor("comp-rta-disp")
    _refused(disp.step("reassignToAnotherCM", claim, organisationPath="/COMP002"), "BUSINESS_RULE")
    _refused(disp.step("reassignToAnotherCM", claim, organisationPath="/COMP001"), "BUSINESS_RULE")
    _refused(disp.step("reassignToAnotherCM", claim, organisationPath="/CR00001"), "BUSINESS_RULE")
    _refused(disp.step("reassignToAnotherCM", claim, organisationPath="/COMP999"), "BUSINESS_RULE")
    _refused(
        world.actor("cr-rta-tl").step("reassignToAnotherCM", claim, organisationPath="/COMP002"),
        "PROFILE_NOT_ALLOWED",
    )
    assert world.last_journal().outcome == "Failure"
    with world.live.components.database.unit_of_work() as uow:
        uow.organisations.link("COMP002", "COMP001")
        uow.commit()
    assert disp.step("allocateUser", claim, targetUserID="comp-rta-disp").code == "Ok"
    _relogin(world, clock, 3 * 3600)
    world.advance(
        "comp-rta-disp",
        "reassignToAnotherCM",
        claim,
        "ClaimSubmitted",
        notified=("mib-rta-ch", "mib-rta-tl"),
        text=f"New claim {app_id} received from Demo Claimant Solicitors LLP",
        organisationPath="/COMP002/001",
    )
    after = world.claim_row(app_id)
    assert (after.comp_org_id, after.comp_branch_id, after.insurer_type) == ("COMP002", "001", "M")
    assert after.comp_allocated_user is None
    assert after.sent_date == before.sent_date
    assert after.liability_deadline == before.liability_deadline
    assert after.liability_rule == before.liability_rule
    assert after.deadline_date == before.deadline_date
    assert after.dispatched_at > before.dispatched_at
    # the old compensator loses sight; the new one sees and can accept (MIB: no Article 75)
    lost = world.actor("comp-rta-tl").call("getClaimsStatus", applicationId=app_id)
    _refused(lost, "CLAIM_NOT_FOUND")
    _refused(
        world.actor("comp-rta-ch").step("acceptClaim", claim, insurerClaimReferenceNumber="R-6"),
        "CLAIM_NOT_FOUND",
    )
    seen = world.actor("mib-rta-ch").call("getClaimsStatus", applicationId=app_id)
    assert seen.claimInfo.activityEngineGuid == claim.guid
    world.advance(
        "mib-rta-ch",
        "acceptClaim",
        claim,
        "LiabilityDecision",
        insurerClaimReferenceNumber="MIB-1",
        notified=("cr-rta-ch",),
    )
    _refused(
        world.actor("mib-rta-tl").step("reassignToAnotherCM", claim, organisationPath="/COMP001"),
        "PHASE_NOT_ALLOWED",
    )
