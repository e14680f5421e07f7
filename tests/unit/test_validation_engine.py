"""``validate_pack`` (the SOAP path) and ``check_document`` (the offline validator): the order of
the steps, all violations together, paths and lines, and the facts handed to the service layer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gateway.domain.services import Service
from gateway.errors import (
    BusinessRuleViolation,
    XmlForbiddenConstruct,
    XmlLimitExceeded,
    XmlNotWellFormed,
    XsdInvalid,
)
from gateway.validation.context import RuleContext
from gateway.validation.engine import check_document, validate_pack
from gateway.validation.packs import Pack
from gateway.validation.registry import ReleaseRegistry, UnknownRelease
from gateway.validation.report import Kind
from tests.unit.test_validation_samples import (
    CNF_ELPL_R6,
    CNF_RTA_R7,
    CPP_REQUEST,
    INSURER_RESPONSE,
    ISP_REQUEST,
    ISP_RESPONSE,
    S2SP_RESPONSE,
    SCHEMAS,
    SENT_DATE,
    edit,
)

CTX = RuleContext(sent_date=SENT_DATE)
RTA, ELPL = Service.RTA, Service.ELPL
ACCIDENT = "/DocumentInput/AccidentData/AccidentDetails"


@pytest.fixture(scope="module")
def registry() -> ReleaseRegistry:
    return ReleaseRegistry.load(SCHEMAS)


def test_a_valid_cnf_and_its_facts(registry: ReleaseRegistry) -> None:
    pack = validate_pack(registry, RTA, "R7", Pack.CNF, CNF_RTA_R7, CTX)
    assert (pack.schema_file, pack.release.version, pack.root.tag) == (
        "AddClaim_ClaimData-v3.8.xsd",
        "7.0",
        "DocumentInput",
    )
    facts = pack.facts
    assert facts.accident_date == date(2026, 10, 1)
    assert facts.claimant_birth_date == date(1980, 5, 17)
    assert facts.child_claim is False
    assert (facts.insurer_organization_path, facts.insurer_organization_id, facts.insurer_type) == (
        "/COMP009",
        "COMP009",
        "I",
    )
    assert facts.cr_reference_number == "SJ/2026/0001"
    assert facts.claimant_postcode == "LS2 7EF"
    assert facts.oic_reference_number == "OIC-12345"
    assert facts.claim_type is None


def test_facts_of_the_other_packs(registry: ReleaseRegistry) -> None:
    elpl = validate_pack(registry, ELPL, "R6", Pack.CNF, CNF_ELPL_R6, CTX).facts
    assert (elpl.claim_type, elpl.notification_date) == ("EL", date(2026, 11, 20))
    decision = validate_pack(registry, RTA, "R7", Pack.INSURER_RESPONSE, INSURER_RESPONSE, CTX)
    assert decision.facts.liability_decision == "A"
    request = validate_pack(registry, RTA, "R7", Pack.ISP_REQUEST, ISP_REQUEST, CTX).facts
    assert (request.requested_value, request.loss_types) == (
        Decimal("1680.00"),
        frozenset({"5", "8"}),
    )
    full = RuleContext(
        sent_date=SENT_DATE,
        requested_value=request.requested_value,
        request_loss_types=request.loss_types,
    )
    response = validate_pack(registry, RTA, "R7", Pack.ISP_RESPONSE, ISP_RESPONSE, full).facts
    assert response.interim_full is True
    partial = edit(ISP_RESPONSE, "DefendantReplies/DefendantResponse", IsGrossAmountAgreed="0")
    assert (
        validate_pack(registry, RTA, "R7", Pack.ISP_RESPONSE, partial, full).facts.interim_full
        is False
    )
    stage2 = validate_pack(registry, RTA, "R7", Pack.S2SP_RESPONSE, S2SP_RESPONSE, CTX).facts
    assert stage2.decision == "C"
    cpp = validate_pack(registry, RTA, "R7", Pack.CPP_REQUEST, CPP_REQUEST, CTX).facts
    assert cpp.disbursement_ids == frozenset({1, 2})


def test_every_schema_violation_together_with_path_and_line(registry: ReleaseRegistry) -> None:
    xml = edit(
        edit(CNF_RTA_R7, "AccidentData/AccidentDetails", AccidentTime="25:00", ClaimantType=None),
        "ApplicationData/ClaimDetails",
        RetainedCopy="0",
    )
    with pytest.raises(XsdInvalid) as raised:
        validate_pack(registry, RTA, "R7", Pack.CNF, xml, CTX)
    error = raised.value
    assert error.schema_file == "AddClaim_ClaimData-v3.8.xsd"
    assert error.message == "The XML document does not conform to AddClaim_ClaimData-v3.8.xsd"
    by_path = {v.path: v for v in error.violations}
    assert set(by_path) == {f"{ACCIDENT}/@AccidentTime", f"{ACCIDENT}/@ClaimantType"}
    line = xml.splitlines().index(next(x for x in xml.splitlines() if "<AccidentDetails" in x))
    assert {v.line for v in error.violations} == {line + 1}
    assert "'25:00'" in by_path[f"{ACCIDENT}/@AccidentTime"].message
    assert "required but missing" in by_path[f"{ACCIDENT}/@ClaimantType"].message
    assert all(v.rule is None for v in error.violations)
    assert error.details.startswith("XSD_INVALID: /DocumentInput/")


def test_unexpected_and_missing_elements(registry: ReleaseRegistry) -> None:
    xml = CNF_RTA_R7.replace('<BusCoach BussOrCoach="0"/>', "<Bus/>")
    report = check_document(registry, xml, RTA, "R7", None, CTX)
    assert [(f.kind, f.violation.path) for f in report.findings] == [
        (Kind.XSD, "/DocumentInput/AccidentData/Bus")
    ]
    xml = edit(
        CNF_RTA_R7, "ClaimAndClaimantDetails/DefendantDetails/PersonalDetails", TitleType="9"
    )
    xml = xml.replace('<Vehicle VRN="XY34ZZZ"/>', "")
    report = check_document(registry, xml, RTA, "R7", None, CTX)
    assert {f.violation.path for f in report.findings} == {
        "/DocumentInput/ClaimAndClaimantDetails/DefendantDetails/PersonalDetails/@TitleType",
        "/DocumentInput/ClaimAndClaimantDetails/ClaimantDetails",
    }


def test_repeated_elements_keep_their_position(registry: ReleaseRegistry) -> None:
    xml = edit(ISP_REQUEST, "ClaimantLosses/ClaimantLossesToDate[2]", EvidenceAttached="Y")
    report = check_document(registry, xml, RTA, "R7", Pack.ISP_REQUEST, CTX)
    assert [f.violation.path for f in report.findings] == [
        "/InterimSettlementPackRequest/ClaimantLosses/ClaimantLossesToDate[2]/@EvidenceAttached"
    ]


def test_every_rule_violation_after_a_valid_schema(registry: ReleaseRegistry) -> None:
    xml = edit(
        edit(CNF_RTA_R7, "AccidentData/AccidentDetails", AccidentDate="2026-11-30"),
        "ApplicationData/ClaimDetails",
        RetainedCopy="0",
    )
    with pytest.raises(BusinessRuleViolation) as raised:
        validate_pack(registry, RTA, "R7", Pack.CNF, xml, CTX)
    rules = [v.rule for v in raised.value.violations]
    assert rules == ["CNF-04", "CNF-10", "CNF-15"]
    assert raised.value.message.startswith("CNF-04 AccidentDate 2026-11-30 is after")
    assert raised.value.details.startswith("BUSINESS_RULE: CNF-04 /DocumentInput/AccidentData/")


def test_the_sent_date_decides(registry: ReleaseRegistry) -> None:
    later = RuleContext(sent_date=date(2026, 12, 1))
    xml = edit(CNF_RTA_R7, "AccidentData/AccidentDetails", AccidentDate="2026-11-30")
    xml = edit(xml, "MedicalDetails/Injury", MedicalAttentionFirstDate="2026-11-30")
    assert validate_pack(registry, RTA, "R7", Pack.CNF, xml, later).facts.accident_date
    with pytest.raises(BusinessRuleViolation):
        validate_pack(registry, RTA, "R7", Pack.CNF, xml, CTX)


def test_refusals_of_the_hardened_parser(registry: ReleaseRegistry) -> None:
    with pytest.raises(XmlNotWellFormed) as raised:
        validate_pack(registry, RTA, "R7", Pack.CNF, "<DocumentInput>\n<a></b>", CTX)
    assert raised.value.line == 2
    doctype = '<!DOCTYPE d [<!ENTITY x "y">]><DocumentInput>&x;</DocumentInput>'
    with pytest.raises(XmlForbiddenConstruct):
        validate_pack(registry, RTA, "R7", Pack.CNF, doctype, CTX)
    with pytest.raises(XmlForbiddenConstruct):
        validate_pack(registry, RTA, "R7", Pack.CNF, "<?pi x?><DocumentInput/>", CTX)
    huge = "<DocumentInput>" + "x" * (2 * 1024 * 1024) + "</DocumentInput>"
    with pytest.raises(XmlLimitExceeded):
        validate_pack(registry, RTA, "R7", Pack.CNF, huge, CTX)


def test_a_dotnet_declaration_is_ignored(registry: ReleaseRegistry) -> None:
    text = '<?xml version="1.0" encoding="utf-16"?>\n' + CNF_RTA_R7
    assert validate_pack(registry, RTA, "R7", Pack.CNF, text, CTX).pack is Pack.CNF


def test_the_r7_resend_accepts_the_wider_oic_pattern(registry: ReleaseRegistry) -> None:
    xml = edit(CNF_RTA_R7, "ApplicationData/ClaimDetails", OICReferenceNumber="OIC-2026-0001")
    assert validate_pack(registry, RTA, "R7", Pack.CNF_RESEND, xml, CTX).schema_file == (
        "AddClaim_ClaimData-v3.8.xsd"
    )


def test_check_document_collects_everything(registry: ReleaseRegistry) -> None:
    xml = edit(
        edit(CNF_RTA_R7, "AccidentData/AccidentDetails", AccidentTime="25:00"),
        "ApplicationData/ClaimDetails",
        RetainedCopy="0",
    )
    report = check_document(registry, xml.encode(), RTA, "R7", None, CTX, source="a.xml")
    assert (report.file, report.pack, report.schema_file) == (
        "a.xml",
        Pack.CNF,
        "AddClaim_ClaimData-v3.8.xsd",
    )
    assert [(f.kind, f.violation.rule) for f in report.findings] == [
        (Kind.XSD, None),
        (Kind.RULE, "CNF-06"),
        (Kind.RULE, "CNF-15"),
    ]
    assert not report.valid and not report.xsd_valid


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<DocumentInput>", "line 1"),
        (b'<!DOCTYPE x SYSTEM "http://example.com/x.dtd"><DocumentInput/>', "DTD"),
        (b"<Envelope/>", "unknown root element 'Envelope'"),
        (b"", "line"),
    ],
)
def test_check_document_never_raises(registry: ReleaseRegistry, data: bytes, message: str) -> None:
    report = check_document(registry, data, RTA, "R7", None, CTX)
    assert [f.kind for f in report.findings] == [Kind.XML]
    assert message in report.findings[0].violation.message
    assert not report.xsd_valid


def test_a_pack_the_release_does_not_have(registry: ReleaseRegistry) -> None:
    xml = b"<Stage2SettlementPackAdditionalDamagesRequest/>"
    report = check_document(registry, xml, ELPL, "R6", None, CTX)
    assert report.pack is Pack.AD_REQUEST
    assert "has no ad-request" in report.findings[0].violation.message
    with pytest.raises(UnknownRelease):
        check_document(registry, xml, ELPL, "R7", None, CTX)


def test_an_explicit_pack_wins_over_detection(registry: ReleaseRegistry) -> None:
    report = check_document(registry, CNF_RTA_R7, RTA, "R5", Pack.CNF_RESEND, CTX)
    assert report.schema_file == "ResendRejectedClaim_ClaimData-v3.3.xsd"
    wrong = check_document(registry, ISP_REQUEST, RTA, "R7", Pack.CNF, CTX)
    assert [f.kind for f in wrong.findings] == [Kind.XSD]
