"""Business rules CNF-01 to CNF-15 of the Claim Notification Form (payloads.md section 2.4).

The rules of both services live here; the EL/PL claim-type rules ELPL-01 to ELPL-05 are in
``cnf_elpl``. CNF-01 and CNF-14 ask the server (``RuleContext`` callables) and are skipped
offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from lxml import etree

from gateway.domain.services import Service
from gateway.validation.context import CompensatorLookup, ReferenceInUse
from gateway.validation.masking import mask
from gateway.validation.packs import Pack
from gateway.validation.rules.base import (
    XML_SPACE,
    Hit,
    Prefetch,
    Rule,
    Subject,
    date_of,
    forbidden,
    is_yes,
    required,
    stripped,
    value,
)

CLAIM_DETAILS = "ApplicationData/ClaimDetails"
CR_COMPANY = "ClaimAndClaimantDetails/ClaimantRepresentative/CompanyDetails"
REPRESENTATIVE = "ClaimAndClaimantDetails/ClaimantRepresentative"
REFERRAL = "ClaimAndClaimantDetails/ClaimantRepresentative/ReferralSourceInfo"
DEFENDANT = "ClaimAndClaimantDetails/DefendantDetails"
INSURER = "ClaimAndClaimantDetails/DefendantDetails/InsurerInformation"
CLAIMANT = "ClaimAndClaimantDetails/ClaimantDetails"
CLAIMANT_PERSON = "ClaimAndClaimantDetails/ClaimantDetails/PersonalDetails"
CLAIMANT_ADDRESS = "ClaimAndClaimantDetails/ClaimantDetails/PersonalDetails/Address"
INJURY = "MedicalDetails/Injury"
HOSPITAL = "MedicalDetails/Hospital"
ACCIDENT = "AccidentData/AccidentDetails"

CNF_PACKS = frozenset({Pack.CNF, Pack.CNF_RESEND})
RTA = frozenset({Service.RTA})

#: The elements the CNF rules read, found in one XPath evaluation when a check first asks.
PREFETCH = Prefetch(
    (
        CLAIM_DETAILS,
        CR_COMPANY,
        REFERRAL,
        DEFENDANT,
        INSURER,
        CLAIMANT,
        CLAIMANT_PERSON,
        CLAIMANT_ADDRESS,
        INJURY,
        HOSPITAL,
        ACCIDENT,
    )
)

TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?", re.ASCII)
NINO = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D ]", re.ASCII)
ASKCUE = re.compile(r"(ASKCUEPI)?[0-9]{1,10}", re.ASCII)
CMC_AUTHORISATION = re.compile(r"[0-9]{1,7}", re.ASCII)
OIC = re.compile(r"OIC-[0-9-]{1,28}", re.ASCII)
UK_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|GIR ?0AA", re.ASCII | re.I)
UK_COUNTRIES = frozenset(
    {"uk", "united kingdom", "gb", "england", "wales", "scotland", "northern ireland"}
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
CLAIM_VALUE_2_FROM = date(2013, 7, 31)
ADULT_AGE = 18

# Every PersonalDetails of a CNF (claimant, defendant, other parties) that says "Other" title.
_OTHER_TITLE = etree.XPath(
    "ClaimAndClaimantDetails/*/PersonalDetails[@TitleType = '5']"
    " | OtherPartyDetails/OtherParty/PersonalDetails[@TitleType = '5']",
    regexp=False,
)


def _any_other_title(root: etree._Element) -> bool:
    """False when no PersonalDetails anywhere in the document has TitleType 5, so that
    ``_OTHER_TITLE`` (those of the claimant's side and the other parties) finds none.

    Most CNFs have none: a walk in C over the elements with one attribute read each costs about
    half of the XPath and its predicates, which then runs only when some PersonalDetails says 5.
    """
    for person in root.iter("PersonalDetails"):  # noqa: SIM110 (any() adds a generator)
        if person.get("TitleType") == "5":
            return True
    return False


def claim_type(subject: Subject) -> str | None:
    """EL/PL ``ClaimDetails/@ClaimType`` (C30): ``EL``, ``ELD`` or ``PL``; None for RTA."""
    return None if subject.is_rta else value(subject.find(CLAIM_DETAILS), "ClaimType")


def age_on(birth: date, day: date) -> int:
    """Completed years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def normalised_postcode(raw: str) -> str:
    """A valid UK postcode stored upper case with one space before the inward code."""
    compact = raw.replace(" ", "").upper()
    return f"{compact[:-3]} {compact[-3:]}"


def _compensator(subject: Subject) -> Iterator[Hit]:
    # Offline there is no lookup: no generator is started for nothing.
    lookup = subject.ctx.compensator_lookup
    return iter(()) if lookup is None else _compensator_hits(subject, lookup)


def _compensator_hits(subject: Subject, lookup: CompensatorLookup) -> Iterator[Hit]:
    insurer = subject.find(INSURER)
    path = value(insurer, "InsurerOrganizationPath")
    if insurer is None or path is None:
        return
    found = lookup(path)
    if found is None:
        yield Hit(
            insurer,
            "@InsurerOrganizationPath",
            f"{path} is not an active compensator organisation for this service",
        )
        return
    org_id, insurer_type = found
    if value(insurer, "InsurerOrganizationID") != org_id:
        yield Hit(
            insurer,
            "@InsurerOrganizationID",
            f"InsurerOrganizationID must be {org_id}, the id of {path}",
        )
    if subject.is_rta and value(insurer, "InsurerType") != insurer_type:
        yield Hit(
            insurer, "@InsurerType", f"InsurerType must be {insurer_type}, the type of {path}"
        )


def _claim_value(subject: Subject) -> Iterator[Hit]:
    details = subject.find(CLAIM_DETAILS)
    claim_value = value(details, "ClaimValue")
    if details is None or claim_value is None:
        return
    if claim_value not in ("1", "2"):
        yield Hit(details, "@ClaimValue", f"ClaimValue must be 1 or 2, not {mask(claim_value)}")
    elif claim_value == "2" and subject.is_rta:
        accident = subject.date_at(ACCIDENT, "AccidentDate")
        if accident is not None and accident < CLAIM_VALUE_2_FROM:
            yield Hit(
                details,
                "@ClaimValue",
                f"ClaimValue 2 (over 10,000) is only allowed for accidents on or after "
                f"{CLAIM_VALUE_2_FROM.isoformat()}; the accident date is {accident}",
            )


def _child_flag(subject: Subject) -> Iterator[Hit]:
    claimant = subject.find(CLAIMANT)
    birth = subject.date_at(CLAIMANT_PERSON, "DateOfBirth")
    if claimant is None or birth is None:
        return
    age = age_on(birth, subject.ctx.sent_date)
    if age < ADULT_AGE and not is_yes(claimant, "ChildClaim"):
        yield Hit(
            claimant,
            "@ChildClaim",
            f"ChildClaim must be 1: the claimant is {age} on the sent date {subject.ctx.sent_date}",
        )


def _accident_not_future(subject: Subject) -> Iterator[Hit]:
    accident = subject.find(ACCIDENT)
    when = subject.date_at(ACCIDENT, "AccidentDate")
    if accident is not None and when is not None and when > subject.ctx.sent_date:
        yield Hit(
            accident,
            "@AccidentDate",
            f"AccidentDate {when} is after the sent date {subject.ctx.sent_date}",
        )


def _birth_before_accident(subject: Subject) -> Iterator[Hit]:
    person = subject.find(CLAIMANT_PERSON)
    birth = subject.date_at(CLAIMANT_PERSON, "DateOfBirth")
    if person is None or birth is None:
        return
    accident = subject.date_at(ACCIDENT, "AccidentDate")
    limit, what = (
        (accident, "the accident date")
        if accident is not None
        else (subject.ctx.sent_date, "the sent date")
    )
    if birth >= limit:
        yield Hit(person, "@DateOfBirth", f"DateOfBirth {birth} must be before {what} {limit}")


def _accident_time(subject: Subject) -> Iterator[Hit]:
    accident = subject.find(ACCIDENT)
    if accident is None:
        return
    time = value(accident, "AccidentTime")
    if claim_type(subject) == "ELD":
        yield from forbidden(accident, ("AccidentTime",), "for a disease (ELD) claim")
    elif time is None:
        yield Hit(accident, "@AccidentTime", "AccidentTime is required")
    elif TIME.fullmatch(time) is None:
        yield Hit(
            accident, "@AccidentTime", f"AccidentTime {mask(time)} is not a time HH:MM or HH:MM:SS"
        )


def _claimant_postcode(subject: Subject) -> Iterator[Hit]:
    address = subject.find(CLAIMANT_ADDRESS)
    country = stripped(address, "Country")
    # ASCII lower case only (no Unicode case folding); str.lower is that, and quicker, on ASCII.
    country = country.lower() if country.isascii() else country.translate(_ASCII_LOWER)
    if address is None or country not in UK_COUNTRIES or stripped(address, "AddressType") == "F":
        return
    postcode = value(address, "PostCode")
    if postcode is None:
        yield Hit(address, "@PostCode", "PostCode is required for a UK address")
    elif UK_POSTCODE.fullmatch(postcode.strip(XML_SPACE)) is None:
        yield Hit(
            address,
            "@PostCode",
            f"PostCode {mask(postcode, 'PostCode')} is not a valid UK postcode",
        )


def _nino(subject: Subject) -> Iterator[Hit]:
    claimant = subject.find(CLAIMANT)
    if claimant is None:
        return
    nino = value(claimant, "NationalInsuranceNumber")
    if nino is None:
        yield from required(claimant, ("NINComment",), "when NationalInsuranceNumber is not given")
    elif NINO.fullmatch(nino) is None:
        yield Hit(
            claimant,
            "@NationalInsuranceNumber",
            f"NationalInsuranceNumber {mask(nino, 'NationalInsuranceNumber')} "
            "is not a valid National Insurance number",
        )


def _other_title_and_type(subject: Subject) -> Iterator[Hit]:
    found = _OTHER_TITLE(subject.root) if _any_other_title(subject.root) else ()
    for person in found if isinstance(found, list) else ():
        if isinstance(person, etree._Element):
            yield from required(person, ("OtherTitle",), "when TitleType is 5 (Other)")
    accident = subject.find(ACCIDENT)
    if subject.is_rta and accident is not None and value(accident, "ClaimantType") == "6":
        yield from required(accident, ("OtherType",), "when ClaimantType is 6 (Other)")


def _medical_details(subject: Subject) -> Iterator[Hit]:
    injury = subject.find(INJURY)
    if injury is None:
        return
    if is_yes(injury, "TimeOffRequired") and value(injury, "TimeOffPeriod") is None:
        yield Hit(injury, "@TimeOffPeriod", "TimeOffPeriod is required when TimeOffRequired is 1")
    if is_yes(injury, "HospitalAttendance") and subject.find(HOSPITAL) is None:
        medical = injury.getparent()
        yield Hit(
            injury if medical is None else medical,
            "Hospital",
            "at least one Hospital is required when HospitalAttendance is 1",
        )
    if is_yes(injury, "OvernightDetention"):
        yield from required(injury, ("DaysNumber",), "when OvernightDetention is 1")
    first = date_of(injury, "MedicalAttentionFirstDate")
    if first is None and is_yes(injury, "MedicalAttentionSeeking"):
        yield from required(
            injury, ("MedicalAttentionFirstDate",), "when MedicalAttentionSeeking is 1"
        )
    accident = subject.date_at(ACCIDENT, "AccidentDate")
    if first is not None and accident is not None and first < accident:
        yield Hit(
            injury,
            "@MedicalAttentionFirstDate",
            f"MedicalAttentionFirstDate {first} is before the accident date {accident}",
        )


def _askcue(subject: Subject) -> Iterator[Hit]:
    claimant = subject.find(CLAIMANT)
    if claimant is None:
        return
    reference = value(claimant, "AskCUEPIReference")
    if reference is None:
        # The R5 resend schema has no AskCUEPIReference: optional there (payloads.md section 1).
        if not (subject.pack is Pack.CNF_RESEND and subject.release == "R5"):
            yield Hit(claimant, "@AskCUEPIReference", "AskCUEPIReference is required")
    elif len(reference) > 18 or ASKCUE.fullmatch(reference) is None:
        yield Hit(
            claimant,
            "@AskCUEPIReference",
            f"AskCUEPIReference {mask(reference, 'AskCUEPIReference')} must be "
            "ASKCUEPI followed by 1-10 digits, or 1-10 digits",
        )


def _referral_source(subject: Subject) -> Iterator[Hit]:
    referral = subject.find(REFERRAL)
    if referral is None:
        representative = subject.find(REPRESENTATIVE)
        if representative is not None:
            yield Hit(representative, "ReferralSourceInfo", "ReferralSourceInfo is required")
        return
    source = value(referral, "ReferralSource")
    if source is None:
        yield Hit(referral, "@ReferralSource", "ReferralSource is required")
    elif source == "R":
        yield from required(
            referral,
            ("CMCName", "MOJCMCAuthorisationNumber"),
            "when ReferralSource is R (regulated CMC)",
        )
        number = value(referral, "MOJCMCAuthorisationNumber")
        if number is not None and CMC_AUTHORISATION.fullmatch(number) is None:
            yield Hit(
                referral,
                "@MOJCMCAuthorisationNumber",
                "MOJCMCAuthorisationNumber must be 1-7 digits",
            )
    elif source == "W":
        yield from required(referral, ("ReferralSourceWebsite",), "when ReferralSource is W")
    elif source == "O":
        yield from required(referral, ("ReferralSourceSource",), "when ReferralSource is O")


def _oic_reference(subject: Subject) -> Iterator[Hit]:
    details = subject.find(CLAIM_DETAILS)
    reference = value(details, "OICReferenceNumber")
    if details is not None and reference is not None and OIC.fullmatch(reference) is None:
        yield Hit(
            details,
            "@OICReferenceNumber",
            f"OICReferenceNumber {mask(reference, 'OICReferenceNumber')} must be OIC- "
            "followed by 1-28 digits or hyphens",
        )


def _reference_unique(subject: Subject) -> Iterator[Hit]:
    in_use = subject.ctx.reference_in_use
    return iter(()) if in_use is None else _reference_hits(subject, in_use)


def _reference_hits(subject: Subject, in_use: ReferenceInUse) -> Iterator[Hit]:
    company = subject.find(CR_COMPANY)
    reference = value(company, "ReferenceNumber")
    if company is not None and reference is not None and in_use(reference):
        yield Hit(
            company,
            "@ReferenceNumber",
            f"ReferenceNumber {mask(reference, 'ReferenceNumber')} is already used by "
            "another open claim of your organisation",
        )


def _statement_of_truth(subject: Subject) -> Iterator[Hit]:
    details = subject.find(CLAIM_DETAILS)
    if details is not None and stripped(details, "RetainedCopy") != "1":
        yield Hit(
            details,
            "@RetainedCopy",
            "RetainedCopy must be 1: a signed statement of truth must be retained",
        )


RULES: tuple[Rule, ...] = (
    Rule("CNF-01", _compensator, CNF_PACKS),
    Rule("CNF-02", _claim_value, CNF_PACKS),
    Rule("CNF-03", _child_flag, CNF_PACKS),
    Rule("CNF-04", _accident_not_future, CNF_PACKS),
    Rule("CNF-05", _birth_before_accident, CNF_PACKS),
    Rule("CNF-06", _accident_time, CNF_PACKS),
    Rule("CNF-07", _claimant_postcode, CNF_PACKS),
    Rule("CNF-08", _nino, CNF_PACKS),
    Rule("CNF-09", _other_title_and_type, CNF_PACKS),
    Rule("CNF-10", _medical_details, CNF_PACKS),
    Rule("CNF-11", _askcue, CNF_PACKS, RTA),
    Rule("CNF-12", _referral_source, CNF_PACKS, RTA, frozenset({"R6", "R7"})),
    Rule("CNF-13", _oic_reference, CNF_PACKS, RTA, frozenset({"R7"})),
    Rule("CNF-14", _reference_unique, CNF_PACKS),
    Rule("CNF-15", _statement_of_truth, CNF_PACKS),
)
