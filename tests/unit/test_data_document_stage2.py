"""The getClaim ``Data`` document after Stage 2 and Stage 3 packs: built from the valid sample packs
of every release at several points of the claim, it validates against that release's GetClaim
Data XSD and carries each pack where payloads.md section 7 puts it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from gateway.config import PROJECT_ROOT
from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import london
from gateway.domain.services import Service, Side
from gateway.service import messages as m
from gateway.service.claims.data_document import DataSources, StoredPack, build_data, render
from gateway.store.models import Claim
from gateway.validation.packs import Pack
from gateway.validation.registry import ReleaseRegistry
from tests.e2e import claims
from tests.harness import Harness

SAMPLES = Path(__file__).resolve().parent.parent / "conformance" / "samples"
RELEASES = [("rta", "R5"), ("rta", "R6"), ("rta", "R7"), ("elpl", "R5"), ("elpl", "R6")]
RTA_RELEASES = [r for r in RELEASES if r[0] == "rta"]
CALENDAR = BusinessCalendar()  # statutory England and Wales holidays

ISP_1 = date(2027, 1, 11)  # a Monday
ISP_1_ANSWER = date(2027, 1, 20)
ISP_2 = date(2027, 2, 1)
S2SP = date(2027, 3, 1)
S2SP_ANSWER = date(2027, 3, 10)
CR_COUNTER = date(2027, 3, 15)
CM_COUNTER = date(2027, 3, 22)
AD = date(2027, 4, 12)
AD_ANSWER = date(2027, 4, 20)
CPP = date(2027, 5, 10)
CPP_ANSWER = date(2027, 5, 13)

Step = tuple[Pack, str, date]
ISP_ROUND: list[Step] = [
    (Pack.ISP_REQUEST, "valid-request.xml", ISP_1),
    (Pack.ISP_RESPONSE, "valid-partial.xml", ISP_1_ANSWER),
]
SETTLEMENT: list[Step] = [
    (Pack.S2SP_REQUEST, "valid-request.xml", S2SP),
    (Pack.S2SP_RESPONSE, "valid-counter-offer.xml", S2SP_ANSWER),
    (Pack.S2SP_COUNTER_OFFER_CR, "valid-counter-offer.xml", CR_COUNTER),
    (Pack.S2SP_COUNTER_OFFER_CM, "valid-new-counter-offer.xml", CM_COUNTER),
]
ADDITIONAL: list[Step] = [
    (Pack.AD_REQUEST, "valid-request.xml", AD),
    (Pack.AD_RESPONSE, "valid-counter-offer.xml", AD_ANSWER),
]
COURT: list[Step] = [
    (Pack.CPP_REQUEST, "valid-request.xml", CPP),
    (Pack.CPP_RESPONSE, "valid-response.xml", CPP_ANSWER),
]


@pytest.fixture(scope="module")
def registry() -> ReleaseRegistry:
    return ReleaseRegistry.load(PROJECT_ROOT / "schemas", eager=False)


def _claim(service: str, release: str, **extra: object) -> Claim:
    values: dict[str, object] = {
        "application_id": "0000000000000042",
        "service": service,
        "release": release,
        "version_major": 7,
        "version_minor": 0,
        "claim_type": None if service == "rta" else "EL",
        "phase": "InterimPaymentDecision",
        "guid": "G",
        "ended": False,
        "cr_org_id": "CR00001",
        "comp_org_id": "COMP001",
        "comp_branch_id": "001",
        "cr_reference": "REF/1",
        "cr_reference_key": "ref/1",
        "child_claim": False,
        "sent_date": date(2026, 11, 20),
        "liability_rule": "D2",
        "liability_deadline": date(2026, 12, 11),
        "child_at_stage1": False,
        "gdpr_deleted": False,
        "created_at": datetime(2026, 11, 20, tzinfo=UTC),
    }
    values.update(extra)
    return Claim(**values)


def _packs(service: str, release: str, steps: list[Step]) -> tuple[StoredPack, ...]:
    numbers: Counter[Pack] = Counter()
    stored = []
    for kind, sample, on in steps:
        numbers[kind] += 1
        text = (SAMPLES / service / release / kind.value / sample).read_text("utf-8")
        stored.append(StoredPack(kind, numbers[kind], text, on))
    return tuple(stored)


def _data(
    registry: ReleaseRegistry, service: str, release: str, claim: Claim, steps: list[Step]
) -> etree._Element:
    """The Data document of ``claim`` after ``steps``, checked valid against its release."""
    name = "valid-adult.xml" if service == "rta" else "valid-el.xml"
    response = SAMPLES / service / release / "insurer-response" / "valid-admitted.xml"
    data = build_data(
        DataSources(
            claim=claim,
            cnf_xml=(SAMPLES / service / release / "cnf" / name).read_text("utf-8"),
            caller_side=Side.CR,
            today=date(2027, 5, 14),
            insurer_response_xml=response.read_text("utf-8"),
            response_date=date(2026, 12, 3),
            packs=_packs(service, release, steps),
            calendar=CALENDAR,
        )
    )
    schema = registry.schema_for(Service(service), release, Pack.DATA).schema
    document = etree.fromstring(render(data).encode())
    assert schema.validate(document), [str(e) for e in schema.error_log]
    assert not list(data.iter("ReferralSourceInfo"))
    return data


def _one(data: etree._Element, path: str) -> etree._Element:
    found = data.findall(path)
    assert len(found) == 1, f"{path}: {len(found)} found"
    return found[0]


def _by_type(data: etree._Element, path: str) -> dict[str | None, etree._Element]:
    return {line.get("LossType"): line for line in data.iterfind(path)}


# ---------------------------------------------------------------------------------- interim
@pytest.mark.parametrize(("service", "release"), RELEASES)
def test_after_isp_request_only(registry: ReleaseRegistry, service: str, release: str) -> None:
    claim = _claim(
        service,
        release,
        deadline_rule="D6",
        deadline_date=date(2027, 2, 1),
        interim_value=Decimal("2356.40"),
        interim_extended=False,
        isp_sent_date=ISP_1,
    )
    data = _data(registry, service, release, claim, ISP_ROUND[:1])
    pack = _one(data, "InterimSettlementPackList/InterimSettlementPack")
    assert pack.get("InterimPaymentNumber") == "1"
    request = _one(pack, "InterimPayment/ClaimantRequestForInterimPayment")
    assert request.get("DateOfRequest") == "2027-01-11"
    assert request.get("ValueOfInterimRequest") == "2356.40"
    assert request.get("PaymentDecision") is None
    assert request.get("ReasonsForInterimPaymentRequest", "").startswith("Loss of earnings")
    assert pack.find("DefendantReplies") is None
    assert pack.find("InterimPayment/DefendantResponsesToInterimPaymentRequest") is None
    assert _by_type(pack, "ClaimantLosses/ClaimantLossesToDate")["5"].get(
        "ValueClaimedAfterContrib"
    ) == ("1840.00")
    assert _one(pack, "Total/LossesTotal").get("TotalHeads") == "2356.40"
    assert data.find("Stage2SettlementPack") is None
    assert data.find("CourtProceedingsPack") is None
    assert _one(data, "ApplicationData/ClaimDetails").get("InterimPaymentTimeoutExtended") == "0"
    current = _one(data, "Timeouts/CurrentTimeout")
    assert (current.get("TimeOutType"), current.get("SelectedTimeOut")) == ("22", "2027-02-01")
    high = _one(data, "Timeouts/PreCalculatedTimeouts/InterimSettlementPack/HighPayment")
    assert high.get("InterimPaymentTimeout") == "2027-02-01"  # D6: 15 BD from the ISP
    assert data.find("Timeouts/PreCalculatedTimeouts/InterimSettlementPack/LowPayment") is None


@pytest.mark.parametrize(("service", "release"), RELEASES)
def test_after_isp_response(registry: ReleaseRegistry, service: str, release: str) -> None:
    claim = _claim(
        service,
        release,
        phase="AcknowledgePartialPaymentDecision",
        interim_value=Decimal("2356.40"),
        interim_extended=True,
        isp_sent_date=ISP_1,
        interim_response_date=ISP_1_ANSWER,
        partial_payment_accepted=True,
        partial_decision_date=date(2027, 1, 22),
    )
    data = _data(registry, service, release, claim, ISP_ROUND)
    pack = _one(data, "InterimSettlementPackList/InterimSettlementPack")
    replies = _by_type(pack, "DefendantReplies/DefendantResponse")
    assert replies["5"].get("GrossValueOffered") == "1500.00"
    assert replies["5"].get("ValueOfferedAfterContrib") == "1500.00"
    assert replies["5"].get("AmountInDispute") == "340.00"
    assert replies["8"].get("AmountInDispute") == "0.00"
    totals = _one(pack, "Total/LossesTotal")
    assert totals.get("CRUDeductions") == "0.00"  # from the response, as sent
    assert totals.get("LossesOffered") == "2016.40"
    assert totals.get("NetValue") == "2016.40"
    assert totals.get("InterimPaymentReceived") == "0.00"
    assert (totals.get("TotalOtherLosses") is not None) is (release == "R7" and service == "rta")
    answer = _one(pack, "InterimPayment/DefendantResponsesToInterimPaymentRequest")
    assert answer.get("DateOfResponse") == "2027-01-20"
    assert answer.get("ValueOfInterimPaymentAgreed") == "2016.40"
    assert answer.get("AdditionalComments", "").startswith("Travel expenses agreed")
    request = _one(pack, "InterimPayment/ClaimantRequestForInterimPayment")
    assert request.get("PaymentDecision") == "AC"
    dates = _one(pack, "Phase2ClaimantDefendantDates")
    assert dates.get("DateOfDefendantResponse") == "2027-01-20"
    assert dates.get("DateOfPaymentDecision") == "2027-01-22"
    assert _one(pack, "DefendantRepresentative/CRUReference").get("CRUReferenceNumber") == "KLM482"
    assert _one(data, "ApplicationData/ApplicationIDs").get("CRUReferenceNumber") == "KLM482"
    assert _one(data, "ApplicationData/ClaimDetails").get("InterimPaymentTimeoutExtended") == "1"
    assert _one(data, "Timeouts/CurrentTimeout").get("TimeOutType") == ""
    high = _one(data, "Timeouts/PreCalculatedTimeouts/InterimSettlementPack/HighPayment")
    assert high.get("InterimPaymentTimeout") == "2027-02-22"  # D7: 30 BD from the ISP


@pytest.mark.parametrize(("service", "release"), RELEASES)
def test_two_isps(registry: ReleaseRegistry, service: str, release: str) -> None:
    claim = _claim(
        service,
        release,
        deadline_rule="D5",
        deadline_date=date(2027, 2, 15),
        interim_value=Decimal("900.00"),
        isp_sent_date=ISP_2,
        partial_payment_accepted=None,
        interim_rejection_comment="Second request refused: no evidence.",
    )
    steps = [*ISP_ROUND, (Pack.ISP_REQUEST, "valid-request.xml", ISP_2)]
    data = _data(registry, service, release, claim, steps)
    first, second = data.findall("InterimSettlementPackList/InterimSettlementPack")
    assert (first.get("InterimPaymentNumber"), second.get("InterimPaymentNumber")) == ("1", "2")
    assert first.find("DefendantReplies") is not None
    assert second.find("DefendantReplies") is None
    request = _one(second, "InterimPayment/ClaimantRequestForInterimPayment")
    assert request.get("DateOfRequest") == "2027-02-01"
    assert _one(second, "Total/LossesTotal").get("InterimPaymentReceived") == "2016.40"
    rejected = _one(data, "ApplicationData/InterimPackRejected")
    assert rejected.get("InterimPackRejectionComment") == "Second request refused: no evidence."
    low = _one(data, "Timeouts/PreCalculatedTimeouts/InterimSettlementPack/LowPayment")
    assert low.get("InterimPaymentTimeout") == "2027-02-15"  # D5: 10 BD from the second ISP


@pytest.mark.parametrize(("service", "release"), RTA_RELEASES)
def test_value_claimed_after_contribution(
    registry: ReleaseRegistry, service: str, release: str
) -> None:
    steps = [(Pack.ISP_REQUEST, "valid-request.xml", ISP_1)]
    claim = _claim(service, release, interim_value=Decimal("1918.40"), isp_sent_date=ISP_1)
    packs = list(_packs(service, release, steps))
    text = packs[0].xml.replace(
        'GrossValueClaimed="1840.00" PercContribNegDeductions="0.00"',
        'GrossValueClaimed="1840.00" PercContribNegDeductions="25.00"',
    )
    assert text != packs[0].xml
    data = build_data(
        DataSources(
            claim=claim,
            cnf_xml=(SAMPLES / service / release / "cnf" / "valid-adult.xml").read_text("utf-8"),
            caller_side=Side.COMP,
            today=date(2027, 1, 12),
            packs=[StoredPack(Pack.ISP_REQUEST, 1, text, ISP_1)],
        )
    )
    pack = _one(data, "InterimSettlementPackList/InterimSettlementPack")
    line = _by_type(pack, "ClaimantLosses/ClaimantLossesToDate")["5"]
    assert line.get("ValueClaimedAfterContrib") == "1380.00"  # 1840 x (1 - 25/100)
    request = _one(pack, "InterimPayment/ClaimantRequestForInterimPayment")
    assert request.get("ValueOfInterimRequest") == "1896.40"  # 1380 + 420 + 96.40
    assert data.find("Timeouts/PreCalculatedTimeouts") is not None  # liability only
    assert data.find("Timeouts/PreCalculatedTimeouts/InterimSettlementPack") is None  # no calendar


# ------------------------------------------------------------------------------- settlement
@pytest.mark.parametrize(("service", "release"), RELEASES)
def test_settlement_with_counter_offers(
    registry: ReleaseRegistry, service: str, release: str
) -> None:
    claim = _claim(
        service,
        release,
        phase="Stage2SettlementPackAgreementDecision",
        deadline_rule="D11",
        deadline_date=date(2027, 4, 30),
        s2sp_sent_date=S2SP,
        settlement_decision="NEWCO",
        child_at_stage2_request=False,
        extension_date=date(2027, 4, 30),
        extension_reason="1",
    )
    data = _data(registry, service, release, claim, [*ISP_ROUND, *SETTLEMENT])
    pack = _one(data, "Stage2SettlementPack")
    offers = _by_type(pack, "ClaimantLosses/CurrentClaimantOffer")
    assert offers["5"].get("GrossValueClaimed") == "1840.00"
    replies = pack.findall("DefendantReplies/CurrentDefendantResponse")
    assert replies and all(r.get("GrossValueOffered") for r in replies)  # the CM counter's lines
    agreed = {r.get("LossType"): r.get("AgreedInS2SP") for r in replies}
    assert agreed["5"] == "0" and agreed["8"] == "1"
    agreement = _one(pack, "AgreementData")
    assert agreement.get("Comments") == "Offer open for the protocol period."
    claimant = agreement.findall("ClaimantResponsesToDefendantReplies")
    defendant = agreement.findall("DefendantResponsesToClaimantReplies")
    assert [r.get("DateOfReply") for r in claimant] == ["2027-03-01", "2027-03-15"]
    assert [r.get("DateOfReply") for r in defendant] == ["2027-03-10", "2027-03-22"]
    assert claimant[1].get("GrossAmount") == "4500.00"
    assert claimant[1].get("Comments") == "Revised figure for earnings."
    assert defendant[1].get("GrossAmount") == "4300.00"
    assert float(defendant[1].get("AgreedAmount", "")) > 0
    final = _one(agreement, "FinalAgreementDetails")
    assert final.get("SettlementPackDecision") == "CO"
    assert final.get("SettlementPackCounterOfferDecision") == "NEWCO"
    assert final.get("AgreementReached") == "0"
    assert _one(final, "AgreementDetails").get("GrossAmount") == "4300.00"
    extended = _one(pack, "LastExtendedTime")
    assert extended.get("NewTimeOutDate") == "2027-04-30"
    assert extended.get("ReasonForExtension") == "1"
    dates = _one(pack, "Stage2ClaimantDefendantDates")
    assert dates.get("DateOfClaimantFirstOffer") == "2027-03-01"
    assert dates.get("DateOfClaimantLastOffer") == "2027-03-15"
    assert dates.get("DateOfDefendantFirstReply") == "2027-03-10"
    assert dates.get("DateOfDefendantLastReply") == "2027-03-22"
    assert _one(pack, "Total/CurrentTotal").get("CRUDeductions") == "0.00"
    uplift = _one(pack, "Total/CurrentTotal").get("TotalUplift")
    assert uplift == ("215.00" if release == "R7" and service == "rta" else None)
    child = _one(data, "ApplicationData/ClaimantDetails")
    assert child.get("isClaimantChildAtStage2Request") == "0"
    assert child.get("isClaimantChildAtStage2Agreement") is None
    current = _one(data, "Timeouts/CurrentTimeout")
    assert (current.get("TimeOutType"), current.get("SelectedTimeOut")) == ("35", "2027-04-30")
    s2sp = _one(data, "Timeouts/PreCalculatedTimeouts/Stage2SettlementPack/*")
    assert s2sp.get("Stage2DecisionOrCounterOfferTimeout") == "2027-04-30"
    assert data.find("Stage2AdditionalDamagesPack") is None


@pytest.mark.parametrize(("service", "release"), RELEASES)
def test_settlement_request_in_initial_period(
    registry: ReleaseRegistry, service: str, release: str
) -> None:
    claim = _claim(
        service,
        release,
        phase="Stage2SettlementPackDecision",
        deadline_rule="D8",
        deadline_date=date(2027, 3, 22),
        s2sp_sent_date=S2SP,
        child_at_stage2_request=True,
    )
    data = _data(registry, service, release, claim, SETTLEMENT[:1])
    pack = _one(data, "Stage2SettlementPack")
    assert pack.find("DefendantReplies") is None
    assert pack.find("LastExtendedTime") is None
    rows = _one(pack, "AgreementData").findall("ClaimantResponsesToDefendantReplies")
    assert len(rows) == 1 and rows[0].get("DateOfReply") == "2027-03-01"
    assert _one(pack, "AgreementData/FinalAgreementDetails").get("AgreementReached") == "0"
    assert _one(data, "ApplicationData/ClaimantDetails").get("isClaimantChildAtStage2Request") == (
        "1"
    )
    s2sp = _one(data, "Timeouts/PreCalculatedTimeouts/Stage2SettlementPack/*")
    assert s2sp.get("Stage2DecisionOrCounterOfferTimeout") == "2027-03-22"  # D8: 15 BD


@pytest.mark.parametrize(("service", "release"), RELEASES)
def test_settlement_confirmed(registry: ReleaseRegistry, service: str, release: str) -> None:
    claim = _claim(
        service,
        release,
        phase="Stage2SettlementPackConfirmation",
        s2sp_sent_date=S2SP,
        settlement_decision="C",
        child_at_stage2_request=False,
        child_at_stage2_agreement=False,
    )
    steps = [SETTLEMENT[0], (Pack.S2SP_RESPONSE, "valid-confirm.xml", S2SP_ANSWER)]
    data = _data(registry, service, release, claim, steps)
    final = _one(data, "Stage2SettlementPack/AgreementData/FinalAgreementDetails")
    assert (final.get("SettlementPackDecision"), final.get("AgreementReached")) == ("C", "1")
    child = _one(data, "ApplicationData/ClaimantDetails")
    assert child.get("isClaimantChildAtStage2Agreement") == "0"
    # Once no S2SP deadline runs: D9, 35 BD from the S2SP
    s2sp = _one(data, "Timeouts/PreCalculatedTimeouts/Stage2SettlementPack/*")
    assert s2sp.get("Stage2DecisionOrCounterOfferTimeout") == "2027-04-21"


# ------------------------------------------------------------------------ additional damages
@pytest.mark.parametrize(("service", "release"), RTA_RELEASES)
def test_additional_damages(registry: ReleaseRegistry, service: str, release: str) -> None:
    claim = _claim(
        service,
        release,
        phase="Stage2SettlementPackAdditionalDamagesAgreementDecision",
        s2sp_sent_date=S2SP,
        settlement_decision="NEWCO",
        additional_damages=True,
        ad_sent_date=AD,
        extension_date=date(2027, 5, 7),
        extension_reason="1",
        child_at_stage2_agreement_ad=True,
    )
    data = _data(registry, service, release, claim, [*SETTLEMENT, *ADDITIONAL])
    pack = _one(data, "Stage2AdditionalDamagesPack")
    offers = _by_type(pack, "ClaimantLosses/CurrentClaimantOffer")
    assert offers["1"].get("GrossValueClaimed") == "1764.00"
    replies = _by_type(pack, "DefendantReplies/CurrentDefendantResponse")
    assert replies["1"].get("GrossValueOffered") == "1120.00"
    assert replies["8"].get("AgreedInS2SP") == "1"  # agreed by the CM counter offer
    assert replies["1"].get("AgreedInS2SP") == "0"
    agreement = _one(pack, "AgreementData")
    assert _one(agreement, "ClaimantResponsesToDefendantReplies").get("DateOfReply") == (
        "2027-04-12"
    )
    assert _one(agreement, "DefendantResponsesToClaimantReplies").get("GrossAmount") == "5600.00"
    final = _one(agreement, "FinalAgreementDetails")
    assert (final.get("AdditionalDamagesDecision"), final.get("AgreementReached")) == ("CO", "0")
    assert _one(pack, "LastExtendedTime").get("NewTimeOutDate") == "2027-05-07"
    assert data.find("Stage2SettlementPack/LastExtendedTime") is None
    child = _one(data, "ApplicationData/ClaimantDetails")
    assert child.get("isClaimantChildAtStage2AgreementAD") == "1"
    ad = _one(data, "Timeouts/PreCalculatedTimeouts/Stage2AdditionalDamagesPack/*")
    assert ad.get("Stage2AdditionalDamagesDecisionTimeout") == "2027-05-07"  # the agreed D11


@pytest.mark.parametrize(("service", "release"), RTA_RELEASES)
def test_additional_damages_request_running_d12(
    registry: ReleaseRegistry, service: str, release: str
) -> None:
    claim = _claim(
        service,
        release,
        phase="Stage2SettlementPackAdditionalDamagesDecision",
        deadline_rule="D12",
        deadline_date=date(2027, 5, 4),
        s2sp_sent_date=S2SP,
        ad_sent_date=AD,
    )
    data = _data(registry, service, release, claim, [*SETTLEMENT, ADDITIONAL[0]])
    pack = _one(data, "Stage2AdditionalDamagesPack")
    assert pack.find("DefendantReplies") is None
    assert _one(data, "Timeouts/CurrentTimeout").get("TimeOutType") == "41"
    ad = _one(data, "Timeouts/PreCalculatedTimeouts/Stage2AdditionalDamagesPack/*")
    assert ad.get("Stage2AdditionalDamagesDecisionTimeout") == "2027-05-04"


# ------------------------------------------------------------------------- court proceedings
@pytest.mark.parametrize(("service", "release"), RELEASES)
def test_court_proceedings(registry: ReleaseRegistry, service: str, release: str) -> None:
    rta = service == "rta"
    claim = _claim(
        service,
        release,
        phase="CourtProceedingsPackDecisionEnd",
        s2sp_sent_date=S2SP,
        settlement_decision="NEWCO",
        ad_sent_date=AD if rta else None,
        cpp_sent_date=CPP,
    )
    steps = [*ISP_ROUND, *SETTLEMENT, *(ADDITIONAL if rta else []), *COURT]
    data = _data(registry, service, release, claim, steps)
    pack = _one(data, "CourtProceedingsPack")
    disputed = "DisbursmentDisputed" if rta else "DisbursementDisputed"
    rows = {r.get("DisbursementId"): r for r in pack.iterfind(f"{disputed}/*")}
    assert set(rows) == {"1", "2"}
    assert rows["1"].get("AmountClaimed") == "180.00"  # from the request
    assert rows["1"].get("ReasonForNotPayingFullDisbursement") == "Fee above the fixed MedCo rate"
    assert rows["2"].get("ReasonForNotPayingFullDisbursement") is None
    part_a = _one(pack, "CourtProceedingsPackPartA")
    assert part_a.get("AllDisbursementAgreedAndPaid") == "0"  # request
    assert part_a.get("CRUBenefitsReceived") == "0.00"  # response
    part_b = _one(pack, "CourtProceedingsPackPartB")
    assert part_b.get("ClaimantFinalOffer") == "4200.00"
    assert _one(part_b, "FixedCosts").get("Stage1FixedCostsPaid") == "1"
    legal = _one(pack, "DefendantLegalRepresentative")
    assert legal.get("HasDefendantNamedLegalRep") == "1"  # the response's answer prevails
    assert pack.findall("ClaimantLosses/LastClaimantOffer")
    assert pack.findall("DefendantReplies/LastDefendantResponse")
    dates = _one(pack, "CourtProceedingsDates")
    assert (dates.get("DateOfRequest"), dates.get("DateOfResponse")) == ("2027-05-10", "2027-05-13")
    cpp = _one(data, "Timeouts/PreCalculatedTimeouts/CourtProceedingsPack/CourtProceedings")
    assert cpp.get("CourtProceedingsTimeout") == "2027-05-17"  # D13: 5 BD
    assert len(data.findall("InterimSettlementPackList/InterimSettlementPack")) == 1
    assert (data.find("Stage2AdditionalDamagesPack") is not None) is rta


# ------------------------------------------------------------------- getClaim, in process
def test_get_claim_carries_the_stored_packs(harness: Harness, registry: ReleaseRegistry) -> None:
    """``getClaim`` loads the stored packs, their dates and the calendar (``reads._sources``)."""
    claim = harness.decided("DATA-ISP")
    claim = harness.step("acknowledgeLiabilityAdmitted", claim, "cr-rta-ch")
    claim = harness.step("setStage1Payment", claim, "cr-rta-ch", is_stage1_paid=True)
    claim = harness.step(
        "setInterimPaymentNeeded", claim, "cr-rta-ch", is_interim_payment_needed=True
    )
    claim = harness.step(
        "addInterimSPFRequest", claim, "cr-rta-ch", ispf_request_xml=claims.isp_request()
    )
    claim = harness.step(
        "addInterimSPFResponse",
        claim,
        "comp-rta-ch",
        ispf_response_xml=claims.isp_response(full=False),
    )
    request = m.GetClaim(application_id=claim.application_id)
    text = harness.ok("getClaim", request, as_="cr-rta-ch").value
    data = etree.fromstring(text.encode())
    schema = registry.schema_for(Service.RTA, "R7", Pack.DATA).schema
    assert schema.validate(data), [str(e) for e in schema.error_log]
    pack = _one(data, "InterimSettlementPackList/InterimSettlementPack")
    today = harness.clock.now().astimezone(london()).date().isoformat()
    request_node = _one(pack, "InterimPayment/ClaimantRequestForInterimPayment")
    assert request_node.get("DateOfRequest") == today
    answer = _one(pack, "InterimPayment/DefendantResponsesToInterimPaymentRequest")
    assert answer.get("DateOfResponse") == today
    timeouts = data.find("Timeouts/PreCalculatedTimeouts/InterimSettlementPack/*")
    assert timeouts is not None and timeouts.get("InterimPaymentTimeout")
