"""Business rules ISP-01 to ISP-06 of the interim settlement pack (payloads.md section 4).

The requested value (operations.md section 4.5) is the sum, over the lines still pursued
(``@ItemBeingPursued`` other than ``0``), of ``GrossValueClaimed x (1 - PercContribNegDeductions /
100)``; EL/PL has no percentage. A response is *full* when every line is agreed and the offered
total after CRU deductions reaches the requested value (ISP-06, a classification the lifecycle
uses); an all-zero offer is refused: it must be sent as ``rejectInterimSettlementPack``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from gateway.domain.services import Service
from gateway.validation.packs import Pack
from gateway.validation.rules.base import Hit, Rule, Subject, decimal_of
from gateway.validation.rules.lines import (
    answers_request,
    cru_reference,
    lines_not_agreed,
    loss_lines,
    medco_case,
    unique_loss_types,
)

_REQUEST = frozenset({Pack.ISP_REQUEST})
_RESPONSE = frozenset({Pack.ISP_RESPONSE})
_BOTH = _REQUEST | _RESPONSE
_HUNDRED = Decimal(100)


def after_contribution(gross: Decimal, percent: Decimal | None) -> Decimal:
    """``gross`` less the contributory-negligence percentage (none for EL/PL)."""
    return gross if percent is None else gross * (1 - percent / _HUNDRED)


def requested_value(subject: Subject) -> Decimal:
    """The value an ISP request asks for (operations.md section 4.5)."""
    total = Decimal(0)
    for line in loss_lines(subject):
        gross = decimal_of(line, "GrossValueClaimed")
        if gross is None or (line.get("ItemBeingPursued") or "").strip() == "0":
            continue
        total += after_contribution(gross, decimal_of(line, "PercContribNegDeductions"))
    return total


def offered_value(subject: Subject) -> Decimal:
    """What an ISP response offers, after contribution and CRU deductions."""
    total = Decimal(0)
    for line in loss_lines(subject):
        gross = decimal_of(line, "GrossValueOffered")
        if gross is not None:
            total += after_contribution(gross, decimal_of(line, "PercContribNegDeductions"))
    deductions = decimal_of(subject.find("Total/LossesTotal"), "CRUDeductions")
    return total - (deductions or 0)


def is_full_response(subject: Subject, requested: Decimal) -> bool:
    """ISP-06: every line agreed and the offer, after CRU deductions, reaches ``requested``."""
    return not lines_not_agreed(subject) and offered_value(subject) >= requested


def _requested_positive(subject: Subject) -> Iterator[Hit]:
    requested = requested_value(subject)
    if requested <= 0:
        losses = subject.find("ClaimantLosses")
        yield Hit(
            subject.root if losses is None else losses,
            None,
            f"the requested interim value must be more than 0 (it is {requested:.2f})",
        )


def _not_all_zero(subject: Subject) -> Iterator[Hit]:
    lines = loss_lines(subject)
    offers = [decimal_of(line, "GrossValueOffered") for line in lines]
    if all(offer is None or offer == 0 for offer in offers):
        replies = subject.find("DefendantReplies")
        yield Hit(
            subject.root if replies is None else replies,
            None,
            "an all-zero offer must be sent with rejectInterimSettlementPack",
        )


RULES: tuple[Rule, ...] = (
    Rule("ISP-01", unique_loss_types, _BOTH),
    Rule("ISP-02", _requested_positive, _REQUEST),
    Rule("ISP-03", medco_case, _REQUEST, frozenset({Service.RTA})),
    Rule("ISP-04", answers_request, _RESPONSE),
    Rule("ISP-05", cru_reference, _RESPONSE | {Pack.S2SP_RESPONSE}),
    Rule("ISP-06", _not_all_zero, _RESPONSE),
)
