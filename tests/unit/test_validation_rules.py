"""Every business rule of payloads.md: one case that breaks it, where it applies, and its limits.

Each case edits a valid sample (``test_validation_samples``) and expects the rule to report the
named path (positional predicates included where the element has same-named siblings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from gateway.domain.services import Service
from gateway.errors import Violation
from gateway.validation.context import RuleContext
from gateway.validation.packs import Pack
from gateway.validation.rules import ALL_RULES, rules_for, run_rules, subject_for
from tests.unit.test_validation_samples import (
    AD_REQUEST,
    AD_RESPONSE,
    CNF_ELPL_R6,
    CNF_RTA_R7,
    COUNTER_OFFER_CM,
    CPP_REQUEST,
    CPP_RESPONSE,
    INSURER_RESPONSE,
    ISP_REQUEST,
    ISP_RESPONSE,
    ISP_RESPONSE_ELPL,
    S2SP_REQUEST,
    S2SP_RESPONSE,
    SENT_DATE,
    duplicate,
    edit,
    remove,
)

RTA, ELPL = Service.RTA, Service.ELPL
CTX = RuleContext(sent_date=SENT_DATE)
DOC = "/DocumentInput"
CLAIMANT = f"{DOC}/ClaimAndClaimantDetails/ClaimantDetails"
ACCIDENT = f"{DOC}/AccidentData/AccidentDetails"
INJURY = f"{DOC}/MedicalDetails/Injury"
CLAIM_DETAILS = f"{DOC}/ApplicationData/ClaimDetails"
REFERRAL = f"{DOC}/ClaimAndClaimantDetails/ClaimantRepresentative/ReferralSourceInfo"


def judge(
    xml: str, service: Service = RTA, release: str = "R7", pack: Pack = Pack.CNF, **context: Any
) -> list[Violation]:
    root = etree.fromstring(xml)
    return run_rules(subject_for(root, service, release, pack, replace(CTX, **context)))


def found(violations: list[Violation]) -> set[tuple[str | None, str]]:
    return {(v.rule, v.path) for v in violations}


@dataclass(frozen=True)
class Case:
    name: str
    xml: Callable[[], str]
    rule: str
    path: str
    service: Service = RTA
    release: str = "R7"
    pack: Pack = Pack.CNF
    context: dict[str, Any] = field(default_factory=dict)


def _eld(**attributes: str | None) -> str:
    xml = edit(CNF_ELPL_R6, "ApplicationData/ClaimDetails", ClaimType="ELD")
    xml = edit(xml, "AccidentData/AccidentDetails", AccidentTime=None)
    return edit(xml, "ClaimAndClaimantDetails/ClaimantDetails", **attributes)


def _pl(**attributes: str | None) -> str:
    xml = edit(CNF_ELPL_R6, "ApplicationData/ClaimDetails", ClaimType="PL")
    xml = edit(xml, "ClaimAndClaimantDetails/DefendantDetails", DefendantStatus="P")
    return edit(xml, "AccidentData/AccidentDetails", **attributes)


E, C = ELPL, Pack  # short names for the table below
INS = "ClaimAndClaimantDetails/DefendantDetails/InsurerInformation"
PERSON = "ClaimAndClaimantDetails/ClaimantDetails/PersonalDetails"

CASES: tuple[Case, ...] = (
    # ---------------------------------------------------------------- CNF, both services
    Case(
        "compensator unknown",
        lambda: CNF_RTA_R7,
        "CNF-01",
        f"{DOC}/{INS}/@InsurerOrganizationPath",
        context={"compensator_lookup": lambda p: None},
    ),
    Case(
        "compensator id",
        lambda: CNF_RTA_R7,
        "CNF-01",
        f"{DOC}/{INS}/@InsurerOrganizationID",
        context={"compensator_lookup": lambda p: ("COMP010", "I")},
    ),
    Case(
        "compensator type",
        lambda: CNF_RTA_R7,
        "CNF-01",
        f"{DOC}/{INS}/@InsurerType",
        context={"compensator_lookup": lambda p: ("COMP009", "M")},
    ),
    Case(
        "claim value code",
        lambda: edit(CNF_RTA_R7, "ApplicationData/ClaimDetails", ClaimValue="3"),
        "CNF-02",
        f"{CLAIM_DETAILS}/@ClaimValue",
    ),
    Case(
        "claim value 2 too early",
        lambda: edit(
            edit(CNF_RTA_R7, "ApplicationData/ClaimDetails", ClaimValue="2"),
            "AccidentData/AccidentDetails",
            AccidentDate="2013-07-30",
        ),
        "CNF-02",
        f"{CLAIM_DETAILS}/@ClaimValue",
    ),
    Case(
        "child without flag",
        lambda: edit(CNF_RTA_R7, PERSON, DateOfBirth="2008-11-25"),
        "CNF-03",
        f"{CLAIMANT}/@ChildClaim",
    ),
    Case(
        "accident in the future",
        lambda: edit(CNF_RTA_R7, "AccidentData/AccidentDetails", AccidentDate="2026-11-25"),
        "CNF-04",
        f"{ACCIDENT}/@AccidentDate",
    ),
    Case(
        "born on the accident day",
        lambda: edit(CNF_RTA_R7, PERSON, DateOfBirth="2026-10-01"),
        "CNF-05",
        f"{CLAIMANT}/PersonalDetails/@DateOfBirth",
    ),
    Case(
        "ELD born after the sent date",
        lambda: edit(
            edit(
                _eld(EmploymentPeriod="2000-2020", ExposurePeriod="2000-2010"),
                "AccidentData/AccidentDetails",
                AccidentDate=None,
            ),
            PERSON,
            DateOfBirth="2026-11-24",
        ),
        "CNF-05",
        f"{CLAIMANT}/PersonalDetails/@DateOfBirth",
        service=ELPL,
        release="R6",
    ),
    Case(
        "accident time missing",
        lambda: edit(CNF_RTA_R7, "AccidentData/AccidentDetails", AccidentTime=None),
        "CNF-06",
        f"{ACCIDENT}/@AccidentTime",
    ),
    Case(
        "accident time 24:00",
        lambda: edit(CNF_RTA_R7, "AccidentData/AccidentDetails", AccidentTime="24:00"),
        "CNF-06",
        f"{ACCIDENT}/@AccidentTime",
    ),
    Case(
        "ELD with accident time",
        lambda: edit(_eld(), "AccidentData/AccidentDetails", AccidentTime="10:00"),
        "CNF-06",
        f"{ACCIDENT}/@AccidentTime",
        service=ELPL,
        release="R6",
    ),
    Case(
        "UK postcode missing",
        lambda: edit(CNF_RTA_R7, f"{PERSON}/Address", PostCode=None),
        "CNF-07",
        f"{CLAIMANT}/PersonalDetails/Address/@PostCode",
    ),
    Case(
        "UK postcode invalid",
        lambda: edit(CNF_RTA_R7, f"{PERSON}/Address", Country=" wales ", PostCode="LS12 XYZ"),
        "CNF-07",
        f"{CLAIMANT}/PersonalDetails/Address/@PostCode",
    ),
    Case(
        "NINO invalid",
        lambda: edit(
            CNF_RTA_R7,
            "ClaimAndClaimantDetails/ClaimantDetails",
            NationalInsuranceNumber="QQ123456C",
        ),
        "CNF-08",
        f"{CLAIMANT}/@NationalInsuranceNumber",
    ),
    Case(
        "NINO and comment missing",
        lambda: edit(
            CNF_RTA_R7, "ClaimAndClaimantDetails/ClaimantDetails", NationalInsuranceNumber=None
        ),
        "CNF-08",
        f"{CLAIMANT}/@NINComment",
    ),
    Case(
        "other title",
        lambda: edit(CNF_RTA_R7, PERSON, TitleType="5"),
        "CNF-09",
        f"{CLAIMANT}/PersonalDetails/@OtherTitle",
    ),
    Case(
        "other defendant title",
        lambda: edit(
            CNF_RTA_R7, "ClaimAndClaimantDetails/DefendantDetails/PersonalDetails", TitleType="5"
        ),
        "CNF-09",
        f"{DOC}/ClaimAndClaimantDetails/DefendantDetails/PersonalDetails/@OtherTitle",
    ),
    Case(
        "other claimant type",
        lambda: edit(CNF_RTA_R7, "AccidentData/AccidentDetails", ClaimantType="6"),
        "CNF-09",
        f"{ACCIDENT}/@OtherType",
    ),
    Case(
        "time off period",
        lambda: edit(CNF_RTA_R7, "MedicalDetails/Injury", TimeOffPeriod=None),
        "CNF-10",
        f"{INJURY}/@TimeOffPeriod",
    ),
    Case(
        "hospital missing",
        lambda: edit(CNF_RTA_R7, "MedicalDetails/Injury", HospitalAttendance="1"),
        "CNF-10",
        f"{DOC}/MedicalDetails/Hospital",
    ),
    Case(
        "days number",
        lambda: edit(CNF_RTA_R7, "MedicalDetails/Injury", OvernightDetention="1"),
        "CNF-10",
        f"{INJURY}/@DaysNumber",
    ),
    Case(
        "attention date missing",
        lambda: edit(CNF_RTA_R7, "MedicalDetails/Injury", MedicalAttentionFirstDate=None),
        "CNF-10",
        f"{INJURY}/@MedicalAttentionFirstDate",
    ),
    Case(
        "attention before accident",
        lambda: edit(CNF_RTA_R7, "MedicalDetails/Injury", MedicalAttentionFirstDate="2026-09-30"),
        "CNF-10",
        f"{INJURY}/@MedicalAttentionFirstDate",
    ),
    Case(
        "AskCUE missing",
        lambda: edit(CNF_RTA_R7, "ClaimAndClaimantDetails/ClaimantDetails", AskCUEPIReference=None),
        "CNF-11",
        f"{CLAIMANT}/@AskCUEPIReference",
    ),
    Case(
        "AskCUE too long",
        lambda: edit(
            CNF_RTA_R7,
            "ClaimAndClaimantDetails/ClaimantDetails",
            AskCUEPIReference="ASKCUEPI12345678901",
        ),
        "CNF-11",
        f"{CLAIMANT}/@AskCUEPIReference",
    ),
    Case(
        "referral missing",
        lambda: remove(
            CNF_RTA_R7, "ClaimAndClaimantDetails/ClaimantRepresentative/ReferralSourceInfo"
        ),
        "CNF-12",
        f"{DOC}/ClaimAndClaimantDetails/ClaimantRepresentative/ReferralSourceInfo",
    ),
    Case(
        "regulated CMC name",
        lambda: edit(
            CNF_RTA_R7,
            "ClaimAndClaimantDetails/ClaimantRepresentative/ReferralSourceInfo",
            ReferralSource="R",
            MOJCMCAuthorisationNumber="1234567",
        ),
        "CNF-12",
        f"{REFERRAL}/@CMCName",
    ),
    Case(
        "regulated CMC number",
        lambda: edit(
            CNF_RTA_R7,
            "ClaimAndClaimantDetails/ClaimantRepresentative/ReferralSourceInfo",
            ReferralSource="R",
            CMCName="Claims Co",
            MOJCMCAuthorisationNumber="12345678",
        ),
        "CNF-12",
        f"{REFERRAL}/@MOJCMCAuthorisationNumber",
    ),
    Case(
        "referral website",
        lambda: edit(
            CNF_RTA_R7,
            "ClaimAndClaimantDetails/ClaimantRepresentative/ReferralSourceInfo",
            ReferralSource="W",
        ),
        "CNF-12",
        f"{REFERRAL}/@ReferralSourceWebsite",
    ),
    Case(
        "referral other",
        lambda: edit(
            CNF_RTA_R7,
            "ClaimAndClaimantDetails/ClaimantRepresentative/ReferralSourceInfo",
            ReferralSource="O",
        ),
        "CNF-12",
        f"{REFERRAL}/@ReferralSourceSource",
    ),
    Case(
        "OIC reference",
        lambda: edit(CNF_RTA_R7, "ApplicationData/ClaimDetails", OICReferenceNumber="OIC-12A"),
        "CNF-13",
        f"{CLAIM_DETAILS}/@OICReferenceNumber",
    ),
    Case(
        "reference in use",
        lambda: CNF_RTA_R7,
        "CNF-14",
        f"{DOC}/ClaimAndClaimantDetails/ClaimantRepresentative/CompanyDetails/@ReferenceNumber",
        context={"reference_in_use": lambda r: r == "SJ/2026/0001"},
    ),
    Case(
        "copy not retained",
        lambda: edit(CNF_RTA_R7, "ApplicationData/ClaimDetails", RetainedCopy="0"),
        "CNF-15",
        f"{CLAIM_DETAILS}/@RetainedCopy",
    ),
    # ------------------------------------------------------------------------------ EL/PL
    Case(
        "EL without accident time",
        lambda: edit(CNF_ELPL_R6, "AccidentData/AccidentDetails", AccidentTime=None),
        "ELPL-01",
        f"{ACCIDENT}/@AccidentTime",
        service=E,
        release="R6",
    ),
    Case(
        "EL with employment period",
        lambda: edit(
            CNF_ELPL_R6, "ClaimAndClaimantDetails/ClaimantDetails", EmploymentPeriod="2001-2026"
        ),
        "ELPL-01",
        f"{CLAIMANT}/@EmploymentPeriod",
        service=E,
        release="R6",
    ),
    Case(
        "EL defendant not the employer",
        lambda: edit(CNF_ELPL_R6, "ClaimAndClaimantDetails/DefendantDetails", DefendantStatus="P"),
        "ELPL-01",
        f"{DOC}/ClaimAndClaimantDetails/DefendantDetails/@DefendantStatus",
        service=E,
        release="R6",
    ),
    Case(
        "ELD exposure period",
        lambda: _eld(EmploymentPeriod="2000-2020"),
        "ELPL-02",
        f"{CLAIMANT}/@ExposurePeriod",
        service=E,
        release="R6",
    ),
    Case(
        "ELD without disease",
        lambda: _eld(EmploymentPeriod="x", ExposurePeriod="y"),
        "ELPL-02",
        INJURY,
        service=E,
        release="R6",
    ),
    Case(
        "PL location",
        lambda: _pl(),
        "ELPL-03",
        f"{ACCIDENT}/@ClaimantLocation",
        service=E,
        release="R6",
    ),
    Case(
        "PL location other",
        lambda: _pl(ClaimantLocation="2"),
        "ELPL-03",
        f"{ACCIDENT}/@ClaimantLocationOther",
        service=E,
        release="R6",
    ),
    Case(
        "notified in the future",
        lambda: edit(CNF_ELPL_R6, "ApplicationData/ClaimDetails", NotificationDate="2026-11-25"),
        "ELPL-04",
        f"{CLAIM_DETAILS}/@NotificationDate",
        service=E,
        release="R6",
    ),
    Case(
        "notified before the accident",
        lambda: edit(CNF_ELPL_R6, "ApplicationData/ClaimDetails", NotificationDate="2026-08-31"),
        "ELPL-04",
        f"{CLAIM_DETAILS}/@NotificationDate",
        service=E,
        release="R6",
    ),
    # -------------------------------------------------------------------- insurer response
    Case(
        "liability decision code",
        lambda: edit(INSURER_RESPONSE, "LiabilityCausation", LiabilityDecision="X"),
        "IR-01",
        "/InsurerResponseA2A/LiabilityCausation/@LiabilityDecision",
        pack=C.INSURER_RESPONSE,
    ),
    Case(
        "denial without reasons",
        lambda: edit(INSURER_RESPONSE, "LiabilityCausation", LiabilityDecision="N"),
        "IR-02",
        "/InsurerResponseA2A/LiabilityCausation/@UnadmittedLiabilityReasons",
        pack=C.INSURER_RESPONSE,
    ),
    Case(
        "other capacity",
        lambda: edit(INSURER_RESPONSE, ".", Capacity="4"),
        "IR-03",
        "/InsurerResponseA2A/@OtherCapacity",
        pack=C.INSURER_RESPONSE,
    ),
    # --------------------------------------------------------------------------------- ISP
    Case(
        "ISP loss type twice",
        lambda: duplicate(ISP_REQUEST, "ClaimantLosses/ClaimantLossesToDate"),
        "ISP-01",
        "/InterimSettlementPackRequest/ClaimantLosses/ClaimantLossesToDate[2]/@LossType",
        pack=C.ISP_REQUEST,
    ),
    Case(
        "ISP nothing requested",
        lambda: remove(ISP_REQUEST, "ClaimantLosses/ClaimantLossesToDate"),
        "ISP-02",
        "/InterimSettlementPackRequest/ClaimantLosses",
        pack=C.ISP_REQUEST,
    ),
    Case(
        "ISP nothing pursued",
        lambda: edit(
            edit(ISP_REQUEST, "ClaimantLosses/ClaimantLossesToDate", ItemBeingPursued="0"),
            "ClaimantLosses/ClaimantLossesToDate[2]",
            PercContribNegDeductions="100",
        ),
        "ISP-02",
        "/InterimSettlementPackRequest/ClaimantLosses",
        pack=C.ISP_REQUEST,
    ),
    Case(
        "ISP MedCo",
        lambda: edit(ISP_REQUEST, "ClaimantRepresentative/MedCoCase", MedCoCaseID=None),
        "ISP-03",
        "/InterimSettlementPackRequest/ClaimantRepresentative/MedCoCase/@MedCoCaseID",
        pack=C.ISP_REQUEST,
    ),
    Case(
        "ISP reply to a loss not requested",
        lambda: ISP_RESPONSE,
        "ISP-04",
        "/InterimSettlementPackResponse/DefendantReplies/DefendantResponse[2]/@LossType",
        pack=C.ISP_RESPONSE,
        context={"request_loss_types": frozenset({"5"})},
    ),
    Case(
        "ISP CRU",
        lambda: edit(ISP_RESPONSE, "DefendantRepresentative/CRUReference", CRUReferenceNumber=None),
        "ISP-05",
        "/InterimSettlementPackResponse/DefendantRepresentative/CRUReference/@CRUReferenceNumber",
        pack=C.ISP_RESPONSE,
    ),
    Case(
        "S2SP CRU",
        lambda: edit(S2SP_RESPONSE, "DefendantRepresentative/CRUReference", CRUComment=""),
        "ISP-05",
        "/Stage2SettlementPackResponse/DefendantRepresentative/CRUReference/@CRUReferenceNumber",
        pack=C.S2SP_RESPONSE,
    ),
    Case(
        "ISP all-zero offer",
        lambda: edit(
            edit(ISP_RESPONSE, "DefendantReplies/DefendantResponse", GrossValueOffered="0"),
            "DefendantReplies/DefendantResponse[2]",
            GrossValueOffered="0.00",
        ),
        "ISP-06",
        "/InterimSettlementPackResponse/DefendantReplies",
        pack=C.ISP_RESPONSE,
    ),
    Case(
        "EL/PL reply with an RTA loss type",
        lambda: edit(ISP_RESPONSE_ELPL, "DefendantReplies/DefendantResponse", LossType="0"),
        "LOSS-01",
        "/InterimSettlementPackResponse/DefendantReplies/DefendantResponse/@LossType",
        service=E,
        release="R6",
        pack=C.ISP_RESPONSE,
    ),
    Case(
        "R6 claimant pack with loss type 12",
        lambda: edit(ISP_REQUEST, "ClaimantLosses/ClaimantLossesToDate", LossType="12"),
        "LOSS-01",
        "/InterimSettlementPackRequest/ClaimantLosses/ClaimantLossesToDate[1]/@LossType",
        release="R6",
        pack=C.ISP_REQUEST,
    ),
    # ----------------------------------------------------------------------------- Stage 2
    Case(
        "S2SP loss type twice",
        lambda: edit(S2SP_REQUEST, "ClaimantLosses/CurrentClaimantOffer[2]", LossType="16"),
        "S2-01",
        "/Stage2SettlementPackRequest/ClaimantLosses/CurrentClaimantOffer[2]/@LossType",
        pack=C.S2SP_REQUEST,
    ),
    Case(
        "S2SP negative interest",
        lambda: edit(S2SP_REQUEST, "ClaimantLosses/CurrentClaimantOffer[2]", Interest="-0.01"),
        "S2-02",
        "/Stage2SettlementPackRequest/ClaimantLosses/CurrentClaimantOffer[2]/@Interest",
        pack=C.S2SP_REQUEST,
    ),
    Case(
        "S2SP MedCo",
        lambda: edit(S2SP_REQUEST, "ClaimantRepresentative/MedCoCase", MedCoCaseID=None),
        "S2-03",
        "/Stage2SettlementPackRequest/ClaimantRepresentative/MedCoCase/@MedCoCaseID",
        pack=C.S2SP_REQUEST,
    ),
    Case(
        "S2SP confirm with a line not agreed",
        lambda: edit(
            S2SP_RESPONSE, "DefendantReplies/CurrentDefendantResponse[2]", IsGrossAmountAgreed="0"
        ),
        "S2-04",
        "/Stage2SettlementPackResponse/DefendantReplies/CurrentDefendantResponse[2]/"
        "@IsGrossAmountAgreed",
        pack=C.S2SP_RESPONSE,
    ),
    Case(
        "S2SP repudiation without comments",
        lambda: edit(
            S2SP_RESPONSE, "AgreementData/FinalAgreementDetails", SettlementPackDecision="R"
        ),
        "S2-04",
        "/Stage2SettlementPackResponse/AgreementData/FinalAgreementDetails/"
        "AgreementDetails/@Comments",
        pack=C.S2SP_RESPONSE,
    ),
    Case(
        "CM accepts with a line not agreed",
        lambda: edit(
            COUNTER_OFFER_CM, "DefendantReplies/CurrentDefendantResponse", IsGrossAmountAgreed="0"
        ),
        "S2-05",
        "/Stage2SettlementPackCounterOfferByCM/DefendantReplies/"
        "CurrentDefendantResponse/@IsGrossAmountAgreed",
        pack=C.S2SP_COUNTER_OFFER_CM,
    ),
    # ------------------------------------------------------------------ additional damages
    Case(
        "AD agreed with a line not agreed",
        lambda: edit(
            AD_RESPONSE, "DefendantReplies/CurrentDefendantResponse", IsGrossAmountAgreed="0"
        ),
        "AD-01",
        "/Stage2SettlementPackAdditionalDamagesResponse/DefendantReplies/"
        "CurrentDefendantResponse/@IsGrossAmountAgreed",
        pack=C.AD_RESPONSE,
    ),
    Case(
        "AD loss type twice",
        lambda: duplicate(AD_REQUEST, "ClaimantLosses/CurrentClaimantOffer"),
        "AD-02",
        "/Stage2SettlementPackAdditionalDamagesRequest/ClaimantLosses/"
        "CurrentClaimantOffer[2]/@LossType",
        pack=C.AD_REQUEST,
    ),
    # ------------------------------------------------------------------------------ tariff
    Case(
        "tariff type off a tariff line",
        lambda: edit(S2SP_REQUEST, "ClaimantLosses/CurrentClaimantOffer[2]", TariffType="1"),
        "TAR-01",
        "/Stage2SettlementPackRequest/ClaimantLosses/CurrentClaimantOffer[2]/@TariffType",
        pack=C.S2SP_REQUEST,
    ),
    Case(
        "tariff line without duration",
        lambda: edit(
            S2SP_REQUEST, "ClaimantLosses/CurrentClaimantOffer", SelectDurationOfTheInjury=None
        ),
        "TAR-01",
        "/Stage2SettlementPackRequest/ClaimantLosses/CurrentClaimantOffer[1]/"
        "@SelectDurationOfTheInjury",
        pack=C.S2SP_REQUEST,
    ),
    Case(
        "tariff line duration 0",
        lambda: edit(
            S2SP_RESPONSE,
            "DefendantReplies/CurrentDefendantResponse",
            SelectDurationOfTheInjury="0",
        ),
        "TAR-01",
        "/Stage2SettlementPackResponse/DefendantReplies/CurrentDefendantResponse[1]/"
        "@SelectDurationOfTheInjury",
        pack=C.S2SP_RESPONSE,
    ),
    Case(
        "uplift without percentage",
        lambda: edit(
            S2SP_REQUEST, "ClaimantLosses/CurrentClaimantOffer", ExcepCircumstancesUpliftPerc=None
        ),
        "TAR-02",
        "/Stage2SettlementPackRequest/ClaimantLosses/CurrentClaimantOffer[1]/"
        "@ExcepCircumstancesUpliftPerc",
        pack=C.S2SP_REQUEST,
    ),
    Case(
        "percentage without uplift",
        lambda: edit(
            S2SP_REQUEST, "ClaimantLosses/CurrentClaimantOffer", ExcepCircumstancesUplift="0"
        ),
        "TAR-02",
        "/Stage2SettlementPackRequest/ClaimantLosses/CurrentClaimantOffer[1]/"
        "@ExcepCircumstancesUpliftPerc",
        pack=C.S2SP_REQUEST,
    ),
    Case(
        "tariff before the reform",
        lambda: S2SP_REQUEST,
        "TAR-03",
        "/Stage2SettlementPackRequest/ClaimantLosses/CurrentClaimantOffer[1]/@LossType",
        pack=C.S2SP_REQUEST,
        context={"accident_date": date(2021, 5, 30)},
    ),
    # --------------------------------------------------------------------------------- CPP
    Case(
        "disbursement id twice",
        lambda: edit(
            CPP_REQUEST,
            "DisbursmentDisputed/DisbursementDisputedRequestResponse[2]",
            DisbursementId="1",
        ),
        "CPP-01",
        "/CourtProceedingPackRequest/DisbursmentDisputed/"
        "DisbursementDisputedRequestResponse[2]/@DisbursementId",
        pack=C.CPP_REQUEST,
    ),
    Case(
        "disbursement not requested",
        lambda: CPP_RESPONSE,
        "CPP-01",
        "/CourtProceedingPackResponse/DisbursmentDisputed/DisbursementDisputedRequestResponse/"
        "@DisbursementId",
        pack=C.CPP_RESPONSE,
        context={"request_disbursement_ids": frozenset({2})},
    ),
    Case(
        "value after contribution",
        lambda: edit(
            CPP_REQUEST, "ClaimantLosses/LastClaimantOffer", ValueClaimedAfterContrib="1349.98"
        ),
        "CPP-02",
        "/CourtProceedingPackRequest/ClaimantLosses/LastClaimantOffer/@ValueClaimedAfterContrib",
        pack=C.CPP_REQUEST,
    ),
    Case(
        "EL/PL value after contribution",
        lambda: CPP_REQUEST,
        "CPP-02",
        "/CourtProceedingPackRequest/ClaimantLosses/LastClaimantOffer/@ValueClaimedAfterContrib",
        service=E,
        release="R6",
        pack=C.CPP_REQUEST,
    ),
)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule} {c.name}" for c in CASES])
def test_rule_reports_the_path(case: Case) -> None:
    violations = judge(case.xml(), case.service, case.release, case.pack, **case.context)
    assert (case.rule, case.path) in found(violations)
    assert all(v.line is not None and v.message for v in violations)


# ----------------------------------------------------------------- the limits of the rules
@pytest.mark.parametrize(
    ("name", "xml", "service", "release", "pack", "context"),
    [
        (
            "compensator matches",
            CNF_RTA_R7,
            RTA,
            "R7",
            Pack.CNF,
            {"compensator_lookup": lambda p: ("COMP009", "I") if p == "/COMP009" else None},
        ),
        (
            "EL/PL insurer type is not compared",
            CNF_ELPL_R6,
            ELPL,
            "R6",
            Pack.CNF,
            {"compensator_lookup": lambda p: ("COMP009", "M")},
        ),
        ("reference free", CNF_RTA_R7, RTA, "R7", Pack.CNF, {"reference_in_use": lambda r: False}),
        (
            "claim value 2 from 2013-07-31",
            edit(
                edit(CNF_RTA_R7, "ApplicationData/ClaimDetails", ClaimValue="2"),
                "AccidentData/AccidentDetails",
                AccidentDate="2013-07-31",
            ),
            RTA,
            "R7",
            Pack.CNF,
            {},
        ),
        (
            "18 on the sent date is an adult",
            edit(CNF_RTA_R7, PERSON, DateOfBirth="2008-11-24"),
            RTA,
            "R7",
            Pack.CNF,
            {},
        ),
        (
            "protected adult may say child",
            edit(CNF_RTA_R7, "ClaimAndClaimantDetails/ClaimantDetails", ChildClaim="1"),
            RTA,
            "R7",
            Pack.CNF,
            {},
        ),
        (
            "accident on the sent date",
            edit(
                edit(CNF_RTA_R7, "AccidentData/AccidentDetails", AccidentDate="2026-11-24"),
                "MedicalDetails/Injury",
                MedicalAttentionFirstDate="2026-11-24",
            ),
            RTA,
            "R7",
            Pack.CNF,
            {},
        ),
        (
            "foreign address needs no postcode",
            edit(CNF_RTA_R7, f"{PERSON}/Address", Country="France", PostCode=None),
            RTA,
            "R7",
            Pack.CNF,
            {},
        ),
        (
            "address type F needs no postcode",
            edit(CNF_RTA_R7, f"{PERSON}/Address", AddressType="F", PostCode=None),
            RTA,
            "R7",
            Pack.CNF,
            {},
        ),
        (
            "GIR 0AA",
            edit(CNF_RTA_R7, f"{PERSON}/Address", PostCode="gir0aa"),
            RTA,
            "R7",
            Pack.CNF,
            {},
        ),
        (
            "NIN comment instead of a NINO",
            edit(
                CNF_RTA_R7,
                "ClaimAndClaimantDetails/ClaimantDetails",
                NationalInsuranceNumber=None,
                NINComment="Not known",
            ),
            RTA,
            "R7",
            Pack.CNF,
            {},
        ),
        (
            "R5 resend without AskCUE",
            edit(CNF_RTA_R7, "ClaimAndClaimantDetails/ClaimantDetails", AskCUEPIReference=None),
            RTA,
            "R5",
            Pack.CNF_RESEND,
            {},
        ),
        (
            "no referral rule before R6",
            remove(CNF_RTA_R7, "ClaimAndClaimantDetails/ClaimantRepresentative/ReferralSourceInfo"),
            RTA,
            "R5",
            Pack.CNF,
            {},
        ),
        (
            "disease flags of an EL claim are ignored",
            edit(CNF_ELPL_R6, "MedicalDetails/Injury", Deafness="1"),
            ELPL,
            "R6",
            Pack.CNF,
            {},
        ),
        (
            "ELD with a disease, both periods and no accident date",
            edit(
                edit(
                    _eld(EmploymentPeriod="2000-2020", ExposurePeriod="2000-2010"),
                    "MedicalDetails/Injury",
                    Deafness="1",
                ),
                "AccidentData/AccidentDetails",
                AccidentDate=None,
            ),
            ELPL,
            "R6",
            Pack.CNF,
            {},
        ),
        (
            "denial with reasons",
            edit(
                INSURER_RESPONSE,
                "LiabilityCausation",
                LiabilityDecision="N",
                UnadmittedLiabilityReasons="Disputed",
            ),
            RTA,
            "R7",
            Pack.INSURER_RESPONSE,
            {},
        ),
        (
            "tariff after the reform",
            S2SP_REQUEST,
            RTA,
            "R7",
            Pack.S2SP_REQUEST,
            {"accident_date": date(2021, 5, 31)},
        ),
        (
            "no tariff rules before R7",
            edit(
                remove(S2SP_REQUEST, "ClaimantLosses/CurrentClaimantOffer[1]"),
                "ClaimantLosses/CurrentClaimantOffer",
                TariffType="1",
            ),
            RTA,
            "R6",
            Pack.S2SP_REQUEST,
            {"accident_date": date(2020, 1, 1)},
        ),
        (
            "a penny of rounding",
            edit(
                CPP_REQUEST, "ClaimantLosses/LastClaimantOffer", ValueClaimedAfterContrib="1349.99"
            ),
            RTA,
            "R7",
            Pack.CPP_REQUEST,
            {},
        ),
        (
            "response names requested disbursements",
            CPP_RESPONSE,
            RTA,
            "R7",
            Pack.CPP_RESPONSE,
            {"request_disbursement_ids": frozenset({1, 2})},
        ),
        (
            "reply within the request",
            ISP_RESPONSE,
            RTA,
            "R7",
            Pack.ISP_RESPONSE,
            {"request_loss_types": frozenset({"5", "8"})},
        ),
    ],
)
def test_rule_does_not_fire(
    name: str, xml: str, service: Service, release: str, pack: Pack, context: dict[str, Any]
) -> None:
    assert judge(xml, service, release, pack, **context) == []


def test_rules_read_leniently() -> None:
    """Unparsable values are unknown to the rules (the XSD reports them), never a crash."""
    xml = edit(
        edit(CNF_RTA_R7, PERSON, DateOfBirth="17/05/1980"),
        "AccidentData/AccidentDetails",
        AccidentDate="yesterday",
    )
    xml = edit(xml, "MedicalDetails/Injury", MedicalAttentionFirstDate="2026-02-30")
    assert judge(xml) == []
    assert (
        judge(
            edit(CPP_REQUEST, "ClaimantLosses/LastClaimantOffer", GrossValueClaimed="abc"),
            pack=Pack.CPP_REQUEST,
        )
        == []
    )


def test_other_titles_of_the_claim_s_people_only_in_document_order() -> None:
    """CNF-09 judges the PersonalDetails of the claim's sides and of the other parties, each
    with TitleType exactly 5, in document order; one elsewhere in the document is none of them
    (the rule skips its XPath when no PersonalDetails says 5, so both cases are pinned here)."""
    other = "OtherPartyDetails"
    party = (
        f'<{other}><OtherParty><PersonalDetails TitleType="5"/></OtherParty>'
        '<OtherParty><PersonalDetails TitleType=" 5"/></OtherParty>'
        f'<OtherParty><PersonalDetails TitleType="5" OtherTitle="Rev"/></OtherParty></{other}>'
    )
    stray = '<Extra><PersonalDetails TitleType="5"/></Extra>'
    xml = edit(CNF_RTA_R7, PERSON, TitleType="5")
    xml = edit(xml, "ClaimAndClaimantDetails/DefendantDetails/PersonalDetails", TitleType="5")
    xml = xml.replace("</DocumentInput>", f"{stray}{party}</DocumentInput>")
    hits = [v.path for v in judge(xml) if v.rule == "CNF-09"]
    assert hits == [
        f"{DOC}/ClaimAndClaimantDetails/DefendantDetails/PersonalDetails/@OtherTitle",
        f"{CLAIMANT}/PersonalDetails/@OtherTitle",
        f"{DOC}/{other}/OtherParty[1]/PersonalDetails/@OtherTitle",
    ]
    assert judge(CNF_RTA_R7.replace("</DocumentInput>", f"{stray}</DocumentInput>")) == []


# ------------------------------------------------------------------------ which rules apply
SPEC_RULES = (
    [f"CNF-{n:02d}" for n in range(1, 16)]
    + [f"ELPL-{n:02d}" for n in range(1, 6)]
    + [f"IR-{n:02d}" for n in range(1, 4)]
    + [f"ISP-{n:02d}" for n in range(1, 7)]
    + [f"S2-{n:02d}" for n in range(1, 6)]
    + ["AD-01", "AD-02"]
    + [f"TAR-{n:02d}" for n in range(1, 4)]
    + ["CPP-01", "CPP-02"]
)


def test_every_rule_of_the_spec_is_implemented_once() -> None:
    ids = [rule.id for rule in ALL_RULES]
    assert len(ids) == len(set(ids))
    assert set(SPEC_RULES) <= set(ids)
    # Decided beyond the spec: LOSS-01 (payloads.md 8.1.1), S2-07 and AD-03 (docs/decisions/0006).
    assert set(ids) - set(SPEC_RULES) == {"LOSS-01", "S2-07", "AD-03"}


@pytest.mark.parametrize(
    ("service", "release", "pack", "present", "absent"),
    [
        (RTA, "R7", Pack.CNF, {"CNF-11", "CNF-12", "CNF-13"}, {"ELPL-01"}),
        (RTA, "R6", Pack.CNF, {"CNF-12"}, {"CNF-13"}),
        (RTA, "R5", Pack.CNF_RESEND, {"CNF-11"}, {"CNF-12", "CNF-13"}),
        (ELPL, "R6", Pack.CNF, {"ELPL-01", "CNF-15"}, {"CNF-11", "CNF-12"}),
        (RTA, "R7", Pack.S2SP_RESPONSE, {"S2-04", "ISP-05", "TAR-01"}, {"S2-03"}),
        (RTA, "R5", Pack.AD_REQUEST, {"AD-02"}, {"TAR-01"}),
        (ELPL, "R6", Pack.AD_REQUEST, set(), {"AD-02"}),
        (RTA, "R7", Pack.DATA, set(), {"CNF-01"}),
    ],
)
def test_rules_for(
    service: Service, release: str, pack: Pack, present: set[str], absent: set[str]
) -> None:
    ids = {rule.id for rule in rules_for(service, release, pack)}
    assert present <= ids
    assert not absent & ids


def test_requested_value_and_classification() -> None:
    from gateway.validation.rules import isp

    request = subject_for(etree.fromstring(ISP_REQUEST), RTA, "R7", Pack.ISP_REQUEST, CTX)
    assert isp.requested_value(request) == Decimal("1680.00")  # 1500 + 200 x 0.9
    response = subject_for(etree.fromstring(ISP_RESPONSE), RTA, "R7", Pack.ISP_RESPONSE, CTX)
    assert isp.is_full_response(response, Decimal("1680.00"))
    assert not isp.is_full_response(response, Decimal("1680.01"))
