"""Which claims a caller can see, and who on a side receives a claim's notifications
(security.md sections 3.3-3.4, lifecycle.md section 6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.domain.profiles import has_claims_profile, parse_profiles, role_in
from gateway.domain.services import Service, Side
from gateway.store.models import Claim

if TYPE_CHECKING:
    from gateway.service.gateway import Call
    from gateway.service.unit_of_work import UnitOfWork

PRE_ACCEPTANCE = frozenset({"ClaimSubmitted", "ClaimAcknowledged"})
CENTRAL_POINT = "001"
#: Archived claims (security.md 6.2) are seen only by users who also hold this profile.
ARCHIVE_SEARCH = "ARCHIVE_SEARCH"


def compensator_scope(role: str | None, branch_id: str | None, claim: Claim) -> bool:
    """Does a compensator user of ``role`` (TL, CH, DISP, BCH) reach ``claim``?"""
    if role in ("TL", "CH"):
        return True
    if role == "DISP":
        return claim.phase in PRE_ACCEPTANCE or claim.comp_branch_id == CENTRAL_POINT
    if role == "BCH":
        return claim.comp_branch_id == branch_id
    return False


def can_see(call: Call[Any], claim: Claim) -> bool:
    who = call.who
    if claim.service != call.service.value:
        return False
    if claim.archived_at is not None and ARCHIVE_SEARCH not in who.profiles:
        return False
    if who.side is Side.CR:
        return claim.cr_org_id == who.organisation_id
    if claim.comp_org_id != who.organisation_id:
        return False
    return compensator_scope(role_in(who.profiles, call.service), who.branch_id, claim)


def _reaches(profiles_text: str, branch_id: str | None, claim: Claim, side: Side) -> bool:
    service = Service(claim.service)
    profiles = parse_profiles(profiles_text)
    if not has_claims_profile(profiles, side, service):
        return False
    if side is Side.CR:
        return True
    return compensator_scope(role_in(profiles, service), branch_id, claim)


def recipients(uow: UnitOfWork, claim: Claim, side: Side) -> list[str]:
    """The allocated user of that side, or every user of that side who can see the claim."""
    allocated = claim.cr_allocated_user if side is Side.CR else claim.comp_allocated_user
    if allocated:
        return [allocated]
    org_id = claim.cr_org_id if side is Side.CR else claim.comp_org_id
    return [
        user_id
        for user_id, profiles, branch_id in uow.users.reachable_of(org_id)
        if _reaches(profiles, branch_id, claim, side)
    ]
