"""Synthetic RTA R7 claim notification forms for the validation benchmark.

``write_corpus(folder, count)`` writes ``count`` CNFs of about 8 KB each, one in five invalid
(a schema violation or a broken business rule, in turn), with names, dates and references varied
by a seeded random generator so every run writes the same files. Nothing here is real personal
data and nothing is kept: the benchmark writes into a temporary folder.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import quoteattr

SENT_DATE = "2026-11-24"

_FIRST = ("Alice", "Bilal", "Carol", "Deepa", "Edward", "Fatima", "George", "Hana", "Ivan", "Jo")
_LAST = ("Brown", "Khan", "White", "Patel", "Jones", "Ahmed", "Smith", "Novak", "Evans", "Lee")
_TOWNS = (
    ("Leeds", "LS1 4AB"),
    ("Manchester", "M1 1AE"),
    ("Bristol", "BS1 5TR"),
    ("Cardiff", "CF10 1EP"),
    ("York", "YO1 7HH"),
    ("Glasgow", "G2 1DY"),
)
_TEXT = (
    "The claimant was stationary at traffic lights when the defendant's vehicle struck the "
    "rear of the claimant's car at moderate speed, pushing it forward into the junction. "
)


def _a(**attributes: str) -> str:
    return " ".join(f"{name}={quoteattr(value)}" for name, value in attributes.items())


def _address(rng: random.Random, kind: str = "P") -> str:
    town, postcode = rng.choice(_TOWNS)
    street = f"{rng.randint(1, 300)} High Street"
    attributes = _a(
        Country="United Kingdom",
        PostCode=postcode,
        City=town,
        County="County",
        Street1=street,
        Street2="Town Centre",
        AddressType=kind,
    )
    return f"<Address {attributes}/>"


def _person(rng: random.Random, element: str, birth: str | None = None) -> str:
    extra = {"DateOfBirth": birth} if birth else {}
    attributes = _a(Name=rng.choice(_FIRST), Surname=rng.choice(_LAST), TitleType="1", **extra)
    return f"<{element} {attributes}>{_address(rng)}</{element}>"


def _other_party(rng: random.Random, n: int) -> str:
    vehicle = _a(VRN=f"OP{n}{rng.randint(10, 99)}ABC", Make="Vauxhall", Model="Astra", Color="Blue")
    insurer = _a(CompanyName="Other Insurance plc", PolicyNumber=f"P{rng.randint(10000, 99999)}")
    return (
        f"<OtherParty {_a(OPType='W')}>{_person(rng, 'PersonalDetails')}"
        f"<VihicleInformation {vehicle}/>"
        f"<InsuranceCompanyInformatiion {insurer}>{_address(rng, 'A')}"
        "</InsuranceCompanyInformatiion></OtherParty>"
    )


def _hospital(h: int) -> str:
    hospital = _a(HospitalType="1", HospitalName=f"General Hospital {h}", PostCode="LS1 3EX")
    address = _a(AddressLine1="Great George Street", AddressLine2="Leeds")
    return f"<Hospital {hospital}><HospitalAddress {address}/></Hospital>"


def cnf(rng: random.Random, index: int) -> str:
    """One valid RTA R7 CNF of about 8 KB."""
    accident = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
    birth = f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    company = _a(
        CompanyName="Smith and Jones Solicitors LLP",
        BranchName="Leeds",
        EmailAddress="claims@example.org",
        ContactName=rng.choice(_FIRST),
        ContactSurname=rng.choice(_LAST),
        TelephoneNumber="01632 960001",
        ReferenceNumber=f"SJ/2026/{index:06d}",
    )
    defendant = _a(DefendantStatus="P", PolicyNumberReference="POL123456", Comments=_TEXT[:120])
    insurer = _a(
        InsurerName="Example Insurance",
        InsurerOrganizationID="COMP009",
        InsurerOrganizationPath="/COMP009",
        InsurerType="I",
    )
    claimant = _a(
        Occupation="Teacher",
        ChildClaim="0",
        NationalInsuranceNumber="AB123456C",
        AskCUEPIReference=f"ASKCUEPI{index:08d}",
    )
    injury = _a(
        Whiplash="1",
        SoftTissue="1",
        InjurySustainedDescription=_TEXT * 2,
        TimeOffRequired="1",
        TimeOffPeriod="10",
        MedicalAttentionSeeking="1",
        MedicalAttentionFirstDate=accident,
        HospitalAttendance="1",
    )
    accident_details = _a(
        ClaimantType="0",
        AccidentDate=accident,
        AccidentTime=f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        AccidentLocation="Leeds inner ring road",
        AccidentDescription=_TEXT * 2,
    )
    police = _a(StationName="Millgarth", ReportingOfficerName="PC Example")
    parties = "".join(_other_party(rng, n) for n in range(6))
    hospitals = "".join(_hospital(h) for h in range(1, 5))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<DocumentInput>\n'
        f"<ApplicationData><ClaimDetails {_a(Signatory='S', RetainedCopy='1', ClaimValue='1')}/>"
        "</ApplicationData>\n<ClaimAndClaimantDetails><ClaimantRepresentative>"
        f"<CompanyDetails {company}>{_address(rng)}</CompanyDetails>"
        f"<ReferralSourceInfo {_a(ReferralSource='F')}/></ClaimantRepresentative>\n"
        f"<DefendantDetails {defendant}>{_person(rng, 'PersonalDetails')}"
        f"<Vehicle {_a(VRN='AB12CDE', Make='Ford', Model='Focus', Color='Red')}/>"
        f"<InsurerInformation {insurer}/></DefendantDetails>\n"
        f"<ClaimantDetails {claimant}>{_person(rng, 'PersonalDetails', birth)}"
        f"<Vehicle {_a(VRN='XY34ZZZ')}/></ClaimantDetails>"
        "</ClaimAndClaimantDetails>\n<MedicalDetails>"
        f"<Injury {injury}/>{hospitals}"
        f"<Rehabilitation {_a(RehabilitationUndertaken='0')}/></MedicalDetails>\n"
        "<RepairsAndAlternativeVehicleProvision>"
        f"<Repairs {_a(ClaiimingDamageOwnVehicle='0')}/></RepairsAndAlternativeVehicleProvision>\n"
        f"<AccidentData><AccidentDetails {accident_details}>"
        f"<WeatherConditions {_a(Rain='1')}/><RoadConditions {_a(Wet='1')}/>"
        f"<AccidentCircumstances {_a(VhclHitInRear='1')}/><PoliceDetails {police}/>"
        f"</AccidentDetails><BusCoach {_a(BussOrCoach='0')}/></AccidentData>\n"
        f"<OtherPartyDetails>{parties}</OtherPartyDetails>\n"
        f"<LiabilityFunding><Liability {_a(DefendantResponsability=_TEXT * 2)}/>"
        "</LiabilityFunding>\n</DocumentInput>\n"
    )


# Each mutation breaks the schema (xsd) or a business rule (rule).
_MUTATIONS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("xsd", lambda doc: doc.replace('AccidentTime="', 'AccidentTime="2', 1)),
    ("rule", lambda doc: doc.replace('AccidentDate="2026-', 'AccidentDate="2027-', 1)),
    ("xsd", lambda doc: doc.replace(' ClaimantType="0"', "", 1)),
    ("rule", lambda doc: doc.replace('RetainedCopy="1"', 'RetainedCopy="0"', 1)),
    ("xsd", lambda doc: doc.replace('InsuranceNumber="AB', 'InsuranceNumber="Q', 1)),
)


def write_corpus(folder: Path, count: int, seed: int = 7) -> dict[str, int]:
    """Write ``count`` CNFs into ``folder``; returns how many are valid and invalid."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    tally = {"valid": 0, "invalid": 0}
    for index in range(count):
        doc = cnf(rng, index)
        if index % 5 == 4:
            _, mutate = _MUTATIONS[(index // 5) % len(_MUTATIONS)]
            doc = mutate(doc)
            tally["invalid"] += 1
        else:
            tally["valid"] += 1
        (folder / f"cnf-{index:06d}.xml").write_text(doc, encoding="utf-8")
    return tally
