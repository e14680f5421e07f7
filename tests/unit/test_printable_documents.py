"""Printable documents: the renderer on its own (text, labels, no referral source, a page that
renders, the same bytes twice), and in process (``tests.harness``) the events that make and
regenerate each document, the count in list rows, rendering once per content, and refusals."""

from __future__ import annotations

import ast
import io
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest

from gateway.documents import labels
from gateway.documents.kinds import DocumentKind
from gateway.documents.names import readable
from gateway.documents.render import Heading, Printable, SourcePack, render
from gateway.domain.services import Service
from gateway.service import messages as m
from gateway.service.claims import printable
from gateway.store.models import Claim, PrintableDocument
from gateway.validation.packs import Pack
from tests.e2e import claims as packs
from tests.harness import Claimed, Harness

CR, COMP = "cr-rta-ch", "comp-rta-ch"
CLAIMANT = "Daniel James Ashcombe"  # the CNF sample's claimant
#: What the CNF sample says of its referral source: none of it may be printed.
REFERRAL = ("Northgate Claims Assist", "1204587", "Referral", "Regulated claims management")
GATEWAY = Path(__file__).resolve().parents[2] / "gateway"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def first_page_png(content: bytes, tmp_path: Path) -> bytes:
    source = tmp_path / "document.pdf"
    source.write_bytes(content)
    done = subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(source), str(tmp_path / "p")],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert done.returncode == 0
    (png,) = tmp_path.glob("p*.png")
    return png.read_bytes()


# --------------------------------------------------------------------------------- renderer
def _source(pack: Pack, xml: str, number: int = 1) -> SourcePack:
    return SourcePack(pack, number, xml, date(2026, 12, 4))


HEADING = Heading(
    application_id="0000000000000042",
    service="RTA",
    phase_name="Stage 2 Settlement Pack Agreement decision",
    claimant_name="Zoë Łukasiewicz-Øberg",
    representative_name="Demo Claimant Solicitors LLP",
    representative_reference="HLS/RTA/2026/0417",
    compensator_name="Demo Insurance plc",
    compensator_reference="INS-42",
)


def test_a_document_prints_the_claim_its_parties_and_labels_but_never_the_referral_source(
    tmp_path: Path,
) -> None:
    doc = Printable(
        DocumentKind.CNF_INSURER_RESPONSE,
        1,
        HEADING,
        (
            _source(Pack.CNF, packs.cnf("HLS/RTA/2026/0417")),
            _source(Pack.INSURER_RESPONSE, packs.insurer_response("AN")),
        ),
    )
    content = render(doc)
    text = pdf_text(content)
    for expected in (
        "0000000000000042",
        "Zoë Łukasiewicz-Øberg",  # beyond Latin-1: the embedded TrueType font
        "Ashcombe",  # the CNF's own claimant details
        "CNF + Insurer Response",
        "Admitted with contributory negligence",  # C17 AN
        "Legal representative signed",  # C16 S
        "Up to £10,000",  # C29 1
        "Defendant age",  # DefedantAge, spelt out
        "14/10/2026",  # the accident date, the British way
        "Demo Insurance plc",
        "INS-42",
    ):
        assert expected in text, expected
    for secret in REFERRAL:
        assert secret not in text, secret
    assert render(doc) == content  # invariant: the same bytes for the same input
    assert first_page_png(content, tmp_path).startswith(b"\x89PNG")


def test_settlement_pack_lines_show_loss_types_money_and_decisions() -> None:
    doc = Printable(
        DocumentKind.STAGE2_SETTLEMENT_PACK,
        1,
        HEADING,
        (
            _source(Pack.S2SP_REQUEST, packs.s2sp_request()),
            _source(Pack.S2SP_RESPONSE, packs.s2sp_response("CO")),
            _source(Pack.S2SP_COUNTER_OFFER_CR, packs.counter_offer_cr()),
            _source(Pack.S2SP_COUNTER_OFFER_CM, packs.counter_offer_cm("ACO")),
        ),
    )
    text = pdf_text(render(doc))
    for expected in (
        "Whiplash tariff damages",  # C18 16
        "Past loss of earnings",  # C18 5
        "Counter offer",  # C20 CO
        "Accept the claimant's counter offer",  # C27 ACO
        "£1,200.00",
        "Counter offer by the compensator",
    ):
        assert expected in text, expected


def test_labels_and_names() -> None:
    assert labels.label("LiabilityDecision", "N") == "Not admitted"
    assert labels.label("SettlementPackDecision", "R").startswith("Repudiate")
    assert labels.label("AdditionalDamagesDecision", "A") == "Agree"
    assert labels.label("SettlementPackCounterOfferDecision", "NEWCO") == "New counter offer"
    assert labels.label("IsGrossAmountAgreed", "0") == "No"
    assert labels.label("GrossValueClaimed", "12345.6") == "£12,345.60"
    assert labels.label("LossType", "99") == "99"  # unknown codes as sent
    assert labels.never_printed("ReferralSourceInfo") and labels.never_printed("ReferralSource")
    assert "C32" not in labels.LISTS
    assert readable("VhclHitInRear") == "Vehicle hit in rear"
    assert readable("InsuranceCompanyInformatiion") == "Insurance company information"


def test_the_documents_layer_does_no_storage_soap_or_service() -> None:
    for path in (GATEWAY / "documents").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        bad = {
            name
            for name in modules
            if name.split(".")[0] == "sqlalchemy"
            or name.startswith(("gateway.store", "gateway.service", "gateway.soap"))
        }
        assert not bad, f"{path.name} imports {sorted(bad)}"


# ------------------------------------------------------------------------------ in process
@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The titles of the documents rendered, in order (the real renderer runs)."""
    seen: list[str] = []

    def counted(doc: Printable) -> bytes:
        seen.append(doc.title)
        return render(doc)

    monkeypatch.setattr(printable, "render", counted)
    yield seen


def _documents(h: Harness, claim: Claimed, as_: str = CR) -> list[m.Attachment]:
    request = m.GetPrintableDocumentsList(application_id=claim.application_id)
    return list(h.ok("getPrintableDocumentsList", request, as_=as_).attachemnts_list)


def _titles(h: Harness, claim: Claimed) -> list[str]:
    return [d.data_attachment_title for d in _documents(h, claim)]


def _fetch(h: Harness, guid: str, as_: str = CR) -> m.Attachment:
    request = m.GetPrintableDocument(printable_document_id=guid)
    return h.ok("getPrintableDocument", request, as_=as_).attachment


def _rows(h: Harness, claim: Claimed) -> dict[str, PrintableDocument]:
    with h.components.database.unit_of_work() as uow:
        row = uow.claims.get(claim.application_id)
        assert row is not None
        found = uow.session.query(PrintableDocument).filter_by(claim_id=row.id).all()
        for doc in found:
            uow.session.expunge(doc)
        return {doc.title: doc for doc in found}


def _count_in_list(h: Harness, claim: Claimed, user: str) -> int:
    rows = h.ok("getClaimsList", m.GetClaimsList(), as_=user).claims_list
    (row,) = [r for r in rows if r.application_id == claim.application_id]
    return int(row.printable_documents_count)


def _stage21(h: Harness, reference: str) -> Claimed:
    claim = h.decided(reference)
    claim = h.step("acknowledgeLiabilityAdmitted", claim, CR)
    return h.step("setStage1Payment", claim, CR, is_stage1_paid=True)


def _isp(h: Harness, claim: Claimed) -> Claimed:
    claim = h.step("setInterimPaymentNeeded", claim, CR, is_interim_payment_needed=True)
    return h.step("addInterimSPFRequest", claim, CR, ispf_request_xml=packs.isp_request())


def test_each_event_makes_or_regenerates_its_document_and_lists_count_them(
    harness: Harness, renders: list[str]
) -> None:
    claim = harness.submit("DOC-EVENTS")
    assert _titles(harness, claim) == ["CNF"]
    assert _count_in_list(harness, claim, COMP) == 1
    cnf = _fetch(harness, _documents(harness, claim)[0].data_attachment_guid)
    assert cnf.data_attachment_file_name == f"{claim.application_id}-cnf.pdf"
    assert (cnf.data_attachment_owner, cnf.application_id) == ("SYSTEM", claim.application_id)
    assert CLAIMANT in pdf_text(cnf.data_attachment_file_zip or b"")

    claim = _stage21(harness, "DOC-EVENTS-2")
    assert _titles(harness, claim) == ["CNF", "CNF + Insurer Response"]
    claim = _isp(harness, claim)  # ISP 1, rejected
    claim = harness.step("rejectInterimSettlementPack", claim, COMP, rejection_comment="No")
    claim = harness.step("acknowledgeRejectedInterimSettlementPack", claim, CR)
    claim = _isp(harness, claim)  # ISP 2, then answered: the same document again
    before = _rows(harness, claim)["Interim Settlement Pack 2"]
    claim = harness.step(
        "addInterimSPFResponse", claim, COMP, ispf_response_xml=packs.isp_response(full=True)
    )
    after = _rows(harness, claim)["Interim Settlement Pack 2"]
    assert (after.guid, after.created_at) == (before.guid, before.created_at)
    assert after.source_sha256 != before.source_sha256
    claim = harness.step("setStage21Payment", claim, CR, is_stage21_paid=True)
    claim = harness.step("addStage2SPFRequest", claim, CR, s2spf_request_xml=packs.s2sp_request())
    for response in (packs.s2sp_response("CO"),):
        claim = harness.step("addStage2SPFResponse", claim, COMP, s2spf_response_xml=response)
    claim = harness.step("setStage2SPFAgreementDecision", claim, CR, is_agreed=False)
    claim = harness.step(
        "setStage2SPFCounterOfferNeeded", claim, CR, is_stage2spf_counter_offer_needed=True
    )
    claim = harness.step(
        "addStage2SPFCounterOfferByCR",
        claim,
        CR,
        s2spf_counter_offer_by_crxml=packs.counter_offer_cr(),
    )
    claim = harness.step(
        "addStage2SPFCounterOfferByCM",
        claim,
        COMP,
        s2spf_counter_offer_by_cmxml=packs.counter_offer_cm("NEWCO"),
    )
    documents = _documents(harness, claim)
    assert [d.data_attachment_title for d in documents] == [
        "CNF",
        "CNF + Insurer Response",
        "Interim Settlement Pack 1",
        "Interim Settlement Pack 2",
        "Stage 2 Settlement Pack",
    ]
    assert documents[3].data_attachment_file_name.endswith("-isp-2.pdf")
    assert all(d.data_attachment_file_zip is None for d in documents)  # the list has no bytes
    assert _count_in_list(harness, claim, CR) == 5
    s2sp = _fetch(harness, documents[4].data_attachment_guid, as_=COMP)
    text = pdf_text(s2sp.data_attachment_file_zip or b"")
    for expected in ("Counter offer by the claimant representative", "New counter offer"):
        assert expected in text
    assert renders == ["CNF", "Stage 2 Settlement Pack"]


def test_additional_damages_and_the_court_proceedings_pack(harness: Harness) -> None:
    claim = harness.step(
        "setInterimPaymentNeeded", _stage21(harness, "DOC-AD"), CR, is_interim_payment_needed=False
    )
    claim = harness.step("addStage2SPFRequest", claim, CR, s2spf_request_xml=packs.s2sp_request())
    claim = harness.step(
        "addStage2SPFResponse", claim, COMP, s2spf_response_xml=packs.s2sp_response("CO")
    )
    claim = harness.step("setStage2SPFAgreementDecision", claim, CR, is_agreed=False)
    claim = harness.step(
        "setStage2SPFCounterOfferNeeded", claim, CR, is_stage2spf_counter_offer_needed=False
    )
    claim = harness.step("setAdditionalDamagesExistence", claim, CR, additional_damages_exist=True)
    steps: list[tuple[str, str, dict[str, Any]]] = [
        (
            "addS2SPFAdditionalDamagesRequest",
            CR,
            {"additional_damages_request_xml": packs.ad_request()},
        ),
        (
            "addS2SPFAdditionalDamagesResponse",
            COMP,
            {"additional_damages_response_xml": packs.ad_response("CO")},
        ),
        ("setS2SPFAdditionalDamagesDecision", CR, {"is_agreed": False}),
        ("addCPPFRequest", CR, {"cppf_request_xml": packs.cpp_request()}),
        ("addCPPFResponse", COMP, {"cppf_response_xml": packs.cpp_response()}),
    ]
    for operation, user, fields in steps:
        claim = harness.step(operation, claim, user, **fields)
    documents = {d.data_attachment_title: d for d in _documents(harness, claim)}
    assert list(documents)[-2:] == ["Additional Damages", "Court Proceedings Pack"]
    assert len(documents) == 5  # CNF, CNF + IR, S2SP, AD, CPP: no interim pack
    ad = _fetch(harness, documents["Additional Damages"].data_attachment_guid)
    assert "Additional damages: response" in pdf_text(ad.data_attachment_file_zip or b"")
    cpp = _fetch(harness, documents["Court Proceedings Pack"].data_attachment_guid, as_=COMP)
    assert cpp.data_attachment_file_name.endswith("-cpp.pdf")


def test_a_document_is_rendered_once_per_content(harness: Harness, renders: list[str]) -> None:
    claim = harness.submit("DOC-CACHE")
    guid = _documents(harness, claim)[0].data_attachment_guid
    first = _fetch(harness, guid)
    again = _fetch(harness, guid, as_=COMP)
    assert first.data_attachment_file_zip == again.data_attachment_file_zip
    assert renders == ["CNF"]
    stored = _rows(harness, claim)["CNF"]
    assert stored.content == first.data_attachment_file_zip and stored.content_sha256
    # What the heading prints changed (the compensator's reference, the phase): once more.
    claim = harness.step("acceptClaim", claim, COMP, insurer_claim_reference_number="INS-DOC-CACHE")
    changed = _fetch(harness, guid)
    assert "INS-DOC-CACHE" in pdf_text(changed.data_attachment_file_zip or b"")
    _fetch(harness, guid)
    assert renders == ["CNF", "CNF"]
    assert _rows(harness, claim)["CNF"].content_sha256 != stored.content_sha256


def test_a_resend_regenerates_the_cnf(harness: Harness, renders: list[str]) -> None:
    claim = harness.submit("DOC-RESEND")
    claim = harness.step("rejectClaimToCR", claim, COMP, rejection_reason_code="1")
    claim = harness.step("acknowledgeRejectedClaim", claim, CR)
    guid = _documents(harness, claim)[0].data_attachment_guid
    _fetch(harness, guid)
    kept = _rows(harness, claim)["CNF"]
    assert kept.content is not None
    resent = packs.cnf("DOC-RESEND").replace("Megan", "Meredith")
    claim = harness.step("resendRejectedClaim", claim, CR, claim_xml=resent)
    row = _rows(harness, claim)["CNF"]
    assert (row.guid, row.content, row.content_sha256) == (kept.guid, None, None)
    assert row.source_sha256 != kept.source_sha256
    assert _titles(harness, claim) == ["CNF"]
    assert "Meredith" in pdf_text(_fetch(harness, guid).data_attachment_file_zip or b"")


def test_refusals_reveal_nothing(harness: Harness) -> None:
    claim = harness.submit("DOC-REFUSE")
    guid = _documents(harness, claim)[0].data_attachment_guid
    other_firm = "cr2-rta-ch"
    listed = m.GetPrintableDocumentsList(application_id=claim.application_id)
    assert harness.refused("getPrintableDocumentsList", listed, as_=other_firm).key == (
        "CLAIM_NOT_FOUND"
    )
    missing = m.GetPrintableDocumentsList(application_id="9999999999")
    assert harness.refused("getPrintableDocumentsList", missing, as_=CR).key == "CLAIM_NOT_FOUND"
    invisible = harness.refused(
        "getPrintableDocument", m.GetPrintableDocument(printable_document_id=guid), as_=other_firm
    )
    unknown = harness.refused(
        "getPrintableDocument",
        m.GetPrintableDocument(printable_document_id="00000000-0000-0000-0000-000000000000"),
        as_=CR,
    )
    assert invisible.key == unknown.key == "NOT_FOUND"
    assert invisible.message == unknown.message
    # The other service's endpoint does not find it either.
    elpl = harness.refused(
        "getPrintableDocument",
        m.GetPrintableDocument(printable_document_id=guid),
        as_="cr-elpl-ch",
        service=Service.ELPL,
    )
    assert elpl.key == "NOT_FOUND"
    assert harness.refused("getPrintableDocument", m.GetPrintableDocument(), as_=CR).key == (
        "INPUT_MISSING"
    )
    with harness.components.database.unit_of_work() as uow:
        row = uow.session.query(Claim).filter_by(application_id=claim.application_id).one()
        row.gdpr_deleted, row.phase = True, "ClaimDeleted"
        uow.commit()
    fetch = m.GetPrintableDocument(printable_document_id=guid.lower())
    assert harness.refused("getPrintableDocument", fetch, as_=CR).key == "CLAIM_DELETED"
    assert harness.refused("getPrintableDocumentsList", listed, as_=CR).key == "CLAIM_DELETED"


def test_elpl_documents(harness: Harness) -> None:
    harness.service = Service.ELPL
    user, comp = "cr-elpl-ch", "comp-elpl-ch"
    text = packs.cnf_elpl("DOC-ELPL")
    claim = harness.claimed(harness.ok("addClaim", m.AddClaim(claim_xml=text), as_=user))
    claim = harness.step("acknowledgeClaim", claim, comp)
    claim = harness.step("acceptClaim", claim, comp, insurer_claim_reference_number="INS-E")
    response = packs.insurer_response("A", service="elpl", release="R6")
    claim = harness.step("sendLiabilityDecision", claim, comp, insurer_response_xml=response)
    documents = _documents(harness, claim, as_=user)
    assert [d.data_attachment_title for d in documents] == ["CNF", "CNF + Insurer Response"]
    content = _fetch(harness, documents[1].data_attachment_guid, as_=comp).data_attachment_file_zip
    text = pdf_text(content or b"")
    assert claim.application_id in text and "EL/PL" in text and "Admitted" in text
