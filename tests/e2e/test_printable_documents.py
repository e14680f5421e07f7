"""Printable documents over the wire, with zeep against a live server, on both services: a claim
driven through Stage 1 and Stage 2 lists one document per event, and each fetched document is a
PDF whose text names the claim, the claimant and the decisions, and whose first page renders to
a PNG (pdftoppm). RTA runs on SQLite; the EL/PL path also on PostgreSQL."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zeep

from tests.conftest import LiveServer
from tests.e2e import claims as packs
from tests.unit.test_printable_documents import CLAIMANT, pdf_text
from tests.wire import ELPL_PATH, RTA_PATH

A2A = {"cr": ("cr-a2a", "Amber-Falcon-2026!"), "comp": ("comp-a2a", "Cobalt-Heron-2026!")}


@dataclass
class Wire:
    """A zeep client and a token per asUser; ``step`` runs a workflow step and keeps the GUID."""

    client: zeep.Client
    tokens: dict[str, str]
    application_id: str = ""
    guid: str = ""

    @classmethod
    def on(cls, live: LiveServer, path: str) -> Wire:
        return cls(zeep.Client(f"{live.url}{path}?wsdl"), {})

    def call(self, user: str, operation: str, **fields: Any) -> Any:
        if user not in self.tokens:
            a2a, password = A2A[user.split("-")[0]]
            pair = self.client.service.getToken(userID=a2a, userAsID=user, password=password)
            self.tokens[user] = pair.accessToken
        reply = getattr(self.client.service, operation)(accessToken=self.tokens[user], **fields)
        assert reply.code == "Ok", reply
        return reply

    def submit(self, user: str, cnf: str) -> None:
        info = self.call(user, "addClaim", claimXML=cnf).claimInfo
        self.application_id, self.guid = info.applicationId, info.activityEngineGuid

    def step(self, user: str, operation: str, **fields: Any) -> None:
        data = {"applicationId": self.application_id, "activityEngineGuid": self.guid}
        reply = self.call(user, operation, claimData=data, **fields)
        self.guid = reply.claimInfo.activityEngineGuid

    def documents(self, user: str) -> dict[str, Any]:
        reply = self.call(user, "getPrintableDocumentsList", applicationId=self.application_id)
        return {row.dataAttachmentTitle: row for row in reply.attachemntsList}

    def pdf(self, user: str, guid: str) -> bytes:
        reply = self.call(user, "getPrintableDocument", printableDocumentId=guid)
        assert reply.attachment.applicationId == self.application_id
        content: bytes = reply.attachment.dataAttachmentFileZip
        return content


def _check(
    wire: Wire, user: str, guid: str, expected: tuple[str, ...], tmp_path: Path, claimant: str
) -> None:
    content = wire.pdf(user, guid)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    for words in (wire.application_id, claimant, *expected):
        assert words in text, words
    assert "Northgate Claims Assist" not in text  # the referral source
    source = tmp_path / f"{guid}.pdf"
    source.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(source), str(tmp_path / guid)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    (png,) = tmp_path.glob(f"{guid}*.png")
    assert png.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_rta_documents_of_stage1_and_stage2(live: LiveServer, tmp_path: Path) -> None:
    cr, comp = "cr-rta-ch", "comp-rta-ch"
    wire = Wire.on(live, RTA_PATH)
    wire.submit(cr, packs.cnf("E2E-DOCS"))
    wire.step(comp, "acceptClaim", insurerClaimReferenceNumber="INS-E2E-DOCS")
    wire.step(comp, "applyArticle75", isArticle75=False)
    wire.step(comp, "sendLiabilityDecision", insurerResponseXml=packs.insurer_response("A"))
    wire.step(cr, "acknowledgeLiabilityAdmitted")
    wire.step(cr, "setStage1Payment", isStage1Paid=True)
    wire.step(cr, "setInterimPaymentNeeded", isInterimPaymentNeeded=True)
    wire.step(cr, "addInterimSPFRequest", ISPFRequestXML=packs.isp_request())
    wire.step(comp, "addInterimSPFResponse", ISPFResponseXML=packs.isp_response(full=True))
    wire.step(cr, "setStage21Payment", isStage21Paid=True)
    wire.step(cr, "addStage2SPFRequest", S2SPFRequestXML=packs.s2sp_request())
    wire.step(comp, "addStage2SPFResponse", S2SPFResponseXML=packs.s2sp_response("CO"))
    wire.step(cr, "setStage2SPFAgreementDecision", isAgreed=False)
    wire.step(cr, "setStage2SPFCounterOfferNeeded", isStage2SPFCounterOfferNeeded=True)
    wire.step(cr, "addStage2SPFCounterOfferByCR", S2SPFCounterOfferByCRXML=packs.counter_offer_cr())
    wire.step(
        comp, "addStage2SPFCounterOfferByCM", S2SPFCounterOfferByCMXML=packs.counter_offer_cm("ACO")
    )

    documents = wire.documents(cr)
    assert list(documents) == [
        "CNF",
        "CNF + Insurer Response",
        "Interim Settlement Pack 1",
        "Stage 2 Settlement Pack",
    ]
    assert documents["CNF"].dataAttachmentFileName == f"{wire.application_id}-cnf.pdf"
    assert {row.dataAttachmentOwner for row in documents.values()} == {"SYSTEM"}
    assert all(row.dataAttachmentFileZip is None for row in documents.values())
    expected = {
        "CNF": ("Legal representative signed",),
        "CNF + Insurer Response": ("Admitted", "Insurer of the defendant"),
        "Interim Settlement Pack 1": ("Interim settlement pack: response", "Past loss of earnings"),
        "Stage 2 Settlement Pack": ("Counter offer", "Accept the claimant's counter offer"),
    }
    for title, row in documents.items():
        _check(wire, comp, row.dataAttachmentGuid, expected[title], tmp_path, CLAIMANT)


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_elpl_documents_of_stage1_and_stage2(live: LiveServer, tmp_path: Path) -> None:
    cr, comp = "cr-elpl-ch", "comp-elpl-ch"
    wire = Wire.on(live, ELPL_PATH)
    wire.submit(cr, packs.cnf_elpl("E2E-DOCS-EL"))
    wire.step(comp, "acknowledgeClaim")
    wire.step(comp, "acceptClaim", insurerClaimReferenceNumber="INS-E2E-EL")
    response = packs.insurer_response("A", service="elpl", release="R6")
    wire.step(comp, "sendLiabilityDecision", insurerResponseXml=response)
    wire.step(cr, "acknowledgeLiabilityAdmitted")
    wire.step(cr, "setInterimPaymentNeeded", isInterimPaymentNeeded=False)
    wire.step(cr, "addStage2SPFRequest", S2SPFRequestXML=packs.s2sp_request("elpl", "R6"))
    wire.step(comp, "addStage2SPFResponse", S2SPFResponseXML=packs.s2sp_response("C", "elpl", "R6"))

    documents = wire.documents(comp)
    assert list(documents) == ["CNF", "CNF + Insurer Response", "Stage 2 Settlement Pack"]
    expected = {
        "CNF": ("EL/PL", "Employers' liability accident"),
        "CNF + Insurer Response": ("Admitted",),
        "Stage 2 Settlement Pack": ("Confirm (accept the pack as claimed)",),
    }
    for title, row in documents.items():
        _check(wire, cr, row.dataAttachmentGuid, expected[title], tmp_path, "Rhiannon Kettleby")
