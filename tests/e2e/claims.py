"""Building claim packs for end-to-end tests from the conformance corpus's valid samples."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lxml import etree

SAMPLES = Path(__file__).resolve().parent.parent / "conformance" / "samples"


def cnf(
    reference: str,
    insurer: str = "COMP001",
    insurer_type: str = "I",
    child: bool = False,
    birth: date | None = None,
    service: str = "rta",
    release: str = "R7",
) -> str:
    """A valid CNF addressed to ``insurer`` with the CR reference ``reference``."""
    root = etree.parse(str(SAMPLES / service / release / "cnf" / "valid-adult.xml")).getroot()
    info = root.find(".//DefendantDetails/InsurerInformation")
    assert info is not None
    info.set("InsurerOrganizationID", insurer)
    info.set("InsurerOrganizationPath", f"/{insurer}")
    if service == "rta":
        info.set("InsurerType", insurer_type)
    company = root.find("ClaimAndClaimantDetails/ClaimantRepresentative/CompanyDetails")
    assert company is not None
    company.set("ReferenceNumber", reference)
    claimant = root.find("ClaimAndClaimantDetails/ClaimantDetails")
    assert claimant is not None
    claimant.set("ChildClaim", "1" if child else "0")
    if birth is not None:
        person = claimant.find("PersonalDetails")
        assert person is not None
        person.set("DateOfBirth", birth.isoformat())
    return etree.tostring(root, encoding="unicode")


def insurer_response(decision: str = "A", service: str = "rta", release: str = "R7") -> str:
    name = {
        "A": "valid-admitted.xml",
        "AN": "valid-admitted-with-negligence.xml",
        "N": "valid-not-admitted.xml",
    }[decision]
    path = SAMPLES / service / release / "insurer-response" / name
    return path.read_text(encoding="utf-8")
