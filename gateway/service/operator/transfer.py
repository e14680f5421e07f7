"""Bulk transfer (security.md 6.5): an organisation's claims move to another organisation of the
same type, at the organisations' request (a merger, a change of insurer or of solicitors).

The platform operator names the claims (a list) or takes every active claim of the organisation.
For each claim: phase, ``activityEngineGuid`` and deadlines are unchanged; the transferred side's
lock and allocation are cleared (a compensator's claim arrives at the new organisation's Central
Point); a ``claim_transfers`` row records the move (the Data document's ``TransfersList``); both
sides of the claim as it now stands, the counterparty and the receiving organisation, are told
"Claim <applicationId> transferred to <organisation>" (lifecycle.md 6); a journal row names the
operator, both organisations, the transfer id and the reason.

Claims in an end phase (or deleted) are not transferred: they are skipped and reported, as are
claims of neither organisation, claims of a service the receiver does not take part in, and (CR)
claims whose reference an active claim of the receiver already uses (CNF-14 would be broken).
Claims are taken in batches, each one transaction: all or nothing per batch; a failure stops the
run and the batches already committed stay done. Idempotent: a claim already at the receiver is
reported as such, so running the same transfer again finishes what a failed run left.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from gateway.domain import notifications as notices
from gateway.domain.services import Service, Side
from gateway.errors import InputInvalid
from gateway.service.claims import workflow as wf
from gateway.service.claims.visibility import CENTRAL_POINT
from gateway.service.gateway import Call
from gateway.service.operator import Operator, OperatorRefused
from gateway.service.operator.acting import Report, facing, journal_claim, system_call
from gateway.service.unit_of_work import UnitOfWork
from gateway.store import operator_queries as q
from gateway.store.models import Claim, Organisation

if TYPE_CHECKING:
    from gateway.app import Components

OPERATION: Final = "BULK_TRANSFER"
DEFAULT_BATCH: Final = 200

Progress = Callable[[int, int], None]  # (claims looked at so far, claims to look at)


@dataclass(frozen=True)
class TransferOrder:
    """What to transfer: ``application_ids`` (None: every active claim of ``from_org``, of
    ``service`` only if given) from ``from_org`` to ``to_org``, and why."""

    from_org: str
    to_org: str
    reason: str
    application_ids: Sequence[str] | None = None
    service: Service | None = None
    batch_size: int = DEFAULT_BATCH


@dataclass
class TransferReport(Report):
    transfer_id: str = ""
    batches: int = 0
    failed: str | None = None  # why the run stopped (the batches before stay committed)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Parties:
    side: Side
    source: Organisation
    target: Organisation


def transfer(
    components: Components,
    operator: Operator,
    order: TransferOrder,
    progress: Progress | None = None,
) -> TransferReport:
    """Carry out ``order`` (see the module docstring); raises ``OperatorRefused`` before any
    change when the order itself is wrong."""
    if not operator.is_platform:
        raise OperatorRefused("bulk transfers are run by the platform operator")
    reason = " ".join(order.reason.split())
    if not reason:
        raise OperatorRefused("a transfer needs a reason (the organisations' request)")
    if order.batch_size < 1:
        raise OperatorRefused("the batch size must be at least 1")
    wanted = _wanted(order.application_ids)
    with components.database.unit_of_work() as uow:
        parties = _parties(uow, order.from_org, order.to_org)
        total = (
            len(wanted)
            if wanted is not None
            else q.count_active_claims_of(
                uow.session,
                parties.side.value,
                order.from_org,
                order.service.value if order.service else None,
            )
        )
    report = TransferReport(transfer_id=str(uuid.uuid4()).upper())
    seen, after_id = 0, 0
    while True:
        chunk = None if wanted is None else wanted[seen : seen + order.batch_size]
        if chunk is not None and not chunk:
            break
        try:
            looked, after_id = _batch(components, operator, order, reason, report, chunk, after_id)
        except Exception as exc:  # the batch rolled back; what came before stays
            report.failed = f"batch {report.batches + 1} rolled back: {exc}"
            raise TransferFailed(report) from exc
        if looked == 0:
            break
        report.batches += 1
        seen += looked
        if progress is not None:
            progress(min(seen, total), total)
    return report


class TransferFailed(OperatorRefused):
    """A batch failed and rolled back; ``report`` says what the committed batches did."""

    def __init__(self, report: TransferReport) -> None:
        super().__init__(report.failed or "transfer failed")
        self.report = report


def _wanted(application_ids: Sequence[str] | None) -> list[str] | None:
    if application_ids is None:
        return None
    try:
        wanted = list(dict.fromkeys(wf.normalise_application_id(a) for a in application_ids))
    except InputInvalid as exc:
        raise OperatorRefused(str(exc)) from None
    if not wanted:
        raise OperatorRefused("the list of claims is empty")
    return wanted


def _parties(uow: UnitOfWork, from_org: str, to_org: str) -> _Parties:
    source, target = uow.organisations.get(from_org), uow.organisations.get(to_org)
    if source is None or target is None:
        raise OperatorRefused(f"no organisation {from_org if source is None else to_org}")
    if source.organisation_id == target.organisation_id:
        raise OperatorRefused("an organisation cannot transfer claims to itself")
    if source.kind != target.kind:
        raise OperatorRefused(
            f"{from_org} is a {source.kind} organisation and {to_org} a {target.kind} one: "
            "claims move only between organisations of the same type"
        )
    if not target.active:
        raise OperatorRefused(f"{to_org} is not active")
    return _Parties(Side(source.kind), source, target)


def _batch(
    components: Components,
    operator: Operator,
    order: TransferOrder,
    reason: str,
    report: TransferReport,
    chunk: list[str] | None,
    after_id: int,
) -> tuple[int, int]:
    """One transaction. Returns (claims looked at, the last claim id taken)."""
    now = components.clock.now()
    done: list[str] = []
    skipped: list[tuple[str, str]] = []
    with components.database.unit_of_work() as uow:
        parties = _parties(uow, order.from_org, order.to_org)
        if chunk is None:
            claims = q.active_claims_of(
                uow.session,
                parties.side.value,
                order.from_org,
                after_id,
                order.batch_size,
                order.service.value if order.service else None,
            )
            looked = len(claims)
        else:
            claims = q.claims_by_application_id(uow.session, chunk)
            found = {c.application_id for c in claims}
            skipped.extend((a, "no such claim") for a in chunk if a not in found)
            looked = len(chunk)
        call = system_call(components, uow, now)
        for claim in claims:
            why = _refusal(uow, parties, claim)
            if why is not None:
                skipped.append((claim.application_id, why))
                continue
            _move(call, operator, parties, claim, reason, report.transfer_id)
            done.append(claim.application_id)
        uow.commit()
    report.done.extend(done)
    report.skipped.extend(skipped)
    return looked, (claims[-1].id if claims else after_id)


def _refusal(uow: UnitOfWork, parties: _Parties, claim: Claim) -> str | None:
    """Why ``claim`` is not transferred, or None."""
    holder = claim.cr_org_id if parties.side is Side.CR else claim.comp_org_id
    if holder == parties.target.organisation_id:
        return f"already at {holder}"
    if holder != parties.source.organisation_id:
        return f"not a claim of {parties.source.organisation_id}"
    if claim.ended or claim.gdpr_deleted:
        return f"in the end phase {claim.phase}: end-phase claims are not transferred"
    service = Service(claim.service)
    if not getattr(parties.target, service.enabled_flag):
        return f"{parties.target.organisation_id} does not take part in {service.process_name}"
    if parties.side is Side.CR and uow.claims.reference_in_use(
        claim.service, parties.target.organisation_id, claim.cr_reference, claim.id
    ):
        return (
            f"reference {claim.cr_reference!r} is used by an active claim of "
            f"{parties.target.organisation_id}"
        )
    return None


def _move(
    call: Call[None],
    operator: Operator,
    parties: _Parties,
    claim: Claim,
    reason: str,
    transfer_id: str,
) -> None:
    facing(call, claim)
    source, target = parties.source, parties.target
    if parties.side is Side.CR:
        claim.cr_org_id = target.organisation_id
        claim.cr_lock_user = claim.cr_lock_at = None
        claim.cr_allocated_user = None
    else:
        claim.comp_org_id = target.organisation_id
        claim.comp_branch_id = CENTRAL_POINT  # the receiver's branches are its own
        claim.accepting_branch_id = None
        claim.comp_lock_user = claim.comp_lock_at = None
        claim.comp_allocated_user = None
    description = (
        f"Bulk transfer from {source.organisation_id} ({source.name}) "
        f"to {target.organisation_id} ({target.name})"
    )
    q.add_transfer(
        call.uow.session,
        claim_id=claim.id,
        transfer_id=transfer_id,
        side=parties.side.value,
        from_organisation_id=source.organisation_id,
        to_organisation_id=target.organisation_id,
        description=description[:200],
        at=call.now,
        actor=operator.actor,
    )
    text = notices.claim_transferred(claim.application_id, target.name).text
    for side in (Side.CR, Side.COMP):
        wf.notify(call, claim, side, text)
    journal_claim(
        call,
        operator,
        claim,
        OPERATION,
        f"{parties.side.value} {source.organisation_id} -> {target.organisation_id} "
        f"(transfer {transfer_id}): {reason}",
    )
