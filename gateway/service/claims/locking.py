"""Side locks, user allocation and the phase-independent checks of claim operations
(security.md sections 3.4 and 5, lifecycle.md section 4).

A claim has one lock and one allocated user per side. A lock is *live* while it is younger than
``LOCK_MINUTES`` (renewed by each operation of its holder) and its holder is an enabled user; an
expired or orphaned lock blocks nobody. ``workflow.check_lock`` asks ``live_holder``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from gateway.domain.lifecycle import LIFECYCLES
from gateway.domain.profiles import role_in
from gateway.domain.services import Side
from gateway.errors import PhaseNotAllowed, ProfileNotAllowed
from gateway.service.claims.workflow import LOCK_MINUTES, new_guid, with_claim
from gateway.service.clock import as_utc
from gateway.service.gateway import Call
from gateway.store.models import Claim


def lock_of(claim: Claim, side: Side) -> tuple[str | None, datetime | None]:
    if side is Side.CR:
        return claim.cr_lock_user, claim.cr_lock_at
    return claim.comp_lock_user, claim.comp_lock_at


def live_holder(call: Call[Any], claim: Claim, side: Side) -> str | None:
    """The user holding ``side``'s lock now, or None (no lock, expired, holder disabled)."""
    holder, at = lock_of(claim, side)
    if not holder or at is None:
        return None
    if call.now - as_utc(at) >= timedelta(minutes=LOCK_MINUTES):
        return None
    user = call.uow.users.get(holder)
    if user is None or not user.enabled:
        return None
    return holder


def set_lock(claim: Claim, side: Side, user_id: str | None, at: datetime | None) -> None:
    if side is Side.CR:
        claim.cr_lock_user, claim.cr_lock_at = user_id, at
    else:
        claim.comp_lock_user, claim.comp_lock_at = user_id, at


def allocated_user(claim: Claim, side: Side) -> str | None:
    return claim.cr_allocated_user if side is Side.CR else claim.comp_allocated_user


def set_allocated(claim: Claim, side: Side, user_id: str | None) -> None:
    if side is Side.CR:
        claim.cr_allocated_user = user_id
    else:
        claim.comp_allocated_user = user_id


def role(call: Call[Any]) -> str | None:
    """The caller's widest claims role for the service called: TL, CH, DISP or BCH."""
    return role_in(call.who.profiles, call.service)


def require_role(call: Call[Any], *roles: str) -> None:
    if role(call) not in roles:
        raise ProfileNotAllowed(f"{call.operation} needs one of the roles {', '.join(roles)}")


def check_independent(call: Call[Any], claim: Claim) -> None:
    """The lifecycle's constraints on a phase-independent operation (end phases, side)."""
    try:
        LIFECYCLES[call.service].check_independent(call.operation, claim.phase, call.who.side)
    except PhaseNotAllowed as exc:
        raise with_claim(exc, claim) from None


def notify_user(call: Call[Any], claim: Claim, user_id: str, message: str) -> None:
    """A personal, non-A2A notice (a forced unlock) to one user."""
    call.uow.claims.add_notification(
        guid=new_guid(),
        user_id=user_id,
        application_id=claim.application_id,
        created_at=call.now,
        message=message[:500],
        machine=False,
    )
