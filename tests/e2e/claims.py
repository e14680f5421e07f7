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
    if service == "elpl" and decision == "AN":  # no EL/PL sample: the admission, with negligence
        root = etree.parse(
            str(SAMPLES / service / release / "insurer-response" / "valid-admitted.xml")
        ).getroot()
        causation = root.find("LiabilityCausation")
        assert causation is not None
        causation.set("LiabilityDecision", "AN")
        return etree.tostring(root, encoding="unicode")
    name = {
        "A": "valid-admitted.xml",
        "AN": "valid-admitted-with-negligence.xml",
        "N": "valid-not-admitted.xml",
    }[decision]
    path = SAMPLES / service / release / "insurer-response" / name
    return path.read_text(encoding="utf-8")


ELPL_SAMPLES = {"EL": "valid-el.xml", "ELD": "valid-eld.xml", "PL": "valid-pl.xml"}


def cnf_elpl(
    reference: str,
    claim_type: str = "EL",
    insurer: str = "COMP001",
    child: bool = False,
    birth: date | None = None,
    release: str = "R6",
) -> str:
    """A valid EL/PL CNF of ``claim_type`` (EL, ELD, PL) to ``insurer``, reference ``reference``."""
    root = etree.parse(str(SAMPLES / "elpl" / release / "cnf" / ELPL_SAMPLES[claim_type])).getroot()
    info = root.find(".//DefendantDetails/InsurerInformation")
    company = root.find("ClaimAndClaimantDetails/ClaimantRepresentative/CompanyDetails")
    claimant = root.find("ClaimAndClaimantDetails/ClaimantDetails")
    assert info is not None and company is not None and claimant is not None
    info.set("InsurerOrganizationID", insurer)
    info.set("InsurerOrganizationPath", f"/{insurer}")
    company.set("ReferenceNumber", reference)
    claimant.set("ChildClaim", "1" if child else "0")
    if birth is not None:
        person = claimant.find("PersonalDetails")
        assert person is not None
        person.set("DateOfBirth", birth.isoformat())
    return etree.tostring(root, encoding="unicode")


# ------------------------------------------------------------------ Stage 2 and Stage 3 packs
def _sample(service: str, release: str, pack: str, name: str) -> etree._Element:
    return etree.parse(str(SAMPLES / service / release / pack / name)).getroot()


def _text(root: etree._Element) -> str:
    return etree.tostring(root, encoding="unicode")


#: The lines of the sample ISP request: loss type -> gross value claimed (no contribution).
ISP_LINES = {"5": "1840.00", "8": "420.00", "10": "96.40"}


def isp_request(
    lines: dict[str, str] | None = None, service: str = "rta", release: str = "R7"
) -> str:
    """A valid ISP request asking for ``lines`` (loss type -> gross value), by default the
    sample's four lines (2,566.40: over 1,000). EL/PL and RTA before R7 use the sample's own."""
    root = _sample(service, release, "isp-request", "valid-request.xml")
    if lines is None:
        return _text(root)
    losses = root.find("ClaimantLosses")
    assert losses is not None
    template = losses[0]
    for line in list(losses):
        losses.remove(line)
    for loss_type, gross in lines.items():
        line = etree.fromstring(etree.tostring(template))
        line.set("LossType", loss_type)
        line.set("GrossValueClaimed", gross)
        line.attrib.pop("Comments", None)
        losses.append(line)
    return _text(root)


def isp_response(
    full: bool, lines: dict[str, str] | None = None, service: str = "rta", release: str = "R7"
) -> str:
    """A full (every line agreed at the value claimed) or partial (the sample) interim offer
    answering ``isp_request(lines)``."""
    root = _sample(service, release, "isp-response", "valid-partial.xml")
    if not full:
        return _text(root)
    replies = root.find("DefendantReplies")
    assert replies is not None
    template = replies[-1]
    for line in list(replies):
        replies.remove(line)
    for loss_type, gross in (lines or ISP_LINES).items():
        line = etree.fromstring(etree.tostring(template))
        line.set("LossType", loss_type)
        line.set("IsGrossAmountAgreed", "1")
        line.set("GrossValueOffered", gross)
        replies.append(line)
    return _text(root)


_S2SP_RESPONSES = {
    "C": "valid-confirm.xml",
    "CO": "valid-counter-offer.xml",
    "R": "valid-repudiation.xml",
}
_CM_COUNTER = {"ACO": "valid-accept.xml", "NEWCO": "valid-new-counter-offer.xml"}
_AD_RESPONSES = {"A": "valid-agree.xml", "CO": "valid-counter-offer.xml"}


def s2sp_request(service: str = "rta", release: str = "R7") -> str:
    return _text(_sample(service, release, "s2sp-request", "valid-request.xml"))


def s2sp_response(decision: str, service: str = "rta", release: str = "R7") -> str:
    return _text(_sample(service, release, "s2sp-response", _S2SP_RESPONSES[decision]))


def counter_offer_cr(service: str = "rta", release: str = "R7") -> str:
    return _text(_sample(service, release, "s2sp-counter-offer-cr", "valid-counter-offer.xml"))


def counter_offer_cm(decision: str, service: str = "rta", release: str = "R7") -> str:
    return _text(_sample(service, release, "s2sp-counter-offer-cm", _CM_COUNTER[decision]))


def ad_request(release: str = "R7") -> str:
    return _text(_sample("rta", release, "ad-request", "valid-request.xml"))


def ad_response(decision: str, release: str = "R7") -> str:
    return _text(_sample("rta", release, "ad-response", _AD_RESPONSES[decision]))


def cpp_request(service: str = "rta", release: str = "R7") -> str:
    return _text(_sample(service, release, "cpp-request", "valid-request.xml"))


def cpp_response(service: str = "rta", release: str = "R7") -> str:
    return _text(_sample(service, release, "cpp-response", "valid-response.xml"))
