"""Notification messages (lifecycle.md section 6) as pure functions, with their receiving sides.

Each function returns a ``Notice``: the text of the template and the side(s) that receive it. Who
on a side receives it (the allocated user, or every user of the side who can see the claim) is
decided by the service layer, which also stores and purges notifications. ``a2a`` marks the
machine-relevant notices returned by ``getNotificationsList(A2ANotification=true)`` (operations.md
4.3: phase changes, deadline warnings, time limit reached, transfers).

``transition_notices`` applies the replacement rule: a specific message for a transition (CNF
received, acceptance, rejection, exit) replaces the generic "moved to" message for the side that
receives it; a transition into an end phase tells both sides it ended; ``GDPR_DELETE`` sends only
the deletion message. Deadline warnings and "time limit reached" come from the deadline schedule
(``deadlines.warning_dates``), not from the TIMEOUT transition.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain.lifecycle import GDPR_DELETE, Lifecycle, Phase, Transition
from gateway.domain.services import Side

BOTH_SIDES = frozenset({Side.CR, Side.COMP})
SIDE_NAMES = {Side.CR: "Claimant Representative", Side.COMP: "Compensator"}

PHASE_CHANGED = "phase_changed"
CLAIM_RECEIVED = "claim_received"
CLAIM_ACCEPTED = "claim_accepted"
CLAIM_REJECTED = "claim_rejected"
PROCESS_EXITED = "process_exited"
CLAIM_ENDED = "claim_ended"
DEADLINE_WARNING = "deadline_warning"
TIME_LIMIT_REACHED = "time_limit_reached"
ATTACHMENT_ADDED = "attachment_added"
CLAIM_TRANSFERRED = "claim_transferred"
CLAIM_DELETED = "claim_deleted"

#: Operations whose transition means "a compensator received a CNF".
CNF_RECEIVED_BY = frozenset({"addClaim", "resendRejectedClaim", "reassignToAnotherCM"})


@dataclass(frozen=True)
class Notice:
    """One message for one or both sides of a claim."""

    kind: str
    recipients: frozenset[Side]
    text: str
    application_id: str
    a2a: bool = True


def phase_changed(application_id: str, phase: Phase) -> Notice:
    """Any transition into a non-end phase: the side in the new phase's Worklist column."""
    if phase.worklist is None:
        raise ValueError(f"{phase.id} is an end phase; use claim_ended")
    text = f"Claim {application_id} moved to {phase.name}"
    return Notice(PHASE_CHANGED, frozenset({phase.worklist}), text, application_id)


def claim_received(application_id: str, cr_organisation: str) -> Notice:
    """``addClaim``, ``resendRejectedClaim`` or a reassignment: the compensator."""
    text = f"New claim {application_id} received from {cr_organisation}"
    return Notice(CLAIM_RECEIVED, frozenset({Side.COMP}), text, application_id)


def claim_accepted(application_id: str) -> Notice:
    text = f"Claim {application_id} accepted by Compensator"
    return Notice(CLAIM_ACCEPTED, frozenset({Side.CR}), text, application_id)


def claim_rejected(application_id: str, reason_label: str) -> Notice:
    text = f"Claim {application_id} rejected by Compensator: {reason_label}"
    return Notice(CLAIM_REJECTED, frozenset({Side.CR}), text, application_id)


def process_exited(application_id: str, by: Side, reason_label: str) -> Notice:
    """Exit by one side: the other side."""
    text = f"Claim {application_id}: exit process by {SIDE_NAMES[by]}: {reason_label}"
    return Notice(PROCESS_EXITED, frozenset({by.other}), text, application_id)


def claim_ended(application_id: str, phase: Phase) -> Notice:
    """Transition into an end phase: both sides."""
    text = f"Claim {application_id} ended: {phase.name}"
    return Notice(CLAIM_ENDED, BOTH_SIDES, text, application_id)


def deadline_warning(application_id: str, step: str, days_left: int, side: Side) -> Notice:
    """Deadline warning ("N days left"): the side that must act (the current Worklist side)."""
    text = f"Claim {application_id}: {step} – {days_left} days left"
    return Notice(DEADLINE_WARNING, frozenset({side}), text, application_id)


def time_limit_reached(
    application_id: str, step: str, recipients: frozenset[Side] = BOTH_SIDES
) -> Notice:
    """Time limit reached: both sides (D1 goes to the compensator only, lifecycle.md 5.3)."""
    text = f"Claim {application_id}: {step} time limit reached"
    return Notice(TIME_LIMIT_REACHED, recipients, text, application_id)


def attachment_added(application_id: str, title: str, by: Side) -> Notice:
    """Attachment added: the other side."""
    text = f"Claim {application_id}: new attachment {title}"
    return Notice(ATTACHMENT_ADDED, frozenset({by.other}), text, application_id, a2a=False)


def claim_transferred(application_id: str, organisation: str) -> Notice:
    text = f"Claim {application_id} transferred to {organisation}"
    return Notice(CLAIM_TRANSFERRED, BOTH_SIDES, text, application_id)


def claim_deleted(application_id: str) -> Notice:
    text = f"Claim {application_id} deleted"
    return Notice(CLAIM_DELETED, BOTH_SIDES, text, application_id)


def transition_notices(
    lifecycle: Lifecycle,
    transition: Transition,
    application_id: str,
    *,
    cr_organisation: str = "",
    rejection_reason: str = "",
    exit_reason: str = "",
) -> list[Notice]:
    """The notices of one applied transition, the specific ones replacing the generic one.

    ``cr_organisation`` is needed for CNF-received transitions, ``rejection_reason`` (the C30
    label) for ``rejectClaimToCR`` and ``exit_reason`` (the C24/C25 label) for ``exitProcess``.
    """
    if transition.trigger == GDPR_DELETE:
        return [claim_deleted(application_id)]
    target = lifecycle.phase(transition.target)
    notices = _specific(transition, application_id, cr_organisation, rejection_reason, exit_reason)
    if target.end:
        notices.append(claim_ended(application_id, target))
    elif not any(target.worklist in notice.recipients for notice in notices):
        notices.append(phase_changed(application_id, target))
    return notices


def _specific(
    transition: Transition,
    application_id: str,
    cr_organisation: str,
    rejection_reason: str,
    exit_reason: str,
) -> list[Notice]:
    trigger = transition.trigger
    if trigger in CNF_RECEIVED_BY:
        return [claim_received(application_id, cr_organisation)]
    if trigger == "acceptClaim":
        return [claim_accepted(application_id)]
    if trigger == "rejectClaimToCR":
        return [claim_rejected(application_id, rejection_reason)]
    if trigger == "exitProcess":
        (by,) = transition.callers
        return [process_exited(application_id, by, exit_reason)]
    return []
