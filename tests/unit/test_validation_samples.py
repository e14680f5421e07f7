"""Small valid packs the validation unit tests start from, and the checks that they are valid.

Every sample is XSD-valid for its release and breaks no business rule on ``SENT_DATE``; a rule
test changes one thing (``edit``) and expects exactly that rule to speak. Names, addresses and
references are invented.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from gateway.domain.services import Service
from gateway.validation.context import RuleContext
from gateway.validation.engine import check_document
from gateway.validation.packs import Pack
from gateway.validation.registry import ReleaseRegistry

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
SENT_DATE = date(2026, 11, 24)

CNF_RTA_R7 = """\
<DocumentInput>
  <ApplicationData>
    <ClaimDetails Signatory="S" RetainedCopy="1" ClaimValue="1" OICReferenceNumber="OIC-12345"/>
  </ApplicationData>
  <ClaimAndClaimantDetails>
    <ClaimantRepresentative>
      <CompanyDetails CompanyName="Smith and Jones Solicitors" EmailAddress="claims@example.org"
          ContactName="Alice" ContactSurname="Brown" TelephoneNumber="01632 960001"
          ReferenceNumber="SJ/2026/0001">
        <Address Country="UK" PostCode="LS1 4AB" City="Leeds" Street1="1 Park Row"/>
      </CompanyDetails>
      <ReferralSourceInfo ReferralSource="F"/>
    </ClaimantRepresentative>
    <DefendantDetails DefendantStatus="P" PolicyNumberReference="POL123456">
      <PersonalDetails Name="David" Surname="Green" TitleType="1"/>
      <Vehicle VRN="AB12CDE" Make="Ford" Model="Focus"/>
      <InsurerInformation InsurerName="Example Insurance" InsurerOrganizationID="COMP009"
          InsurerOrganizationPath="/COMP009" InsurerType="I"/>
    </DefendantDetails>
    <ClaimantDetails Occupation="Teacher" ChildClaim="0" NationalInsuranceNumber="AB123456C"
        AskCUEPIReference="ASKCUEPI12345">
      <PersonalDetails Name="Carol" Surname="White" DateOfBirth="1980-05-17" TitleType="2" Sex="F">
        <Address Country="United Kingdom" PostCode="ls2 7ef" City="Leeds" Street1="10 High Street"
            AddressType="P"/>
      </PersonalDetails>
      <Vehicle VRN="XY34ZZZ"/>
    </ClaimantDetails>
  </ClaimAndClaimantDetails>
  <MedicalDetails>
    <Injury Whiplash="1" InjurySustainedDescription="Neck pain" TimeOffRequired="1"
        TimeOffPeriod="10" MedicalAttentionSeeking="1" MedicalAttentionFirstDate="2026-10-02"
        HospitalAttendance="0"/>
    <Rehabilitation RehabilitationUndertaken="0"/>
  </MedicalDetails>
  <RepairsAndAlternativeVehicleProvision>
    <Repairs ClaiimingDamageOwnVehicle="0"/>
  </RepairsAndAlternativeVehicleProvision>
  <AccidentData>
    <AccidentDetails ClaimantType="0" AccidentDate="2026-10-01" AccidentTime="08:30"
        AccidentLocation="Leeds ring road" AccidentDescription="Hit in rear at lights">
      <WeatherConditions Rain="1"/>
      <RoadConditions Wet="1"/>
      <AccidentCircumstances VhclHitInRear="1"/>
    </AccidentDetails>
    <BusCoach BussOrCoach="0"/>
  </AccidentData>
  <LiabilityFunding>
    <Liability DefendantResponsability="The defendant drove into the rear of the claimant's car."/>
  </LiabilityFunding>
</DocumentInput>
"""

CNF_ELPL_R6 = """\
<DocumentInput>
  <ApplicationData>
    <ClaimDetails Signatory="S" RetainedCopy="1" ClaimValue="1" ClaimType="EL"
        NotificationDate="2026-11-20"/>
  </ApplicationData>
  <ClaimAndClaimantDetails>
    <ClaimantRepresentative>
      <CompanyDetails CompanyName="Smith and Jones Solicitors" EmailAddress="claims@example.org"
          ContactName="Alice" ContactSurname="Brown" TelephoneNumber="01632 960001"
          ReferenceNumber="SJ/EL/0001"/>
    </ClaimantRepresentative>
    <DefendantDetails DefendantStatus="B" PolicyNumberReference="EL-POL-1">
      <InsurerInformation InsurerName="Example Insurance" InsurerOrganizationID="COMP009"
          InsurerOrganizationPath="/COMP009"/>
      <CompanyDetails CompanyName="Acme Widgets Ltd"/>
    </DefendantDetails>
    <ClaimantDetails Occupation="Machinist" ChildClaim="0" NationalInsuranceNumber="AB123456C">
      <PersonalDetails Name="Carol" Surname="White" DateOfBirth="1980-05-17" TitleType="2">
        <Address Country="England" PostCode="M1 1AE" City="Manchester" Street1="5 Mill Lane"/>
      </PersonalDetails>
    </ClaimantDetails>
  </ClaimAndClaimantDetails>
  <MedicalDetails>
    <Injury InjurySustainedDescription="Crushed finger" TimeOffRequired="0"
        MedicalAttentionSeeking="0" HospitalAttendance="0"/>
    <Rehabilitation RehabilitationUndertaken="0"/>
  </MedicalDetails>
  <AccidentData>
    <AccidentDetails AccidentDate="2026-09-01" AccidentTime="14:00" AccidentLocation="Factory floor"
        AccidentDescription="Hand caught in press" IncidentReported="1"/>
  </AccidentData>
  <LiabilityFunding>
    <Liability DefendantResponsibility="Unguarded machine."/>
  </LiabilityFunding>
</DocumentInput>
"""

INSURER_RESPONSE = """\
<InsurerResponseA2A Capacity="0">
  <LiabilityCausation LiabilityDecision="A">
    <DefendantAdmits AccidentOccurred="1" CausedByDefendant="1" CausedSomeLossToTheClaimant="1"/>
  </LiabilityCausation>
  <ProvidedServices PreparedToProvideReabilitation="0" ReabilitationProvided="0" AltVchlProvided="0"
      RepairsProvided="0">
    <DefendantsInsurer ContactName="Eve" ContactSurname="Black" TelephoneNumber="01632 960002"
        EmailAddress="eve@example.com"/>
  </ProvidedServices>
</InsurerResponseA2A>
"""

ISP_REQUEST = """\
<InterimSettlementPackRequest>
  <ClaimantRepresentative>
    <CompanyDetails ContactName="Alice" ContactSurname="Brown" ReferenceNumber="SJ/2026/0001"/>
    <MedCoCase SoftTissue="1" MedCoCaseID="123456/1"/>
  </ClaimantRepresentative>
  <MedicalReport MedicalReportStage2_1="1"/>
  <InterimPayment>
    <ClaimantRequestForInterimPayment ReasonsForInterimPaymentRequest="Loss of earnings"/>
  </InterimPayment>
  <ClaimantLosses>
    <ClaimantLossesToDate LossType="5" EvidenceAttached="1" GrossValueClaimed="1500.00"
        PercContribNegDeductions="0" ItemBeingPursued="1"/>
    <ClaimantLossesToDate LossType="8" EvidenceAttached="1" GrossValueClaimed="200.00"
        PercContribNegDeductions="10"/>
  </ClaimantLosses>
  <StatementOfTruth RetainedSignedCopy="1" SignatoryType="S"/>
</InterimSettlementPackRequest>
"""

ISP_RESPONSE = """\
<InterimSettlementPackResponse>
  <DefendantRepresentative>
    <DefendantsInsurer ContactName="Eve" ContactSurname="Black" ReferenceNumber="INS-0001"/>
    <CRUReference CRUReferenceNumber="ABC123"/>
  </DefendantRepresentative>
  <InterimPayment>
    <DefendantResponsesToInterimPaymentRequest AdditionalComments="Agreed"/>
  </InterimPayment>
  <DefendantReplies>
    <DefendantResponse LossType="5" IsGrossAmountAgreed="1" PercContribNegDeductions="0"
        GrossValueOffered="1500.00"/>
    <DefendantResponse LossType="8" IsGrossAmountAgreed="1" PercContribNegDeductions="10"
        GrossValueOffered="200.00"/>
  </DefendantReplies>
  <Total>
    <LossesTotal CRUDeductions="0.00"/>
  </Total>
</InterimSettlementPackResponse>
"""

S2SP_REQUEST = """\
<Stage2SettlementPackRequest>
  <ClaimantRepresentative ContactName="Alice" ContactSurname="Brown" ReferenceNumber="SJ/2026/0001">
    <MedCoCase SoftTissue="1" MedCoCaseID="123456/1"/>
  </ClaimantRepresentative>
  <MedicalReport MedicalReportStage2="1"/>
  <ClaimantLosses>
    <CurrentClaimantOffer LossType="16" EvidenceAttached="1" GrossValueClaimed="840.00"
        PercContribNegDeductions="0" Interest="0.00" TariffType="1" SelectDurationOfTheInjury="3"
        ExcepCircumstancesUplift="1" ExcepCircumstancesUpliftPerc="10"
        ExcepCircumstancesUpliftNote="Exceptional"/>
    <CurrentClaimantOffer LossType="5" EvidenceAttached="1" GrossValueClaimed="1500.00"
        PercContribNegDeductions="0" Interest="12.50"/>
  </ClaimantLosses>
  <StatementOfTruth RetainedSignedCopy="1" SignatoryType="S"/>
</Stage2SettlementPackRequest>
"""

S2SP_RESPONSE = """\
<Stage2SettlementPackResponse>
  <DefendantRepresentative>
    <DefendantsInsurer ContactName="Eve" ContactSurname="Black" ReferenceNumber="INS-0001"/>
    <CRUReference CRUComment="Not yet known"/>
  </DefendantRepresentative>
  <DefendantReplies>
    <CurrentDefendantResponse GrossValueClaimed="840.00" IsGrossAmountAgreed="1"
        PercContribNegDeductions="0" Interest="0.00" LossType="16" TariffType="1"
        SelectDurationOfTheInjury="3"/>
    <CurrentDefendantResponse GrossValueClaimed="1500.00" IsGrossAmountAgreed="1"
        PercContribNegDeductions="0" Interest="12.50" LossType="5"/>
  </DefendantReplies>
  <Total>
    <CurrentTotal CRUDeductions="0.00"/>
  </Total>
  <AgreementData>
    <FinalAgreementDetails SettlementPackDecision="C">
      <AgreementDetails GrossAmount="2352.50" InterimPaymentAmount="0.00"/>
    </FinalAgreementDetails>
  </AgreementData>
</Stage2SettlementPackResponse>
"""

COUNTER_OFFER_CR = """\
<Stage2SettlementPackCounterOfferByCR>
  <ClaimantLosses>
    <CurrentClaimantOffer LossType="5" EvidenceAttached="1" GrossValueClaimed="1400.00"
        PercContribNegDeductions="0" Interest="10.00"/>
  </ClaimantLosses>
  <AgreementData>
    <FinalAgreementDetails>
      <AgreementDetails GrossAmount="1410.00" InterimPaymentAmount="0.00"/>
    </FinalAgreementDetails>
  </AgreementData>
</Stage2SettlementPackCounterOfferByCR>
"""

COUNTER_OFFER_CM = """\
<Stage2SettlementPackCounterOfferByCM>
  <DefendantReplies>
    <CurrentDefendantResponse LossType="5" IsGrossAmountAgreed="1" PercContribNegDeductions="0"
        GrossValueOffered="1400.00" Interest="10.00"/>
  </DefendantReplies>
  <Total>
    <CurrentTotal CRUDeductions="0.00"/>
  </Total>
  <AgreementData>
    <FinalAgreementDetails SettlementPackCounterOfferDecision="ACO">
      <AgreementDetails GrossAmount="1410.00" InterimPaymentAmount="0.00"/>
    </FinalAgreementDetails>
  </AgreementData>
</Stage2SettlementPackCounterOfferByCM>
"""

AD_REQUEST = """\
<Stage2SettlementPackAdditionalDamagesRequest>
  <ClaimantLosses>
    <CurrentClaimantOffer LossType="1" EvidenceAttached="1" GrossValueClaimed="900.00"
        PercContribNegDeductions="0" Interest="0.00"/>
  </ClaimantLosses>
  <AgreementData>
    <FinalAgreementDetails>
      <AgreementDetails GrossAmount="900.00" InterimPaymentAmount="0.00"/>
    </FinalAgreementDetails>
  </AgreementData>
</Stage2SettlementPackAdditionalDamagesRequest>
"""

AD_RESPONSE = """\
<Stage2SettlementPackAdditionalDamagesResponse>
  <DefendantReplies>
    <CurrentDefendantResponse LossType="1" IsGrossAmountAgreed="1" PercContribNegDeductions="0"
        GrossValueOffered="900.00" Interest="0.00"/>
  </DefendantReplies>
  <Total>
    <CurrentTotal CRUDeductions="0.00"/>
  </Total>
  <AgreementData>
    <FinalAgreementDetails AdditionalDamagesDecision="A">
      <AgreementDetails GrossAmount="900.00" InterimPaymentAmount="0.00"/>
    </FinalAgreementDetails>
  </AgreementData>
</Stage2SettlementPackAdditionalDamagesResponse>
"""

CPP_REQUEST = """\
<CourtProceedingPackRequest>
  <ClaimAndClaimantDetails>
    <ClaimantRepresentative>
      <CompanyDetails ContactName="Alice" ContactSurname="Brown" ReferenceNumber="SJ/2026/0001"/>
    </ClaimantRepresentative>
    <ClaimantDetails Occupation_CPP="Teacher"/>
  </ClaimAndClaimantDetails>
  <ClaimantLosses>
    <LastClaimantOffer LossType="5" PercInterestRate="2.00" GrossValueClaimed="1500.00"
        PercContribNegDeductions="10" ValueClaimedAfterContrib="1350.00" EvidenceAttached="1"/>
  </ClaimantLosses>
  <CourtProceedingsPackPartA AllDisbursementAgreedAndPaid="0"/>
  <DisbursmentDisputed>
    <DisbursementDisputedRequestResponse AmountClaimed="100.00" AmountPaid="0.00"
        DisbursementDisputed="Medical report fee" DisbursementId="1"/>
    <DisbursementDisputedRequestResponse AmountClaimed="50.00" AmountPaid="0.00"
        DisbursementDisputed="Court fee" DisbursementId="2"/>
  </DisbursmentDisputed>
  <CourtProceedingsPackPartB ClaimantFinalOffer="1350.00" DefendantFinalOffer="1000.00">
    <FixedCosts Stage1FixedCostsPaid="1" Stage2FixedCostsPaid="1"/>
  </CourtProceedingsPackPartB>
  <DefendantLegalRepresentative HasDefendantNamedLegalRep="0"/>
  <StatementOfTruth RetainedSignedCopy="1" SignatoryType="S"/>
</CourtProceedingPackRequest>
"""

CPP_RESPONSE = """\
<CourtProceedingPackResponse>
  <DefendantRepresentative>
    <DefendantsInsurer ContactName="Eve" ContactSurname="Black" ReferenceNumber="INS-0001">
      <Address AddressType="P"/>
    </DefendantsInsurer>
  </DefendantRepresentative>
  <DefendantReplies>
    <LastDefendantResponse LossType="5" PercContribNegDeductions="10" GrossValueOffered="1200.00"
        ValueOfferedAfterContrib="1080.00" EvidenceAttached="1"/>
  </DefendantReplies>
  <CourtProceedingsPackPartA CRUBenefitsReceived="0.00" UpToDateCRUCertificateAttached="1"/>
  <DisbursmentDisputed>
    <DisbursementDisputedRequestResponse DisbursementId="1"
        ReasonForNotPayingFullDisbursement="Not evidenced"/>
  </DisbursmentDisputed>
  <DefendantLegalRepresentative HasDefendantNamedLegalRep="0"/>
  <CourtProceedingsPackPartB DefendantFinalOffer="1000.00"/>
</CourtProceedingPackResponse>
"""

ISP_RESPONSE_ELPL = """\
<InterimSettlementPackResponse>
  <DefendantRepresentative>
    <DefendantsInsurer ContactName="Eve" ContactSurname="Black" ReferenceNumber="INS-0002"/>
    <CRUReference CRUReferenceNumber="KLM482"/>
  </DefendantRepresentative>
  <InterimPayment>
    <DefendantResponsesToInterimPaymentRequest/>
  </InterimPayment>
  <DefendantReplies>
    <DefendantResponse LossType="5" IsGrossAmountAgreed="1" GrossValueOffered="1500.00"/>
  </DefendantReplies>
  <Total>
    <LossesTotal CRUDeductions="0.00"/>
  </Total>
</InterimSettlementPackResponse>
"""

#: (sample, service, release, pack) of every sample above.
SAMPLES: tuple[tuple[str, Service, str, Pack], ...] = (
    (CNF_RTA_R7, Service.RTA, "R7", Pack.CNF),
    (CNF_ELPL_R6, Service.ELPL, "R6", Pack.CNF),
    (INSURER_RESPONSE, Service.RTA, "R7", Pack.INSURER_RESPONSE),
    (ISP_REQUEST, Service.RTA, "R7", Pack.ISP_REQUEST),
    (ISP_RESPONSE, Service.RTA, "R7", Pack.ISP_RESPONSE),
    (S2SP_REQUEST, Service.RTA, "R7", Pack.S2SP_REQUEST),
    (S2SP_RESPONSE, Service.RTA, "R7", Pack.S2SP_RESPONSE),
    (COUNTER_OFFER_CR, Service.RTA, "R7", Pack.S2SP_COUNTER_OFFER_CR),
    (COUNTER_OFFER_CM, Service.RTA, "R7", Pack.S2SP_COUNTER_OFFER_CM),
    (AD_REQUEST, Service.RTA, "R7", Pack.AD_REQUEST),
    (AD_RESPONSE, Service.RTA, "R7", Pack.AD_RESPONSE),
    (CPP_REQUEST, Service.RTA, "R7", Pack.CPP_REQUEST),
    (CPP_RESPONSE, Service.RTA, "R7", Pack.CPP_RESPONSE),
    (ISP_RESPONSE_ELPL, Service.ELPL, "R6", Pack.ISP_RESPONSE),
)


def edit(xml: str, path: str, **attributes: str | None) -> str:
    """``xml`` with the attributes of the first element at ``path`` (below the root, "." for
    the root itself) set, or removed where the value is None."""
    root = etree.fromstring(xml)
    element = root if path == "." else root.find(path)
    assert element is not None, path
    for name, value in attributes.items():
        if value is None:
            element.attrib.pop(name, "")
        else:
            element.set(name, value)
    return etree.tostring(root, encoding="unicode")


def remove(xml: str, path: str) -> str:
    """``xml`` without the elements at ``path`` (below the root)."""
    root = etree.fromstring(xml)
    for element in root.findall(path):
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)
    return etree.tostring(root, encoding="unicode")


def duplicate(xml: str, path: str, **attributes: str) -> str:
    """``xml`` with a copy of the first element at ``path`` added after it, then edited."""
    root = etree.fromstring(xml)
    element = root.find(path)
    assert element is not None, path
    copy = etree.fromstring(etree.tostring(element))
    copy.tail = element.tail
    for name, value in attributes.items():
        copy.set(name, value)
    element.addnext(copy)
    return etree.tostring(root, encoding="unicode")


@pytest.fixture(scope="session")
def registry() -> ReleaseRegistry:
    return ReleaseRegistry.load(SCHEMAS)


@pytest.mark.parametrize(
    ("xml", "service", "release", "pack"),
    SAMPLES,
    ids=[f"{s.value}-{r}-{p.value}" for _, s, r, p in SAMPLES],
)
def test_sample_is_valid(
    registry: ReleaseRegistry, xml: str, service: Service, release: str, pack: Pack
) -> None:
    report = check_document(registry, xml, service, release, pack, RuleContext(sent_date=SENT_DATE))
    assert report.findings == ()
