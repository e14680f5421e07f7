"""Facts the service layer needs from a validated pack, read once so handlers never touch XML.

A CNF gives the accident date, the claimant's date of birth and child flag, the target
compensator, the CR reference and (EL/PL) the claim type; an insurer response its liability
decision; the loss packs their loss types and decisions; an ISP request its requested value and
an ISP response, given that value, its full / partial classification (ISP-06).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gateway.validation.packs import Pack
from gateway.validation.rules import cnf, cpp, isp, stage2
from gateway.validation.rules.base import Subject, date_of, value
from gateway.validation.rules.lines import loss_lines


@dataclass(frozen=True)
class PackFacts:
    """What a validated pack says that the lifecycle and the store need; None when not said."""

    accident_date: date | None = None
    claimant_birth_date: date | None = None
    child_claim: bool | None = None
    insurer_organization_path: str | None = None
    insurer_organization_id: str | None = None
    insurer_type: str | None = None
    cr_reference_number: str | None = None
    claim_type: str | None = None
    claim_value: str | None = None
    notification_date: date | None = None
    oic_reference_number: str | None = None
    claimant_postcode: str | None = None  # normalised (CNF-07)
    liability_decision: str | None = None
    loss_types: frozenset[str] = frozenset()
    requested_value: Decimal | None = None
    interim_full: bool | None = None
    offered_value: Decimal | None = None  # ISP response: after contribution and CRU
    decision: str | None = None
    disbursement_ids: frozenset[int] = frozenset()


def extract_facts(subject: Subject) -> PackFacts:
    """The facts of ``subject``'s pack."""
    if subject.pack in (Pack.CNF, Pack.CNF_RESEND):
        return _cnf_facts(subject)
    if subject.pack is Pack.INSURER_RESPONSE:
        return PackFacts(
            liability_decision=value(subject.find("LiabilityCausation"), "LiabilityDecision")
        )
    return _loss_pack_facts(subject)


def _cnf_facts(subject: Subject) -> PackFacts:
    details = subject.find(cnf.CLAIM_DETAILS)
    insurer = subject.find(cnf.INSURER)
    child = value(subject.find(cnf.CLAIMANT), "ChildClaim")
    postcode = value(subject.find(cnf.CLAIMANT_ADDRESS), "PostCode")
    valid_postcode = postcode is not None and cnf.UK_POSTCODE.fullmatch(postcode.strip())
    return PackFacts(
        accident_date=date_of(subject.find(cnf.ACCIDENT), "AccidentDate"),
        claimant_birth_date=date_of(subject.find(cnf.CLAIMANT_PERSON), "DateOfBirth"),
        child_claim=None if child is None else child.strip() == "1",
        insurer_organization_path=value(insurer, "InsurerOrganizationPath"),
        insurer_organization_id=value(insurer, "InsurerOrganizationID"),
        insurer_type=value(insurer, "InsurerType"),
        cr_reference_number=value(subject.find(cnf.CR_COMPANY), "ReferenceNumber"),
        claim_type=cnf.claim_type(subject),
        claim_value=value(details, "ClaimValue"),
        notification_date=date_of(details, "NotificationDate"),
        oic_reference_number=value(details, "OICReferenceNumber"),
        claimant_postcode=(
            cnf.normalised_postcode(postcode.strip())
            if postcode is not None and valid_postcode
            else postcode
        ),
    )


def _loss_pack_facts(subject: Subject) -> PackFacts:
    agreement = subject.find(stage2.AGREEMENT)
    decision = None
    for name in (
        "SettlementPackDecision",
        "SettlementPackCounterOfferDecision",
        "AdditionalDamagesDecision",
    ):
        decision = decision or value(agreement, name)
    requested = subject.ctx.requested_value
    return PackFacts(
        loss_types=frozenset(
            loss_type.strip()
            for line in loss_lines(subject)
            if (loss_type := value(line, "LossType")) is not None
        ),
        requested_value=(
            isp.requested_value(subject) if subject.pack is Pack.ISP_REQUEST else None
        ),
        offered_value=(isp.offered_value(subject) if subject.pack is Pack.ISP_RESPONSE else None),
        interim_full=(
            isp.is_full_response(subject, requested)
            if subject.pack is Pack.ISP_RESPONSE and requested is not None
            else None
        ),
        decision=decision,
        disbursement_ids=cpp.disbursement_ids(subject),
    )
