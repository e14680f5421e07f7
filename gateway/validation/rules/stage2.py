"""Business rules S2-01 to S2-05 of the Stage 2 settlement pack and counter offers (payloads 5).

S2-06 (``AgreementDetails`` totals are the sender's statement, stored as sent and not
recomputed) refuses nothing and has no check. Whether a ``NEWCO`` follows a late CR offer is a
lifecycle question (lifecycle.md section 5.4), answered by the service layer, not here.
"""

from __future__ import annotations

from collections.abc import Iterator

from gateway.domain.services import Service
from gateway.validation.packs import Pack
from gateway.validation.rules.base import Hit, Rule, Subject, decimal_of, required, value
from gateway.validation.rules.lines import (
    answers_request,
    lines_not_agreed,
    loss_lines,
    medco_case,
    unique_loss_types,
)

AGREEMENT = "AgreementData/FinalAgreementDetails"
AGREEMENT_DETAILS = "AgreementData/FinalAgreementDetails/AgreementDetails"

_PACKS = frozenset(
    {Pack.S2SP_REQUEST, Pack.S2SP_RESPONSE, Pack.S2SP_COUNTER_OFFER_CR, Pack.S2SP_COUNTER_OFFER_CM}
)


def every_line_agreed(subject: Subject, why: str) -> Iterator[Hit]:
    """A hit on each line whose ``@IsGrossAmountAgreed`` is not ``1``."""
    for line in lines_not_agreed(subject):
        yield Hit(line, "@IsGrossAmountAgreed", f"every line must be agreed {why}")


def _interest_not_negative(subject: Subject) -> Iterator[Hit]:
    for line in loss_lines(subject):
        interest = decimal_of(line, "Interest")
        if interest is not None and interest < 0:
            yield Hit(line, "@Interest", f"Interest must not be negative (it is {interest})")


def _settlement_decision(subject: Subject) -> Iterator[Hit]:
    decision = value(subject.find(AGREEMENT), "SettlementPackDecision")
    if decision == "C":
        yield from every_line_agreed(subject, "when SettlementPackDecision is C (confirm)")
    elif decision == "R":
        details = subject.find(AGREEMENT_DETAILS)
        if details is not None:
            yield from required(
                details, ("Comments",), "when SettlementPackDecision is R (repudiation)"
            )


def _counter_offer_decision(subject: Subject) -> Iterator[Hit]:
    if value(subject.find(AGREEMENT), "SettlementPackCounterOfferDecision") == "ACO":
        yield from every_line_agreed(
            subject, "when SettlementPackCounterOfferDecision is ACO (accept the counter offer)"
        )


RULES: tuple[Rule, ...] = (
    Rule("S2-01", unique_loss_types, _PACKS),
    Rule("S2-02", _interest_not_negative, _PACKS),
    Rule("S2-03", medco_case, frozenset({Pack.S2SP_REQUEST}), frozenset({Service.RTA})),
    Rule("S2-04", _settlement_decision, frozenset({Pack.S2SP_RESPONSE})),
    Rule("S2-05", _counter_offer_decision, frozenset({Pack.S2SP_COUNTER_OFFER_CM})),
    Rule("S2-07", answers_request, frozenset({Pack.S2SP_RESPONSE, Pack.S2SP_COUNTER_OFFER_CM})),
)
