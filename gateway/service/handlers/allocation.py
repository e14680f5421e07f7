"""Locks and allocation: lockClaim, unlockClaim, forceUnlockClaim, allocateClaimToBranch,
allocateUser, deallocateUser, and reassignToAnotherCM (security.md 3.4 and 5, operations.md 4.5).

All but ``reassignToAnotherCM`` are phase-independent: the lifecycle's ``check_independent``
decides where they may run, and neither the phase nor the ``activityEngineGuid`` changes.
``reassignToAnotherCM`` is a transition of the lifecycle table (back to ``ClaimSubmitted`` at the
target compensator, with a new GUID).
"""

from __future__ import annotations

from typing import Any

from gateway.domain import notifications as notices
from gateway.domain.profiles import has_claims_profile, parse_profiles, role_in
from gateway.domain.services import Service, Side
from gateway.errors import (
    BusinessRuleViolation,
    InputInvalid,
    NotFound,
    NotLockOwner,
    Violation,
)
from gateway.service import messages as m
from gateway.service.claims import locking
from gateway.service.claims import workflow as wf
from gateway.service.claims.visibility import CENTRAL_POINT, compensator_scope
from gateway.service.gateway import Call, OperationSpec, required
from gateway.store.models import Claim, Organisation, User
from gateway.store.operator_queries import add_transfer

#: Roles that may move a claim between the branches of their organisation (operations.md 4.5).
BRANCH_ALLOCATORS = ("TL", "CH", "DISP")


def _step(call: Call[Any], data: m.ClaimData | None) -> Claim:
    """``claimData``'s claim for a phase-independent step: visible, unlocked, GUID current."""
    claim = wf.begin(call, data)
    locking.check_independent(call, claim)
    return claim


def _by_application_id(call: Call[Any], application_id: str | None) -> Claim:
    claim = wf.load_for_update(call, application_id)
    locking.check_independent(call, claim)
    return claim


def _answer(claim: Claim, message: str) -> m.ClaimInfoResponse:
    return m.ClaimInfoResponse(message=message, claim_info=wf.claim_info(claim))


# ----------------------------------------------------------------------------------- locking
def lock_claim(call: Call[m.LockClaim]) -> m.Response:
    claim = _step(call, call.request.claim_data)  # refuses another holder of the caller's side
    locking.set_lock(claim, call.who.side, call.who.as_user_id, call.now)
    return m.Response(message="Claim locked")


def unlock_claim(call: Call[m.UnlockClaim]) -> m.Response:
    claim = _by_application_id(call, call.request.application_id)
    holder, _ = locking.lock_of(claim, call.who.side)
    if holder != call.who.as_user_id:
        raise NotLockOwner(claim.application_id)
    locking.set_lock(claim, call.who.side, None, None)
    return m.Response(message="Claim unlocked")


def force_unlock_claim(call: Call[m.ForceUnlockClaim]) -> m.Response:
    locking.require_role(call, "TL")
    claim = _by_application_id(call, call.request.application_id)
    side = call.who.side
    holder = locking.live_holder(call, claim, side)
    locking.set_lock(claim, side, None, None)
    if holder is None:
        return m.Response(message="Claim was not locked")
    if holder != call.who.as_user_id:
        locking.notify_user(
            call,
            claim,
            holder,
            f"Claim {claim.application_id}: your lock was released by {call.who.as_user_id}",
        )
    return m.Response(message=f"Lock of {holder} released")


# -------------------------------------------------------------------------------- allocation
def _branch_id(call: Call[Any], raw: str) -> str:
    """``002`` or ``/COMP001/002``: a branch of the caller's organisation."""
    parts = [p for p in raw.strip().split("/") if p]
    if len(parts) == 2:
        if parts[0] != call.who.organisation_id:
            raise BusinessRuleViolation(
                [
                    Violation(
                        "branchId", "the branch must belong to your organisation", rule="ALLOC-01"
                    )
                ]
            )
        parts = parts[1:]
    if len(parts) != 1 or len(parts[0]) != 3 or not parts[0].isdigit():
        raise InputInvalid("branch_id: expected 002 or /COMP001/002", field="branch_id")
    if call.uow.organisations.branch(call.who.organisation_id, parts[0]) is None:
        raise NotFound(f"branch {parts[0]}")
    return parts[0]


def allocate_claim_to_branch(call: Call[m.AllocateClaimToBranch]) -> m.ClaimInfoResponse:
    locking.require_role(call, *BRANCH_ALLOCATORS)
    raw = required(call.request.branch_id, "branch_id")
    claim = _step(call, call.request.claim_data)
    claim.comp_branch_id = _branch_id(call, raw)
    claim.updated_at = call.now
    allocated = claim.comp_allocated_user and call.uow.users.get(claim.comp_allocated_user)
    if allocated and not _reaches(allocated, claim, Side.COMP, call.service):
        claim.comp_allocated_user = None  # the allocated user no longer reaches the claim
    return _answer(claim, f"Claim allocated to branch {claim.comp_branch_id}")


def _reaches(user: User, claim: Claim, side: Side, service: Service) -> bool:
    profiles = parse_profiles(user.profiles)
    if not user.enabled or not has_claims_profile(profiles, side, service):
        return False
    return side is Side.CR or compensator_scope(role_in(profiles, service), user.branch_id, claim)


def _target_user(call: Call[m.AllocateUser], claim: Claim) -> User:
    target_id = required(call.request.target_user_id, "target_user_id").strip()
    target = call.uow.users.get(target_id)
    if target is None or target.organisation_id != call.who.organisation_id:
        raise NotFound(f"user {target_id[:50]}")
    if not _reaches(target, claim, call.who.side, call.service):
        raise BusinessRuleViolation(
            [
                Violation(
                    "targetUserID",
                    "the user must be enabled, hold a claims profile for the service "
                    "and (branch claim handlers) belong to the claim's branch",
                    rule="ALLOC-02",
                )
            ]
        )
    return target


def allocate_user(call: Call[m.AllocateUser]) -> m.ClaimInfoResponse:
    target_id = required(call.request.target_user_id, "target_user_id").strip()
    if target_id != call.who.as_user_id:
        locking.require_role(call, "TL")  # allocating to someone else (security.md 3.4)
    claim = _step(call, call.request.claim_data)
    target = _target_user(call, claim)
    locking.set_allocated(claim, call.who.side, target.user_id)
    claim.updated_at = call.now
    return _answer(claim, f"Claim allocated to {target.user_id}")


def deallocate_user(call: Call[m.DeallocateUser]) -> m.ClaimInfoResponse:
    claim = _step(call, call.request.claim_data)
    side = call.who.side
    current = locking.allocated_user(claim, side)
    if current is None:
        return _answer(claim, "Claim was not allocated")
    if current != call.who.as_user_id:
        locking.require_role(call, "TL")
    locking.set_allocated(claim, side, None)
    claim.updated_at = call.now
    return _answer(claim, f"Claim no longer allocated to {current}")


# ------------------------------------------------------------------------------ reassignment
def _reassignment_target(call: Call[m.ReassignToAnotherCM], claim: Claim) -> Organisation:
    path = required(call.request.organisation_path, "organisation_path").strip().strip("/")
    org_id = path.split("/")[0]
    target = call.uow.organisations.get(org_id)
    enabled = target is not None and getattr(target, call.service.enabled_flag)
    if target is None or target.kind != "COMP" or not target.active or not enabled:
        problem = "is not an active compensator for this service"
    elif target.organisation_id == claim.comp_org_id:
        problem = "is the claim's current compensator"
    elif not call.uow.organisations.linked(call.who.organisation_id, target.organisation_id):
        problem = "is not linked to your organisation (same group or TPA)"
    else:
        return target
    raise BusinessRuleViolation(
        [Violation("organisationPath", f"{org_id[:20]} {problem}", rule="REASSIGN-01")]
    )


def _record_transfer(call: Call[m.ReassignToAnotherCM], claim: Claim, target: Organisation) -> None:
    """The reassignment's row of the Data document's TransfersList (payloads.md 7)."""
    source = call.uow.organisations.get(claim.comp_org_id)
    description = (
        f"Reassigned from {claim.comp_org_id} ({source.name if source else ''}) "
        f"to {target.organisation_id} ({target.name})"
    )
    add_transfer(
        call.uow.session,
        claim_id=claim.id,
        transfer_id=wf.new_guid(),
        side=Side.COMP.value,
        from_organisation_id=claim.comp_org_id,
        to_organisation_id=target.organisation_id,
        description=description[:200],
        at=call.now,
        actor=call.who.as_user_id,
    )


def reassign_to_another_cm(call: Call[m.ReassignToAnotherCM]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    transition = wf.resolve(call, claim)
    target = _reassignment_target(call, claim)
    _record_transfer(call, claim, target)
    claim.comp_org_id, claim.comp_branch_id = target.organisation_id, CENTRAL_POINT
    claim.insurer_type = target.compensator_type or claim.insurer_type
    claim.dispatched_at = call.now
    claim.accepting_branch_id = None
    claim.comp_allocated_user = None
    locking.set_lock(claim, Side.COMP, None, None)
    # The sent date and the liability deadline are kept (lifecycle.md 5.4): the phase-deadline
    # table continues the running liability deadline on reassignment.
    cr_org = call.uow.organisations.get(claim.cr_org_id)
    wf.enter(
        call,
        claim,
        transition,
        call.env.calendar(call.uow),
        notice=(
            Side.COMP,
            notices.claim_received(claim.application_id, cr_org.name if cr_org else "").text,
        ),
    )
    return _answer(claim, f"Claim reassigned to {target.organisation_id}")


OPERATIONS: dict[str, OperationSpec] = {
    "lockClaim": OperationSpec(lock_claim),
    "unlockClaim": OperationSpec(unlock_claim),
    "forceUnlockClaim": OperationSpec(force_unlock_claim),
    "allocateClaimToBranch": OperationSpec(allocate_claim_to_branch, side=Side.COMP),
    "allocateUser": OperationSpec(allocate_user),
    "deallocateUser": OperationSpec(deallocate_user),
    "reassignToAnotherCM": OperationSpec(reassign_to_another_cm, side=Side.COMP),
}
