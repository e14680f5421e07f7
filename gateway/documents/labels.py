"""Labels of the codes a printable document shows (payloads.md 8), by the attribute that holds
them, and how values are written: money in pounds, percentages, dates the British way.

Only the lists a pack attribute takes are here; the workflow's own lists (rejection, exit and
fraud reasons) stay in ``gateway.domain.codes``. ``C32_ReferralSource`` is deliberately absent:
the referral source is never printed (operations.md 4.4)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Final

_YES_NO = {"1": "Yes", "0": "No"}

#: Code list -> value -> label (payloads.md 8.1 and 8.1.1).
LISTS: Final[Mapping[str, Mapping[str, str]]] = {
    "C00": _YES_NO,
    "C01": {
        "P": "Primary (home or registered) address",
        "A": "Alternative (correspondence) address",
        "F": "Foreign (non-UK) address",
    },
    "C02": {"1": "Mr", "2": "Mrs", "3": "Miss", "4": "Ms", "5": "Other"},
    "C03": {"0": "No", "1": "Yes", "3": "Not yet assessed"},
    "C04": {
        "0": "Comprehensive",
        "1": "Third party, fire and theft",
        "2": "Third party only",
        "3": "Not known",
    },
    "C05": {
        "0": "Not yet repaired",
        "1": "Repairs in progress",
        "2": "Repaired",
        "3": "Not repairable",
    },
    "C06": {
        "0": "Driver",
        "1": "Passenger",
        "2": "Pedestrian",
        "3": "Cyclist",
        "4": "Motorcyclist",
        "5": "Pillion passenger",
        "6": "Other",
    },
    "C07": {"0": "NHS hospital from the hospital list", "1": "Other hospital"},
    "C08": {"M": "Male", "F": "Female", "N": "Not stated"},
    "C09": {"P": "Private individual", "B": "Business or organisation"},
    "C10": {"W": "Witness", "O": "Other party involved"},
    "C11": {"0": "No", "1": "Yes", "2": "Not known"},
    "C13": {"I": "Insurer", "M": "Motor Insurers' Bureau", "S": "Self-insured"},
    "C14": {"0": "No", "1": "Yes", "2": "Don't know"},
    "C15": {
        "0": "Insurer of the defendant",
        "1": "Motor Insurers' Bureau",
        "2": "Self-insured defendant",
        "3": "Agent or third-party administrator",
        "4": "Other",
    },
    "C16": {"S": "Legal representative signed", "C": "Claimant signed"},
    "C17": {
        "A": "Admitted",
        "AN": "Admitted with contributory negligence",
        "N": "Not admitted",
    },
    "C18": {
        "0": "Vehicle damage: repair costs or pre-accident value",
        "1": "Vehicle hire charges",
        "2": "Recovery and storage charges",
        "3": "Insurance policy excess",
        "4": "General damages: pain, suffering and loss of amenity",
        "5": "Past loss of earnings",
        "6": "Future loss of earnings",
        "7": "Care and assistance",
        "8": "Medical and treatment expenses",
        "9": "Rehabilitation costs",
        "10": "Travel expenses",
        "11": "Damage to clothing and personal belongings",
        "12": "Loss of use of vehicle",
        "13": "Future medical and treatment expenses",
        "14": "Aids, equipment and adaptations",
        "15": "Other losses",
        "16": "Whiplash tariff damages",
    },
    "C20": {
        "C": "Confirm (accept the pack as claimed)",
        "CO": "Counter offer",
        "R": "Repudiate (withdraw admission of causation)",
    },
    "C22": {
        "0": "No medical report",
        "1": "One report attached",
        "2": "More than one report attached",
        "3": "Report to follow",
        "4": "Not required",
    },
    "C26": {"1": "Yes", "0": "No", "2": "Not known"},
    "C27": {"ACO": "Accept the claimant's counter offer", "NEWCO": "New counter offer"},
    "C28": {"A": "Agree", "CO": "Counter offer"},
    "C29": {"1": "Up to £10,000", "2": "£10,000.01 to £25,000"},
    "C30": {
        "EL": "Employers' liability accident",
        "ELD": "Employers' liability disease",
        "PL": "Public liability",
    },
    "C31": {
        "0": "On premises occupied or controlled by the defendant",
        "1": "On a public highway or public place",
        "2": "Other",
    },
    "C33": {
        "1": "Whiplash injury only",
        "2": "Whiplash injury with minor psychological injury",
    },
    "C34": {
        "0": "Not applicable",
        "1": "Up to 3 months",
        "2": "3–6 months",
        "3": "6–9 months",
        "4": "9–12 months",
        "5": "12–15 months",
        "6": "15–18 months",
        "7": "18–24 months",
    },
}

_C00 = (
    "AVProvided AVRequiredByCL AVRequiredByCR AccidCarPark AccidChangingLanes AccidRoundabout "
    "AccidentOccurred AllDisbursementAgreedAndPaid AltVchlProvided BoneInjury BussOrCoach "
    "CausedByDefendant CausedSomeLossToTheClaimant ChildClaim ClaiimingDamageOwnVehicle "
    "ClaimantEntitled ConcertinaCollision Deafness DefendantInsInspection Dermatitis "
    "DriverIsDefendant Dry Evidence EvidenceAttached ExcepCircumstancesUplift Fog "
    "HasDefendantNamedLegalRep HireNeed HospitalAttendance Ice IsGrossAmountAgreed "
    "ItemBeingPursued MedicalAttentionSeeking Mud NoAuthority OP1Responsability "
    "OP2Responsability OP3Responsability OP4Responsability OP5Responsability OP6Responsability "
    "Oil Other OvernightDetention PreparedToProvideReabilitation PreparedToProvideRehabilitation "
    "Rain ReabilitationProvided RehabilitationNeeds RehabilitationProvided RepairsProvided "
    "Respiratory RetainedCopy RetainedSignedCopy Selected Snow SoftTissue Stage1FixedCostsPaid "
    "Stage2FixedCostsPaid StillOffWork Sun ThroughAlternatieCompany ThroughClaimantInsurer "
    "TimeOffRequired UpToDateCRUCertificateAttached VhclHitInRear VhclHitSideRoad "
    "VhclHitWhilstParked VibrationInjury Wet Whiplash"
)

#: Attribute name -> the code list its values come from (payloads.md 2-6). Where one name takes
#: two lists (C09 / C09_ELPL, C17 / C17_ELPL, C34 / C35, the C18 variants) their labels agree.
ATTRIBUTE_LISTS: Final[Mapping[str, str]] = {
    **dict.fromkeys(_C00.split(), "C00"),
    "AddressType": "C01",
    "TitleType": "C02",
    "RehabilitationUndertaken": "C03",
    "DetailsOfTheInsurance": "C04",
    "RepairsPosition": "C05",
    "ClaimantType": "C06",
    "HospitalType": "C07",
    "Sex": "C08",
    "DefendantStatus": "C09",
    "OPType": "C10",
    "Seatbelt": "C11",
    "InsurerType": "C13",
    "TotalLoss": "C14",
    "Capacity": "C15",
    "Signatory": "C16",
    "SignatoryType": "C16",
    "LiabilityDecision": "C17",
    "LossType": "C18",
    "SettlementPackDecision": "C20",
    "MedicalReportStage2": "C22",
    "MedicalReportStage2_1": "C22",
    "PoliceReported": "C26",
    "IncidentReported": "C26",
    "SettlementPackCounterOfferDecision": "C27",
    "AdditionalDamagesDecision": "C28",
    "ClaimValue": "C29",
    "ClaimType": "C30",
    "ClaimantLocation": "C31",
    "TariffType": "C33",
    "SelectDurationOfTheInjury": "C34",
}

#: Amounts in pounds and percentages (payloads.md 2.1: amount, percent).
MONEY: Final = frozenset(
    {
        "AmountClaimed",
        "AmountPaid",
        "CRUBenefitsReceived",
        "CRUDeductions",
        "ClaimantFinalOffer",
        "DefendantFinalOffer",
        "GrossAmount",
        "GrossValueClaimed",
        "GrossValueOffered",
        "Interest",
        "InterimPaymentAmount",
        "ValueClaimedAfterContrib",
        "ValueOfferedAfterContrib",
    }
)
PERCENT: Final = frozenset({"PercContribNegDeductions", "PercInterestRate"})
UPLIFT_PERCENT = "ExcepCircumstancesUpliftPerc"  # C36: 1-20, a whole percentage

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def never_printed(name: str) -> bool:
    """The referral source (an element or any attribute of it) is never printed."""
    return name.startswith("ReferralSource")


def label(attribute: str, raw: str) -> str:
    """The value of ``attribute`` as a reader should see it: a code's label (an unknown code
    as sent), money, a percentage, a date as dd/mm/yyyy; anything else as sent."""
    value = raw.strip()
    listed = ATTRIBUTE_LISTS.get(attribute)
    if listed is not None:
        return LISTS[listed].get(value, value)
    if attribute in MONEY:
        return _money(value)
    if attribute in PERCENT or attribute == UPLIFT_PERCENT:
        return f"{value} %"
    if match := _DATE.match(value):
        year, month, day = match.groups()
        return f"{day}/{month}/{year}"
    return value


def _money(value: str) -> str:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return value
    return f"-£{-amount:,.2f}" if amount < 0 else f"£{amount:,.2f}"
