"""Code lists the workflow checks and prints: rejection, exit and fraud reasons (payloads.md 8)."""

from __future__ import annotations

from gateway.domain.services import Service, Side

REJECTION_REASONS = {
    "0": "Claim sent to the wrong organisation (wrong defendant or compensator)",
    "1": "Mandatory fields incorrectly populated",
    "2": "AskCUE PI reference not valid",
}
EXIT_REASONS = {
    "1": "Compensator considers the claim unsuitable for the protocol",
    "2": "Claim value above the protocol upper limit",
    "3": "Claim settled or withdrawn outside the portal",
    "4": "Claimant considers the claim unsuitable for the protocol",
    "5": "Claimant representative no longer instructed",
    "6": "Claimant has died or lacks capacity",
    "7": "Duplicate claim",
    "8": "Stage 1 fixed costs not paid on time",
    "9": "Claimant has not provided information required by the protocol",
    "10": "Other",
    "11": "Interim payment not paid or not agreed; proceedings for an interim payment",
    "12": "Agreed damages not paid within the time limit",
    "13": "Compensator cannot be identified or has no valid cover",
    "14": "Claim to continue under the small-claims whiplash (OIC) route",
    "15": "Disease claim needs investigation of several employers or insurers",
}
_ELPL_14 = "Defendant insolvent or dissolved"
_EXIT_CODES: dict[tuple[Service, Side], frozenset[str]] = {
    (Service.RTA, Side.CR): frozenset({"2", "3", "4", "5", "6", "7", "8", "10", "11", "12", "13"}),
    (Service.RTA, Side.COMP): frozenset({"1", "2", "3", "6", "7", "9", "10"}),
    (Service.ELPL, Side.CR): frozenset(
        {"2", "3", "4", "5", "6", "7", "8", "10", "11", "12", "13", "14", "15"}
    ),
    (Service.ELPL, Side.COMP): frozenset({"1", "2", "3", "6", "7", "9", "10"}),
}
FRAUD_REASONS = {"0": "The compensator considers the claim fraudulent"}


def rejection_codes(service: Service) -> frozenset[str]:
    return frozenset({"0", "1", "2"}) if service is Service.RTA else frozenset({"0", "1"})


def exit_codes(service: Service, side: Side, release: str) -> frozenset[str]:
    codes = _EXIT_CODES[(service, side)]
    if service is Service.RTA and release >= "R7":
        codes = codes | {"14"}
    return codes


def exit_label(service: Service, code: str) -> str:
    if service is Service.ELPL and code == "14":
        return _ELPL_14
    return EXIT_REASONS.get(code, code)
