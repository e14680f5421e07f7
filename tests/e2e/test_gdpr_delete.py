"""GDPR deletion end to end (security.md 6.3; rows R95 and E78): claims made and read over the
wire with zeep, deleted by the operator function against the live server's database, then read
again over the wire: getClaim, getAttachment and getPrintableDocument answer CLAIM_DELETED,
getClaimsStatus and searchClaims still show the claim (ClaimDeleted, gdprClaimDeleted 1, a new
GUID), both sides have "Claim <id> deleted", the journal has the row with its transition, and a
second run changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import zeep
from sqlalchemy import select

from gateway.service.operator import Operator, OperatorRefused
from gateway.service.operator.gdpr import gdpr_delete
from gateway.store.models import Claim, JournalEntry, Notification
from tests.conftest import LiveServer
from tests.e2e.claims import cnf, cnf_elpl
from tests.wire import ELPL_PATH, RTA_PATH

A2A = {"cr": ("cr-a2a", "Amber-Falcon-2026!"), "comp": ("comp-a2a", "Cobalt-Heron-2026!")}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 200
#: service -> (endpoint, CR user, compensator user, CNF builder, the GDPR_DELETE row)
SERVICES: dict[str, tuple[str, str, str, Any, str]] = {
    "rta": (RTA_PATH, "cr-rta-ch", "comp-rta-ch", cnf, "R95"),
    "elpl": (ELPL_PATH, "cr-elpl-ch", "comp-elpl-ch", cnf_elpl, "E78"),
}


class Wire:
    def __init__(self, live: LiveServer, path: str) -> None:
        self.client = zeep.Client(f"{live.url}{path}?wsdl")
        self.tokens: dict[str, str] = {}

    def call(self, user: str, operation: str, **fields: Any) -> Any:
        if user not in self.tokens:
            name, password = A2A[user.split("-")[0]]
            pair = self.client.service.getToken(userID=name, userAsID=user, password=password)
            assert pair.code == "Ok", pair
            self.tokens[user] = pair.accessToken
        return getattr(self.client.service, operation)(accessToken=self.tokens[user], **fields)


def _refused_deleted(reply: Any) -> None:
    assert reply.code == "Failure", reply
    assert reply.details.startswith("CLAIM_DELETED"), reply.details


@pytest.mark.parametrize("service", ["rta", "elpl"])
def test_gdpr_deletion_over_the_wire(live: LiveServer, service: str) -> None:
    path, cr, comp, build_cnf, rule = SERVICES[service]
    wire = Wire(live, path)
    added = wire.call(cr, "addClaim", claimXML=build_cnf(f"GDPR-{service.upper()}"))
    assert added.code == "Ok", added
    app_id, guid = added.claimInfo.applicationId, added.claimInfo.activityEngineGuid
    attachment = wire.call(
        cr,
        "addAttachment",
        attachment={
            "applicationId": app_id,
            "dataAttachmentFileName": "medical.pdf",
            "dataAttachmentFileZip": PDF,
            "dataAttachmentTitle": "Medical report",
            "dataAttachmentDesc": "before the deletion",
        },
    )
    assert attachment.code == "Ok", attachment
    documents = wire.call(comp, "getPrintableDocumentsList", applicationId=app_id)
    assert documents.code == "Ok" and documents.attachemntsList, documents
    document_id = documents.attachemntsList[0].dataAttachmentGuid
    assert wire.call(cr, "getClaim", applicationId=app_id).code == "Ok"

    components = live.components
    with pytest.raises(OperatorRefused):  # a reason is required
        gdpr_delete(components, Operator.platform(), [app_id], "  ")
    with components.database.unit_of_work() as uow:  # a user without ADV_DELETE may not
        clerk = Operator.user(uow, cr)
    with pytest.raises(OperatorRefused):
        gdpr_delete(components, clerk, [app_id], "claimant's request")
    report = gdpr_delete(components, Operator.platform(), [app_id], "claimant's erasure request")
    assert (report.done, report.skipped) == ([app_id], [])

    # content: CLAIM_DELETED at once, for both sides
    for user in (cr, comp):
        _refused_deleted(wire.call(user, "getClaim", applicationId=app_id))
    _refused_deleted(wire.call(comp, "getAttachment", attachmentGuid=attachment.value))
    _refused_deleted(wire.call(cr, "getPrintableDocument", printableDocumentId=document_id))
    # status and search still show it, in ClaimDeleted with a new GUID
    status = wire.call(cr, "getClaimsStatus", applicationId=app_id)
    assert status.code == "Ok", status
    assert status.claimInfo.phaseCacheId == "ClaimDeleted"
    new_guid = status.claimInfo.activityEngineGuid
    assert new_guid != guid and status.gdprClaimDeleted == 1
    found = wire.call(comp, "searchClaims", searchClaimCriteria={"applicationId": app_id})
    assert found.code == "Ok", found
    assert [(c.applicationId, c.phaseCacheId, c.gdprClaimDeleted) for c in found.claimsList] == [
        (app_id, "ClaimDeleted", 1)
    ]
    # a workflow step on the deleted claim is refused as deleted
    step = wire.call(
        comp,
        "acceptClaim" if service == "rta" else "acknowledgeClaim",
        claimData={"applicationId": app_id, "activityEngineGuid": new_guid},
        **({"insurerClaimReferenceNumber": "TOO-LATE"} if service == "rta" else {}),
    )
    assert step.code == "Failure", step

    with components.database.unit_of_work() as uow:
        notices = uow.session.execute(
            select(Notification.user_id, Notification.message).where(
                Notification.application_id == app_id,
                Notification.message == f"Claim {app_id} deleted",
            )
        ).all()
        rows = uow.session.scalars(
            select(JournalEntry).where(
                JournalEntry.application_id == app_id, JournalEntry.operation == "GDPR_DELETE"
            )
        ).all()
        claim = uow.session.scalars(select(Claim).where(Claim.application_id == app_id)).one()
        assert claim.timeout_at is None and claim.ended and claim.gdpr_deleted
        (row,) = rows
        assert (row.transition, row.actor, row.outcome) == (rule, "OPERATOR", "Ok")
        assert (row.phase_before, row.phase_after) == ("ClaimSubmitted", "ClaimDeleted")
        assert (row.guid_before, row.guid_after) == (guid, new_guid)
        assert "claimant's erasure request" in (row.detail or "")
    told = {user for user, _ in notices}
    assert cr in told and comp in told, notices

    again = gdpr_delete(components, Operator.platform(), [app_id], "once more")
    assert (again.done, again.skipped) == ([], [(app_id, "already deleted")])
    status = wire.call(cr, "getClaimsStatus", applicationId=app_id)
    assert status.claimInfo.activityEngineGuid == new_guid
