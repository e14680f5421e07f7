"""Business rules IR-01 to IR-03 of the insurer response (payloads.md section 3).

IR-01 says the liability decision selects the lifecycle transition: the decision is a fact of
the validated pack (``PackFacts.liability_decision``) and the rule only checks it is a C17 code.
"""

from __future__ import annotations

from collections.abc import Iterator

from gateway.domain.services import Service
from gateway.validation.masking import mask
from gateway.validation.packs import Pack
from gateway.validation.rules.base import Hit, Rule, Subject, required, value

LIABILITY = "LiabilityCausation"
DECISIONS = frozenset({"A", "AN", "N"})  # C17_LiabilityDecision

_PACKS = frozenset({Pack.INSURER_RESPONSE})


def _decision_code(subject: Subject) -> Iterator[Hit]:
    liability = subject.find(LIABILITY)
    decision = value(liability, "LiabilityDecision")
    if liability is not None and decision is not None and decision not in DECISIONS:
        yield Hit(
            liability, "@LiabilityDecision", f"LiabilityDecision {mask(decision)} is not A, AN or N"
        )


def _reasons_for_denial(subject: Subject) -> Iterator[Hit]:
    liability = subject.find(LIABILITY)
    if liability is not None and value(liability, "LiabilityDecision") == "N":
        yield from required(
            liability, ("UnadmittedLiabilityReasons",), "when LiabilityDecision is N (not admitted)"
        )


def _other_capacity(subject: Subject) -> Iterator[Hit]:
    if value(subject.root, "Capacity") == "4":
        yield from required(subject.root, ("OtherCapacity",), "when Capacity is 4 (Other)")


RULES: tuple[Rule, ...] = (
    Rule("IR-01", _decision_code, _PACKS),
    Rule("IR-02", _reasons_for_denial, _PACKS),
    Rule("IR-03", _other_capacity, _PACKS, frozenset({Service.RTA})),
)
