"""Claim reads: getClaim (the Data document), getClaimsList, searchClaims, notifications."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from gateway.domain.deadlines import london, london_date
from gateway.domain.lifecycle import DELETED_PHASE
from gateway.domain.services import Side
from gateway.errors import ClaimDeleted, NotFound
from gateway.service import messages as m
from gateway.service.claims import claim_lists
from gateway.service.claims import workflow as wf
from gateway.service.claims.data_document import (
    DataSources,
    Person,
    StoredPack,
    build_data,
    render,
)
from gateway.service.clock import as_utc
from gateway.service.gateway import Call, OperationSpec, required
from gateway.service.operator.retention import notifications_kept_since
from gateway.store.claim_queries import ListRow
from gateway.store.models import Claim, Notification
from gateway.store.operator_queries import transfers_of
from gateway.validation.packs import Pack

log = logging.getLogger("gateway.reads")

CNF_PACKS = frozenset({Pack.CNF.value, Pack.CNF_RESEND.value})
NO_CNF = "<DocumentInput/>"  # a claim stored without its pack (bulk loads): process data only


# ------------------------------------------------------------------------------- getClaim
def _person(call: Call[Any], user_id: str | None) -> Person | None:
    if not user_id:
        return None
    user = call.uow.users.get(user_id)
    return Person(user_id, user.first_name if user else "", user.surname if user else "")


def _name(call: Call[Any], organisation_id: str, branch_id: str | None = None) -> str:
    if branch_id is not None:
        branch = call.uow.organisations.branch(organisation_id, branch_id)
        return branch.name if branch else ""
    org = call.uow.organisations.get(organisation_id)
    return org.name if org else ""


def _sources(call: Call[Any], claim: Claim) -> DataSources:
    packs = call.uow.claims.packs(claim.id)
    cnfs = [p for p in packs if p.kind in CNF_PACKS]
    responses = [p for p in packs if p.kind == Pack.INSURER_RESPONSE.value]
    allocated = {
        side: person
        for side, person in (
            (Side.CR, _person(call, claim.cr_allocated_user)),
            (Side.COMP, _person(call, claim.comp_allocated_user)),
        )
        if person is not None
    }
    stored = tuple(
        StoredPack(Pack(p.kind), p.number, p.xml, london_date(as_utc(p.created_at)))
        for p in packs
        if p.kind not in CNF_PACKS and p.kind != Pack.INSURER_RESPONSE.value
    )
    return DataSources(
        claim=claim,
        cnf_xml=cnfs[-1].xml if cnfs else NO_CNF,
        caller_side=call.who.side,
        today=wf.today(call),
        insurer_response_xml=responses[-1].xml if responses else None,
        response_date=london_date(as_utc(responses[-1].created_at)) if responses else None,
        representative_name=_name(call, claim.cr_org_id),
        representative_branch=("001", _name(call, claim.cr_org_id, "001")),
        insurer_name=_name(call, claim.comp_org_id),
        insurer_branch_name=_name(call, claim.comp_org_id, claim.comp_branch_id),
        accepting_branch_name=_name(call, claim.comp_org_id, claim.accepting_branch_id)
        if claim.accepting_branch_id
        else "",
        allocated=allocated,
        packs=stored,
        calendar=call.env.calendar(call.uow),
        transfers=transfers_of(call.uow.session, claim.id),
    )


def get_claim(call: Call[m.GetClaim]) -> m.StringResponse:
    claim = wf.load(call, call.request.application_id)
    if claim.gdpr_deleted or claim.phase == DELETED_PHASE:
        raise ClaimDeleted(claim.application_id)
    data = build_data(_sources(call, claim))
    schema = call.env.registry.schema_for(call.service, claim.release, Pack.DATA).schema
    if not schema.validate(data):
        # A bug of the builder, not of the caller: answer all the same and leave a trace.
        log.error(
            "getClaim %s: Data invalid against %s %s: %s",
            claim.application_id,
            claim.service,
            claim.release,
            schema.error_log.last_error,
        )
    return m.StringResponse(message="Claim data", value=render(data))


# -------------------------------------------------------------------------- lists, search
def _claims_list(
    call: Call[Any], claims: Sequence[ListRow], truncated: bool, note: str
) -> m.ClaimsListResponse:
    rows = [claim_lists.claim_row(c, call.who.side, call.now) for c in claims]
    return m.ClaimsListResponse(
        message=f"{len(rows)} claims" + (f" ({note})" if truncated else ""), claims_list=rows
    )


def get_claims_list(call: Call[m.GetClaimsList]) -> m.ClaimsListResponse:
    claims, truncated = claim_lists.worklist(call)
    return _claims_list(
        call, claims, truncated, f"list truncated to the first {claim_lists.WORKLIST_MAX}"
    )


def search_claims(call: Call[m.SearchClaims]) -> m.ClaimsListResponse:
    claims, truncated = claim_lists.search(call, call.request.search_claim_criteria)
    return _claims_list(
        call, claims, truncated, f"at most {claim_lists.SEARCH_MAX} shown; refine the search"
    )


# --------------------------------------------------------------------------- notifications
def _notification(row: Notification) -> m.Notification:
    at = as_utc(row.created_at)
    return m.Notification(
        application_id=row.application_id,
        formatted_date=at.astimezone(london()).strftime("%d/%m/%Y %H:%M:%S"),
        notification_date_time=at,
        notification_guid=row.guid,
        notification_message=row.message,
    )


def get_notifications_list(call: Call[m.GetNotificationsList]) -> m.NotificationsListResponse:
    machine_only = call.request.a2a_notification is True
    rows = call.uow.claims.notifications(
        call.who.as_user_id, notifications_kept_since(call.now), machine_only
    )
    return m.NotificationsListResponse(
        message=f"{len(rows)} notifications", notifications_list=[_notification(r) for r in rows]
    )


def remove_notification(call: Call[m.RemoveNotification]) -> m.Response:
    guid = required(call.request.notification_guid, "notification_guid").strip()
    claims, user = call.uow.claims, call.who.as_user_id
    if not claims.remove_notification(user, guid.upper()) and not claims.remove_notification(
        user, guid
    ):
        raise NotFound(f"notification {guid[:40]}")
    return m.Response(message="Notification removed")


OPERATIONS: dict[str, OperationSpec] = {
    "getClaim": OperationSpec(get_claim, reads_only=True),
    "getClaimsList": OperationSpec(get_claims_list, reads_only=True),
    "searchClaims": OperationSpec(search_claims, reads_only=True),
    "getNotificationsList": OperationSpec(get_notifications_list, reads_only=True),
    "removeNotification": OperationSpec(remove_notification),
}
