"""Loss lines, shared by the ISP, Stage 2, additional-damages and court-proceedings rules.

Every pack after the insurer response lists losses, one element per C18 loss type, under a
pack-specific path. This module knows those paths, the checks several families share (unique
loss types, the MedCo case, the CRU reference) and rule LOSS-01: the loss types a service and
release admit (payloads.md section 8.1.1), for the schemas that admit more (EL/PL replies take
the RTA list; the server accepts only the EL/PL values).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from lxml import etree

from gateway.domain.services import Service
from gateway.validation.masking import mask
from gateway.validation.packs import Pack
from gateway.validation.rules.base import Hit, Rule, Subject, is_yes, required, value

#: Where the loss lines of each pack are, below the root.
LINES: Mapping[Pack, str] = {
    Pack.ISP_REQUEST: "ClaimantLosses/ClaimantLossesToDate",
    Pack.ISP_RESPONSE: "DefendantReplies/DefendantResponse",
    Pack.S2SP_REQUEST: "ClaimantLosses/CurrentClaimantOffer",
    Pack.S2SP_RESPONSE: "DefendantReplies/CurrentDefendantResponse",
    Pack.S2SP_COUNTER_OFFER_CR: "ClaimantLosses/CurrentClaimantOffer",
    Pack.S2SP_COUNTER_OFFER_CM: "DefendantReplies/CurrentDefendantResponse",
    Pack.AD_REQUEST: "ClaimantLosses/CurrentClaimantOffer",
    Pack.AD_RESPONSE: "DefendantReplies/CurrentDefendantResponse",
    Pack.CPP_REQUEST: "ClaimantLosses/LastClaimantOffer",
    Pack.CPP_RESPONSE: "DefendantReplies/LastDefendantResponse",
}
LINE_PACKS = frozenset(LINES)

TARIFF_LOSS_TYPE = "16"
_ELPL_TYPES = frozenset({"4", "5", "6", "7", "8", "9", "10", "11", "13", "14", "15"})
_RTA_R7_TYPES = frozenset(str(n) for n in range(17))
_RTA_TYPES = frozenset(str(n) for n in range(16))
# Before R7, loss type 12 (loss of use) appears only in compensator replies, AD and CPP packs.
_RTA_CLAIMANT_TYPES = _RTA_TYPES - {"12"}
_CLAIMANT_PACKS = frozenset({Pack.ISP_REQUEST, Pack.S2SP_REQUEST, Pack.S2SP_COUNTER_OFFER_CR})


def loss_lines(subject: Subject) -> list[etree._Element]:
    """The loss lines of the pack, in document order (none for packs without lines)."""
    path = LINES.get(subject.pack)
    return subject.findall(path) if path is not None else []


def allowed_loss_types(service: Service, release: str, pack: Pack) -> frozenset[str]:
    """The C18 values a pack of this service and release may name."""
    if service is Service.ELPL:
        return _ELPL_TYPES
    if release == "R7":
        return _RTA_R7_TYPES
    return _RTA_CLAIMANT_TYPES if pack in _CLAIMANT_PACKS else _RTA_TYPES


#: What each response answers, in the words of its refusal.
_ANSWERED: Mapping[Pack, str] = {
    Pack.ISP_RESPONSE: "the interim request",
    Pack.S2SP_RESPONSE: "the settlement pack request",
    Pack.S2SP_COUNTER_OFFER_CM: "the claimant's counter offer",
    Pack.AD_RESPONSE: "the additional damages request",
}


def answers_request(subject: Subject) -> Iterator[Hit]:
    """A response's lines name only loss types of the request it answers (ISP-04, S2-07,
    AD-03; decided). Skipped when the request is not known (the offline validator)."""
    requested = subject.ctx.request_loss_types
    if requested is None:
        return
    answered = _ANSWERED.get(subject.pack, "the request")
    for line in loss_lines(subject):
        loss_type = value(line, "LossType")
        if loss_type is not None and loss_type.strip() not in requested:
            yield Hit(line, "@LossType", f"loss type {mask(loss_type)} is not in {answered}")


def unique_loss_types(subject: Subject) -> Iterator[Hit]:
    """Each loss type at most once in the pack (ISP-01, S2-01, AD-02)."""
    seen: set[str] = set()
    for line in loss_lines(subject):
        loss_type = value(line, "LossType")
        if loss_type is None:
            continue
        if loss_type in seen:
            yield Hit(line, "@LossType", f"loss type {mask(loss_type)} appears more than once")
        seen.add(loss_type)


def lines_not_agreed(subject: Subject) -> list[etree._Element]:
    """The loss lines whose ``@IsGrossAmountAgreed`` is not ``1``."""
    return [line for line in loss_lines(subject) if not is_yes(line, "IsGrossAmountAgreed")]


def medco_case(subject: Subject) -> Iterator[Hit]:
    """ISP-03 / S2-03: ``@MedCoCaseID`` is required when ``@SoftTissue = 1``."""
    case = subject.find("ClaimantRepresentative/MedCoCase")
    if case is not None and is_yes(case, "SoftTissue"):
        yield from required(case, ("MedCoCaseID",), "when SoftTissue is 1")


def cru_reference(subject: Subject) -> Iterator[Hit]:
    """ISP-05: ``CRUReference`` needs ``@CRUReferenceNumber`` or ``@CRUComment``."""
    cru = subject.find("DefendantRepresentative/CRUReference")
    if (
        cru is not None
        and value(cru, "CRUReferenceNumber") is None
        and value(cru, "CRUComment") is None
    ):
        yield Hit(
            cru, "@CRUReferenceNumber", "CRUReference needs a CRUReferenceNumber or a CRUComment"
        )


def _loss_type_available(subject: Subject) -> Iterator[Hit]:
    allowed = allowed_loss_types(subject.service, subject.release, subject.pack)
    for line in loss_lines(subject):
        loss_type = value(line, "LossType")
        if loss_type is not None and loss_type.strip() not in allowed:
            yield Hit(
                line,
                "@LossType",
                f"loss type {mask(loss_type)} is not available for "
                f"{subject.service.value} {subject.release} {subject.pack.value}",
            )


RULES: tuple[Rule, ...] = (Rule("LOSS-01", _loss_type_available, LINE_PACKS),)
