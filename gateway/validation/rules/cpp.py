"""Business rules CPP-01 and CPP-02 of the court proceedings pack (payloads.md section 6).

RTA spells the disbursement container ``DisbursmentDisputed``; EL/PL spells it correctly. Values
after contribution are compared within one penny (EL/PL has no percentage: the value after
contribution must equal the gross value).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from lxml import etree

from gateway.validation.masking import mask
from gateway.validation.packs import Pack
from gateway.validation.rules.base import Hit, Rule, Subject, decimal_of, value
from gateway.validation.rules.isp import after_contribution
from gateway.validation.rules.lines import loss_lines

DISBURSEMENTS = (
    "DisbursmentDisputed/DisbursementDisputedRequestResponse",
    "DisbursementDisputed/DisbursementDisputedRequestResponse",
)
PENNY = Decimal("0.01")


def disbursements(subject: Subject) -> list[etree._Element]:
    """The disputed-disbursement rows, whichever spelling the service uses."""
    for path in DISBURSEMENTS:
        rows = subject.findall(path)
        if rows:
            return rows
    return []


def disbursement_ids(subject: Subject) -> frozenset[int]:
    """The ``@DisbursementId`` values of the pack that are integers."""
    ids: set[int] = set()
    for row in disbursements(subject):
        raw = value(row, "DisbursementId")
        if raw is not None and raw.strip().isdigit():
            ids.add(int(raw))
    return frozenset(ids)


def _disbursement_ids(subject: Subject) -> Iterator[Hit]:
    seen: set[str] = set()
    requested = subject.ctx.request_disbursement_ids
    for row in disbursements(subject):
        raw = value(row, "DisbursementId")
        if raw is None:
            continue
        ident = raw.strip()
        if ident in seen:
            yield Hit(
                row, "@DisbursementId", f"DisbursementId {mask(ident)} appears more than once"
            )
        seen.add(ident)
        if (
            subject.pack is Pack.CPP_RESPONSE
            and requested is not None
            and (not ident.isdigit() or int(ident) not in requested)
        ):
            yield Hit(
                row,
                "@DisbursementId",
                f"DisbursementId {mask(ident)} is not in the court proceedings request",
            )


def _value_after_contribution(subject: Subject) -> Iterator[Hit]:
    for line in loss_lines(subject):
        gross = decimal_of(line, "GrossValueClaimed")
        stated = decimal_of(line, "ValueClaimedAfterContrib")
        if gross is None or stated is None:
            continue
        if subject.is_rta:
            expected = after_contribution(gross, decimal_of(line, "PercContribNegDeductions"))
            wrong = abs(stated - expected) > PENNY
        else:
            expected, wrong = gross, stated != gross
        if wrong:
            yield Hit(
                line,
                "@ValueClaimedAfterContrib",
                f"ValueClaimedAfterContrib {stated} should be {expected:.2f}",
            )


RULES: tuple[Rule, ...] = (
    Rule("CPP-01", _disbursement_ids, frozenset({Pack.CPP_REQUEST, Pack.CPP_RESPONSE})),
    Rule("CPP-02", _value_after_contribution, frozenset({Pack.CPP_REQUEST})),
)
