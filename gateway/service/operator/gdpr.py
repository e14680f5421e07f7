"""GDPR deletion (security.md 6.3): an administration event, not an A2A operation.

A user with ``ADV_DELETE`` of the claim's CR organisation or of its current compensator (or the
platform operator) deletes a claim in any phase, giving a reason: the lifecycle row ``GDPR_DELETE``
(R95, E78) moves it to ``ClaimDeleted`` with a new GUID, its deadlines and locks go, both sides
get "Claim <applicationId> deleted" (lifecycle.md 6), and ``gdpr_deleted`` is set, so that
``getClaim``, attachments and printable documents answer ``CLAIM_DELETED`` from that commit on.
The claim stays in ``searchClaims`` and ``getClaimsStatus`` until retention purges it 14 days
later. Each deletion is journaled with its transition, the operator and the reason.

Idempotent: a claim already deleted is reported as skipped, nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from gateway.domain.lifecycle import DELETED_PHASE, GDPR_DELETE, LIFECYCLES
from gateway.domain.services import Service, Side
from gateway.errors import InputInvalid
from gateway.service.claims import workflow as wf
from gateway.service.claims.calendar_store import calendar_from_store
from gateway.service.operator import Operator, OperatorRefused
from gateway.service.operator.acting import Report, facing, journal_claim, system_call

if TYPE_CHECKING:
    from gateway.app import Components

PROFILE: Final = "ADV_DELETE"
REASON_MAX: Final = 400


def gdpr_delete(
    components: Components, operator: Operator, application_ids: Iterable[str], reason: str
) -> Report:
    """Delete the claims named, in one transaction; a refusal (rights, no reason) changes
    nothing. Unknown ids and claims already deleted are reported as skipped."""
    reason = " ".join(reason.split())
    if not reason:
        raise OperatorRefused("a GDPR deletion needs a reason")
    if len(reason) > REASON_MAX:
        raise OperatorRefused(f"the reason is longer than {REASON_MAX} characters")
    try:
        wanted = list(dict.fromkeys(wf.normalise_application_id(a) for a in application_ids))
    except InputInvalid as exc:
        raise OperatorRefused(str(exc)) from None
    if not wanted:
        raise OperatorRefused("name at least one claim")
    operator.require(PROFILE)
    report = Report()
    now = components.clock.now()
    with components.database.unit_of_work() as uow:
        call = system_call(components, uow, now)
        calendar = calendar_from_store(uow)
        for application_id in wanted:
            claim = uow.claims.get_for_update(application_id)
            if claim is None or not _may_delete(operator, claim.cr_org_id, claim.comp_org_id):
                # The same answer for a claim the user may not see (security.md 4).
                report.skipped.append((application_id, "no such claim"))
                continue
            if claim.phase == DELETED_PHASE:
                report.skipped.append((application_id, "already deleted"))
                continue
            transition = LIFECYCLES[Service(claim.service)].resolve(
                claim.phase, GDPR_DELETE, Side.SYSTEM, {}
            )
            facing(call, claim)
            claim.gdpr_deleted = True
            wf.enter(call, claim, transition, calendar, actor_side=Side.SYSTEM)
            journal_claim(call, operator, claim, GDPR_DELETE, f"GDPR deletion: {reason}")
            report.done.append(application_id)
        uow.commit()
    return report


def _may_delete(operator: Operator, cr_org_id: str, comp_org_id: str) -> bool:
    """The platform operator, or an ADV_DELETE user of one of the claim's two parties."""
    return operator.is_platform or operator.organisation_id in (cr_org_id, comp_org_id)
