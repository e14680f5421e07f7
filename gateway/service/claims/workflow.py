"""The one processing path of every workflow operation (operations.md section 5).

load the claim under a row lock -> visibility -> side lock -> activityEngineGuid -> phase and side
(the lifecycle table) -> [pack validation, business rules: the handler] -> enter the new phase:
new GUID, deadlines re-armed, locks released, notifications -> journal facts. The caller's unit of
work commits once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any, Final

from gateway.domain import notifications as notices
from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import DEADLINES, Deadline, london_date, warning_dates
from gateway.domain.lifecycle import GDPR_DELETE, LIFECYCLES, Lifecycle, Transition
from gateway.domain.phase_deadlines import (
    Action,
    EntryDecision,
    EntryFacts,
    Start,
    deadline_for_entry,
)
from gateway.domain.services import Service, Side
from gateway.errors import ClaimLocked, ClaimNotFound, GuidStale, InputInvalid, PhaseNotAllowed
from gateway.service import messages
from gateway.service.claims.visibility import can_see, recipients
from gateway.service.gateway import Call, required
from gateway.store.claim_queries import ListRow
from gateway.store.models import Claim

LOCK_MINUTES = 60


@dataclass(frozen=True)
class ClaimsEnvironment:
    """What claim handlers need beyond the unit of work: schemas and the business calendar."""

    registry: Any  # gateway.validation.registry.ReleaseRegistry
    calendar: Any  # callable (uow) -> BusinessCalendar


def lifecycle(service: Service) -> Lifecycle:
    return LIFECYCLES[service]


def normalise_application_id(raw: object, field: str = "application_id") -> str:
    text = str(raw or "").strip()
    if not text.isdigit() or len(text) > 16:
        raise InputInvalid(f"{field} '{text[:20]}' is not up to 16 digits", field=field)
    return text.zfill(16)


def claim_info(claim: Claim | ListRow) -> messages.ClaimInfo:
    phase = lifecycle(Service(claim.service)).phase(claim.phase)
    return messages.ClaimInfo(
        activity_engine_guid=claim.guid,
        application_id=claim.application_id,
        phase_cache_id=phase.id,
        phase_cache_name=phase.name,
    )


def new_guid() -> str:
    return str(uuid.uuid4()).upper()


# ----------------------------------------------------------------------------- loading, checks
def load_for_update(call: Call[Any], application_id: str | None) -> Claim:
    """The claim, row-locked, if the caller may see it; ``CLAIM_NOT_FOUND`` otherwise."""
    return load(call, application_id, for_update=True)


def load(call: Call[Any], application_id: str | None, *, for_update: bool = False) -> Claim:
    """The claim named by the request's ``applicationId`` if the caller may see it;
    ``CLAIM_NOT_FOUND`` alike for missing and invisible claims (security.md 4). Records it for
    the journal."""
    app_id = normalise_application_id(required(application_id, "application_id"))
    claims = call.uow.claims
    claim = claims.get_for_update(app_id) if for_update else claims.get(app_id)
    if claim is None or claim.service != call.service.value or not can_see(call, claim):
        raise ClaimNotFound(app_id)
    return record(call, claim)


def record(call: Call[Any], claim: Claim) -> Claim:
    """Names ``claim`` (already found and checked visible) in the request's journal entry."""
    call.facts.application_id = claim.application_id
    call.facts.phase_before = call.facts.phase_after = claim.phase
    call.facts.guid_before = call.facts.guid_after = claim.guid
    return claim


def claim_data(data: messages.ClaimData | None) -> tuple[str, str]:
    """The (applicationId, activityEngineGuid) a workflow step names in its ``claimData``."""
    data = required(data, "claim_data")
    app_id = required(data.application_id, "claim_data.application_id").strip()
    guid = required(data.activity_engine_guid, "claim_data.activity_engine_guid").strip()
    return app_id, guid


def check_lock(call: Call[Any], claim: Claim) -> None:
    """Another user of the caller's side holding the lock refuses the request (security.md 5)."""
    from gateway.service.claims.locking import live_holder, set_lock

    holder = live_holder(call, claim, call.who.side)
    if holder and holder != call.who.as_user_id:
        raise ClaimLocked(holder, user=holder)
    if holder:  # an operation by the holder keeps the lock alive (security.md 5)
        set_lock(claim, call.who.side, holder, call.now)


def check_guid(claim: Claim, guid: str) -> None:
    if guid.upper() != claim.guid:
        raise GuidStale(
            f"current activity of {claim.application_id} differs", claim=claim_info(claim)
        )


def begin(call: Call[Any], data: messages.ClaimData | None) -> Claim:
    """Load the claim that ``claimData`` names for a workflow step: visibility, lock, GUID."""
    app_id, guid = claim_data(data)
    claim = load_for_update(call, app_id)
    check_lock(call, claim)
    check_guid(claim, guid)
    return claim


def resolve(call: Call[Any], claim: Claim, facts: Mapping[str, object] | None = None) -> Transition:
    """The lifecycle table's transition for this step; a refusal says where the claim stands."""
    try:
        return lifecycle(call.service).resolve(
            claim.phase, call.operation, call.who.side, facts or {}
        )
    except PhaseNotAllowed as exc:
        raise with_claim(exc, claim) from None


def with_claim(refusal: PhaseNotAllowed, claim: Claim) -> PhaseNotAllowed:
    """The same refusal, telling the caller where the claim stands (its ``claimInfo``)."""
    return PhaseNotAllowed(
        refusal.specifics, message=refusal.message, claim=claim_info(claim), **refusal.context
    )


def require_allowed(call: Call[Any], claim: Claim) -> None:
    """Phase and side allow the operation (before a pack is parsed: the processing order)."""
    if not lifecycle(call.service).allows(claim.phase, call.operation, call.who.side):
        phase = lifecycle(call.service).phase(claim.phase)
        raise PhaseNotAllowed(
            f"{call.operation} in {phase.id}",
            message=f"Operation not allowed in phase {phase.name}",
            claim=claim_info(claim),
        )


# ------------------------------------------------------------------------------- transitions
def enter(
    call: Call[Any],
    claim: Claim,
    transition: Transition,
    calendar: BusinessCalendar,
    *,
    actor_side: Side | None = None,
    notice: tuple[Side, str] | None = None,
    dates: Mapping[Start, date] | None = None,
) -> None:
    """Move ``claim`` along ``transition``: new GUID, deadlines, locks, notifications.

    ``notice`` is an event-specific message (lifecycle.md 6) that replaces the generic
    phase-change message to that side. ``dates`` are earlier events a deadline of the new phase
    counts from, beyond those the claim keeps (see ``entry_decision``).
    """
    service = Service(claim.service)
    lc = lifecycle(service)
    source = claim.phase
    target = lc.phase(transition.target)
    claim.phase = target.id
    call.facts.transition = transition.rule
    if transition.renews_guid:
        claim.guid = new_guid()
    claim.updated_at = call.now
    if target.end:
        claim.ended = True
        claim.end_date = london_date(call.now)
    rearm(call, claim, source, calendar, dates)
    _release_locks(claim, target.worklist, target.end)
    call.facts.phase_after, call.facts.guid_after = claim.phase, claim.guid
    side = actor_side or (call.caller.side if call.caller else Side.SYSTEM)
    if notice is not None:
        notify(call, claim, notice[0], notice[1])
    if target.end:
        ended = (
            notices.claim_deleted(claim.application_id)  # GDPR_DELETE: the deletion message only
            if transition.trigger == GDPR_DELETE
            else notices.claim_ended(claim.application_id, target)
        )
        for receiver in (Side.CR, Side.COMP):
            notify(call, claim, receiver, ended.text)
    elif (
        target.worklist is not None
        and (target.worklist != side or side is Side.SYSTEM)
        and (notice is None or notice[0] != target.worklist)
    ):
        notify(
            call, claim, target.worklist, notices.phase_changed(claim.application_id, target).text
        )


def rearm(
    call: Call[Any],
    claim: Claim,
    source: str,
    calendar: BusinessCalendar,
    dates: Mapping[Start, date] | None = None,
) -> None:
    """Do what the phase-deadline table says on entering the claim's (new) phase."""
    decision = entry_decision(claim, calendar, source, dates)
    if decision.offer_late is not None:  # the entry was an offer (5.4): is it late?
        claim.offer_late = decision.offer_late
    apply_decision(call, claim, decision, calendar)


def apply_decision(
    call: Call[Any],
    claim: Claim,
    decision: EntryDecision,
    calendar: BusinessCalendar,
    *,
    new: bool = False,
) -> None:
    """Arm, keep or cancel the claim's deadline as ``decision`` says; an information-only
    deadline with a "time limit reached" notice (D1) gets that notice's timer alone."""
    if decision.action is Action.KEEP:
        # The deadline runs on; its pending timers now belong to the new activity.
        call.uow.claims.retag_timers(claim.id, claim.guid)
    else:
        arm(call, claim, decision.deadline, calendar, new=new)
    for information in decision.information:
        if DEADLINES[information.rule].time_limit_reached:
            call.uow.claims.add_timer(
                claim_id=claim.id,
                kind="LIMIT",
                rule=information.rule,
                fire_at=information.timeout_at.astimezone(UTC),
                guid=claim.guid,
            )


#: Claim columns that keep a deadline after it stops running (the Data document's
#: PreCalculatedTimeouts): rule -> (rule column or None, date column). Other information-only
#: deadlines (D1, D15) have no column yet; the table still computes them.
_KEPT: Final[Mapping[str, tuple[str | None, str]]] = {
    "D2": ("liability_rule", "liability_deadline"),
    "D3": ("liability_rule", "liability_deadline"),
    "D4": (None, "stage1_costs_deadline"),
    "D14": (None, "payment_deadline"),
}

#: Events a deadline may count from that the claim row keeps: Start -> claim column.
_EVENT_COLUMNS: Final[Mapping[Start, str]] = {
    Start.CNF_SENT: "sent_date",
    Start.ACKNOWLEDGED: "acknowledged_date",
    Start.ISP_SENT: "isp_sent_date",
    Start.PARTIAL_ACCEPTANCE: "partial_decision_date",
    Start.S2SP_SENT: "s2sp_sent_date",
}


def entry_decision(
    claim: Claim,
    calendar: BusinessCalendar,
    source: str,
    dates: Mapping[Start, date] | None = None,
) -> EntryDecision:
    """Ask the phase-deadline table about the claim entering its current phase from ``source``,
    and keep the dates the claim records. The claim supplies its own facts and the CNF sent date;
    ``claim.updated_at`` is the instant of the transition (``enter`` and ``addClaim`` set it)."""
    running = None
    if claim.deadline_rule and claim.deadline_date:
        running = Deadline(claim.deadline_rule, claim.deadline_date)
    facts = EntryFacts(
        service=Service(claim.service),
        phase=claim.phase,
        source=source,
        entered_on=london_date(claim.updated_at),
        claim_type=claim.claim_type,
        insurer_type=claim.insurer_type,
        article75=claim.article75,
        interim_value=claim.interim_value,
        running=running,
        dates={**_claim_events(claim), **(dates or {})},
    )
    decision = deadline_for_entry(facts, calendar)
    armed = (decision.deadline,) if decision.action is Action.ARM else ()
    for deadline in (*armed, *decision.information):
        if deadline is not None and deadline.rule in _KEPT:
            rule_column, date_column = _KEPT[deadline.rule]
            if rule_column:
                setattr(claim, rule_column, deadline.rule)
            setattr(claim, date_column, deadline.due)
    return decision


def _claim_events(claim: Claim) -> dict[Start, date]:
    events = {start: getattr(claim, column) for start, column in _EVENT_COLUMNS.items()}
    return {start: day for start, day in events.items() if day is not None}


def arm(
    call: Call[Any],
    claim: Claim,
    deadline: Deadline | None,
    calendar: BusinessCalendar,
    *,
    new: bool = False,
) -> None:
    """Replace the claim's pending timers with those of ``deadline`` (None: no timer)."""
    if not new:  # a claim just created has no timers to cancel
        call.uow.claims.cancel_timers(claim.id)
    if deadline is None:
        claim.deadline_rule = claim.deadline_date = claim.timeout_at = None
        return
    # Instants are stored in UTC: SQLite keeps no zone, and a London wall-clock time read back
    # as UTC would fire an hour late in summer.
    timeout_at = deadline.timeout_at.astimezone(UTC)
    claim.deadline_rule, claim.deadline_date = deadline.rule, deadline.due
    claim.timeout_at = timeout_at
    call.uow.claims.add_timer(
        claim_id=claim.id, kind="TIMEOUT", rule=deadline.rule, fire_at=timeout_at, guid=claim.guid
    )
    today = london_date(call.now)
    for warning in warning_dates(calendar, deadline.due, DEADLINES[deadline.rule], today):
        kind = "WARN" if warning.days_left else "LIMIT"
        call.uow.claims.add_timer(
            claim_id=claim.id,
            kind=kind,
            rule=deadline.rule,
            days_left=warning.days_left,
            fire_at=warning.at.astimezone(UTC),
            guid=claim.guid,
        )


def _release_locks(claim: Claim, worklist: Side | None, ended: bool) -> None:
    """A lock ends when the claim moves into the other side's worklist or an end phase."""
    if ended or worklist is not Side.CR:
        claim.cr_lock_user = claim.cr_lock_at = None
    if ended or worklist is not Side.COMP:
        claim.comp_lock_user = claim.comp_lock_at = None


# ------------------------------------------------------------------------------ notifications
def notify(
    call: Call[Any], claim: Claim, side: Side, message: str, *, machine: bool = True
) -> None:
    for user_id in recipients(call.uow, claim, side):
        call.uow.claims.add_notification(
            guid=new_guid(),
            user_id=user_id,
            application_id=claim.application_id,
            created_at=call.now,
            message=message[:500],
            machine=machine,
        )


def today(call: Call[Any]) -> date:
    return london_date(call.now)
